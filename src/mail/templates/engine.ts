import { CaptureTag, Context, Liquid, LiquidError, Tag, UndefinedVariableError, toPromise, toValue, type Emitter, type TagToken, type TopLevelToken, type Template } from 'liquidjs';
import type { Language } from '../../domain/document.ts';
import { AppError } from '../../domain/errors.ts';
import { assertCents, formatMoney } from '../../domain/money.ts';
import { toOneLine } from '../text.ts';
import { allowedVariablePaths, sampleTemplateContext, type TemplateContext } from './context.ts';

/**
 * Liquid, locked down for templates written by users of the app:
 * - in-memory only (`templates: {}`): liquidjs would otherwise read `{% include "package.json" %}`
 *   from the working directory; `include`, `render` and `layout` are refused outright;
 * - `strictVariables` / `strictFilters`: a typo is an error, not an empty string in 500 e-mails;
 * - `ownPropertyOnly`: no `constructor`, no prototype walking;
 * - `parseLimit` / `renderLimit` / `memoryLimit`: `{% for i in (1..100000000) %}` stops;
 * - the text a template produces (output and `capture`s) is counted while it is produced and the
 *   render stops at `outputLimit` characters: liquidjs's limits do not count output, and a capture
 *   of a 1 MB string printed 150 times ran 68 s, took 1.6 GB and answered 300 MB. The check is
 *   on the rendered text, before it is escaped for HTML or serialised into a message.
 */
export const TEMPLATE_LIMITS = {
  /** characters of template source */
  parseLimit: 100_000,
  /** milliseconds of rendering per template */
  renderLimit: 1_000,
  /** liquidjs's allocation counter (roughly characters and array items produced) */
  memoryLimit: 5_000_000,
  /** characters a template may produce (subject or body, captures included) */
  outputLimit: 200_000,
} as const;

class OutputLimitError extends Error {
  constructor(readonly limit: number) {
    super(`the template produces more than ${limit} characters`);
  }
}

/** The characters produced by one render (subject or body), shared by its output and captures. */
class OutputBudget {
  private used = 0;
  constructor(private readonly limit: number) {}
  charge(chars: number): void {
    this.used += chars;
    if (this.used > this.limit) throw new OutputLimitError(this.limit);
  }
}

const budgets = new WeakMap<Context, OutputBudget>();

/** liquidjs's `stringify` of an output value (not exported by the package). */
function outputText(value: unknown): string {
  const v: unknown = toValue(value);
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(outputText).join('');
  return String(v);
}

/** liquidjs's SimpleEmitter, counting what it is given before keeping it. */
class CountingEmitter implements Emitter {
  buffer = '';
  constructor(private readonly budget: OutputBudget | undefined) {}
  write(html: unknown): void {
    const text = outputText(html);
    this.budget?.charge(text.length);
    this.buffer += text;
  }
}

/** `capture` as liquidjs has it, but its text counts against the render's output budget. */
class CountedCaptureTag extends CaptureTag {
  override *render(ctx: Context): Generator<unknown, void, string> {
    const emitter = new CountingEmitter(budgets.get(ctx));
    yield this.liquid.renderer.renderTemplates(this.templates, ctx, emitter);
    ctx.bottom()[this.variable] = emitter.buffer;
  }
}

export const MAX_SUBJECT_LENGTH = 300;

class RefusedTagError extends Error {
  constructor(readonly tag: string) {
    super(`the tag {% ${tag} %} is not allowed: templates cannot load other files`);
  }
}

function refusedTag(name: string) {
  return class extends Tag {
    constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid) {
      super(token, remainTokens, liquid);
      throw new RefusedTagError(name);
    }
    *render(): Generator<unknown, void, unknown> {
      // never reached: the constructor refuses the tag while parsing
    }
  };
}

function isoDateParts(value: unknown): [number, number, number] | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

/** `2026-11-16` → `16.11.2026` (de) / `16/11/2026` (en); style `long` → `16. November 2026` / `16 November 2026`. */
export function formatTemplateDate(value: unknown, language: Language, style: unknown = 'short'): string {
  const parts = isoDateParts(value);
  if (!parts) return typeof value === 'string' ? value : '';
  const key = `${language}:${style === 'long' ? 'long' : 'short'}`;
  let formatter = dateFormatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(language === 'de' ? 'de-DE' : 'en-GB', {
      timeZone: 'UTC',
      ...(style === 'long' ? { day: 'numeric', month: 'long', year: 'numeric' } : { day: '2-digit', month: '2-digit', year: 'numeric' }),
    });
    dateFormatters.set(key, formatter);
  }
  // Calendar dates are dates, not instants: format them at UTC midnight so no time zone shifts the day.
  return formatter.format(new Date(Date.UTC(parts[0], parts[1] - 1, parts[2])));
}

function formatTemplateMoney(value: unknown, language: Language): string {
  if (typeof value === 'string') return value; // already formatted (e.g. `doc.totalFormatted | money`)
  if (typeof value !== 'number') return '';
  return formatMoney(assertCents(value, 'money filter input'), language);
}

function createEngine(language: Language): Liquid {
  const liquid = new Liquid({
    templates: {},
    strictVariables: true,
    strictFilters: true,
    ownPropertyOnly: true,
    dynamicPartials: false,
    jsTruthy: false,
    greedy: false,
    parseLimit: TEMPLATE_LIMITS.parseLimit,
    renderLimit: TEMPLATE_LIMITS.renderLimit,
    memoryLimit: TEMPLATE_LIMITS.memoryLimit,
  });
  liquid.registerTag('capture', CountedCaptureTag);
  for (const tag of ['include', 'render', 'layout']) liquid.registerTag(tag, refusedTag(tag));
  liquid.registerFilter('money', (value: unknown) => formatTemplateMoney(value, language));
  liquid.registerFilter('date', (value: unknown, style?: unknown) => formatTemplateDate(value, language, style));
  return liquid;
}

const engines: Partial<Record<Language, Liquid>> = {};
function engine(language: Language): Liquid {
  let e = engines[language];
  if (!e) {
    e = createEngine(language);
    engines[language] = e;
  }
  return e;
}

export type TemplatePart = 'subject' | 'body';

function position(error: LiquidError): { line: number; column: number } {
  const [line = 1, column = 1] = error.token.getPosition();
  return { line, column };
}

function originalMessage(error: LiquidError): string {
  const message = error.originalError?.message ?? error.message;
  return message.replace(/, line:\d+, col:\d+$/, '');
}

/** Turns a liquidjs error into our error with a stable code and the position in the template. */
function templateError(error: unknown, part: TemplatePart): AppError {
  if (error instanceof AppError) return error;
  if (!(error instanceof LiquidError)) {
    return new AppError('validation', 'template.renderFailed', `${part}: the template could not be rendered`, { field: part, meta: { part } });
  }
  const where = position(error);
  const meta = { part, ...where };
  if (error.originalError instanceof RefusedTagError) {
    return new AppError('validation', 'template.tagNotAllowed', `${part} line ${where.line}, column ${where.column}: ${error.originalError.message}`, {
      field: part,
      meta: { ...meta, tag: error.originalError.tag },
    });
  }
  if (error instanceof UndefinedVariableError) {
    const variable = originalMessage(error).replace(/^undefined variable: /, '');
    return unknownVariable(part, variable, where);
  }
  if (error.originalError instanceof OutputLimitError) {
    return new AppError('validation', 'template.outputTooLarge', `${part}: ${error.originalError.message}`, { field: part, meta: { part, maxChars: error.originalError.limit } });
  }
  const message = originalMessage(error);
  if (/limit exceeded/.test(message)) {
    return new AppError('validation', 'template.tooComplex', `${part}: the template takes too long or produces too much text (${message})`, { field: part, meta });
  }
  if (/^undefined filter/.test(message)) {
    return new AppError('validation', 'template.unknownFilter', `${part} line ${where.line}, column ${where.column}: ${message}`, {
      field: part,
      meta: { ...meta, allowed: ['money', 'date', '…the standard Liquid filters'] },
    });
  }
  const kind = error.name === 'RenderError' ? 'template.renderFailed' : 'template.syntax';
  return new AppError('validation', kind, `${part} line ${where.line}, column ${where.column}: ${message}`, { field: part, meta });
}

function unknownVariable(part: TemplatePart, variable: string, where: { line: number; column: number }): AppError {
  return new AppError('validation', 'template.unknownVariable', `${part} line ${where.line}, column ${where.column}: unknown placeholder "${variable}"`, {
    field: part,
    meta: { part, variable, ...where, allowed: allowedVariablePaths() },
  });
}

/**
 * Parsed templates by language and source. A dispatch renders the same two templates for every
 * recipient; parsing them once instead of per message is a measurable share of the CPU per
 * message. Parsed templates are immutable ASTs, safe to reuse; the cache is small and bounded.
 */
const parsedCache = new Map<string, Template[]>();
const PARSED_CACHE_SIZE = 64;

function parse(source: string, language: Language, part: TemplatePart): Template[] {
  const key = `${language}\u0000${source}`;
  const cached = parsedCache.get(key);
  if (cached) return cached;
  let templates: Template[];
  try {
    templates = engine(language).parse(source);
  } catch (error) {
    throw templateError(error, part);
  }
  if (parsedCache.size >= PARSED_CACHE_SIZE) {
    const oldest = parsedCache.keys().next();
    if (!oldest.done) parsedCache.delete(oldest.value);
  }
  parsedCache.set(key, templates);
  return templates;
}

/** Checks a placeholder path against the documented context, e.g. `customer.nam` → unknown. */
function isKnownPath(segments: readonly unknown[], context: TemplateContext): boolean {
  let value: unknown = context;
  for (const segment of segments) {
    if (Array.isArray(value)) {
      if (typeof segment === 'number' || typeof segment === 'object') value = value[0];
      else if (segment === 'first' || segment === 'last') value = value[0];
      else if (segment === 'size') return true;
      else return false;
    } else if (typeof value === 'string') {
      return segment === 'size';
    } else if (typeof value === 'object' && value !== null && typeof segment === 'string' && Object.hasOwn(value, segment)) {
      value = Reflect.get(value, segment);
    } else {
      return false;
    }
  }
  return true;
}

function checkVariables(templates: Template[], language: Language, part: TemplatePart): void {
  const analysis = engine(language).analyzeSync(templates, { partials: false });
  const context = sampleTemplateContext(language);
  for (const variables of Object.values(analysis.globals)) {
    for (const variable of variables) {
      if (!isKnownPath(variable.segments, context)) {
        throw unknownVariable(part, variable.toString(), { line: variable.location.row, column: variable.location.col });
      }
    }
  }
}

export interface NotificationTemplate {
  subject: string;
  body: string;
  language: Language;
}

/**
 * Validates a template when it is saved: syntax (with line and column), placeholders against the
 * documented list, and a trial render with sample data (which also catches a typo inside a
 * `for` loop and a template that would run away).
 */
export async function validateTemplate(template: NotificationTemplate): Promise<void> {
  if (template.subject.trim() === '') throw new AppError('validation', 'template.subjectMissing', 'the subject is empty', { field: 'subject' });
  if (template.body.trim() === '') throw new AppError('validation', 'template.bodyMissing', 'the text is empty', { field: 'body' });
  const parts: [TemplatePart, string][] = [
    ['subject', template.subject],
    ['body', template.body],
  ];
  for (const [part, source] of parts) checkVariables(parse(source, template.language, part), template.language, part);
  await renderNotification(template, sampleTemplateContext(template.language));
}

async function renderPart(source: string, context: TemplateContext, language: Language, part: TemplatePart): Promise<string> {
  const templates = parse(source, language, part);
  try {
    const liquid = engine(language);
    // As Liquid#render does, with an emitter that counts (and capture tags that count too).
    const ctx = new Context(context, liquid.options, { sync: false }, { liquid });
    const budget = new OutputBudget(TEMPLATE_LIMITS.outputLimit);
    budgets.set(ctx, budget);
    const emitter = new CountingEmitter(budget);
    await toPromise(liquid.renderer.renderTemplates(templates, ctx, emitter));
    return emitter.buffer;
  } catch (error) {
    throw templateError(error, part);
  }
}

/** One line, no control characters: a rendered subject can never start a new header. */
export function sanitizeSubject(subject: string): string {
  return toOneLine(subject, MAX_SUBJECT_LENGTH);
}

export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * The HTML alternative: the rendered plain text, escaped as a whole (so every value and every
 * character the author typed is text, never markup), in paragraphs with line breaks.
 */
export function textToHtml(text: string, language: Language): string {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>\n')}</p>`);
  return [
    '<!DOCTYPE html>',
    `<html lang="${language}">`,
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>',
    '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; line-height: 1.5; color: #222;">',
    ...paragraphs,
    '</body>',
    '</html>',
  ].join('\n');
}

export async function renderNotification(template: NotificationTemplate, context: TemplateContext): Promise<{ subject: string; text: string; html: string }> {
  const subject = sanitizeSubject(await renderPart(template.subject, context, template.language, 'subject'));
  const text = (await renderPart(template.body, context, template.language, 'body'))
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { subject, text: text + '\n', html: textToHtml(text, template.language) };
}
