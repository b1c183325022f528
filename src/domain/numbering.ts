import { AppError, validationError } from './errors.ts';
import type { DocumentType } from './document.ts';

export const DEFAULT_NUMBER_PATTERNS: Record<DocumentType, string> = {
  invoice: 'RE-{YYYY}-{NNNNN}',
  quote: 'AN-{YYYY}-{NNNNN}',
  creditNote: 'GS-{YYYY}-{NNNNN}',
};

const TOKEN = /\{(YYYY|YY|MM|N+)\}/g;

/**
 * Validates a number pattern such as `RE-{YYYY}-{NNNNN}`: it must contain exactly one counter
 * `{N…}`; `{YYYY}`, `{YY}` and `{MM}` are optional. Anything else in braces is rejected.
 */
export function validateNumberPattern(pattern: string, field = 'numberPattern'): void {
  const braces = pattern.match(/\{[^}]*\}/g) ?? [];
  for (const token of braces) {
    if (!/^\{(YYYY|YY|MM|N+)\}$/.test(token)) {
      throw validationError('company.numberPatternInvalid', `${field}: unknown placeholder ${token} (allowed: {YYYY}, {YY}, {MM}, {NNNN…})`, field);
    }
  }
  const counters = braces.filter((t) => t.startsWith('{N'));
  if (counters.length !== 1) {
    throw validationError('company.numberPatternInvalid', `${field} must contain exactly one counter such as {NNNNN}`, field);
  }
  if (pattern.length > 40 || /[\r\n/\\]/.test(pattern)) {
    throw validationError('company.numberPatternInvalid', `${field} must be at most 40 characters without slashes or line breaks`, field);
  }
}

/** Formats the `counter`-th number of a sequence for a document issued on `isoDate`. */
export function formatDocumentNumber(pattern: string, isoDate: string, counter: number): string {
  const year = isoDate.slice(0, 4);
  const month = isoDate.slice(5, 7);
  return pattern.replace(TOKEN, (_match, token: string) => {
    if (token === 'YYYY') return year;
    if (token === 'YY') return year.slice(2);
    if (token === 'MM') return month;
    return String(counter).padStart(token.length, '0');
  });
}

/** Whether numbers of this pattern restart each year (it names the year) or count on across years. */
export function patternHasYear(pattern: string): boolean {
  return /\{(YYYY|YY)\}/.test(pattern);
}

/**
 * The counter's scope year: the issue year for a pattern with a year in it; 0 for a pattern without
 * one, whose counter then runs on across years (otherwise `R-{NNNNN}` would issue R-00001 again
 * each January).
 */
export function sequenceYear(isoDate: string, pattern = '{YYYY}'): number {
  return patternHasYear(pattern) ? Number(isoDate.slice(0, 4)) : 0;
}

/** A pattern as a sequence of symbols: a literal character, one digit, or any number of digits. */
type NumberSymbol = { kind: 'char'; char: string } | { kind: 'digit' } | { kind: 'digits' };

function patternSymbols(pattern: string): NumberSymbol[] {
  const symbols: NumberSymbol[] = [];
  const digits = (n: number) => {
    for (let i = 0; i < n; i++) symbols.push({ kind: 'digit' });
  };
  let rest = pattern;
  while (rest.length > 0) {
    const token = /^\{(YYYY|YY|MM|N+)\}/.exec(rest);
    if (token?.[1]) {
      const name = token[1];
      if (name === 'YYYY') digits(4);
      else if (name === 'YY' || name === 'MM') digits(2);
      else {
        // A counter is padded to its width and grows beyond it.
        digits(name.length);
        symbols.push({ kind: 'digits' });
      }
      rest = rest.slice(token[0].length);
    } else {
      symbols.push({ kind: 'char', char: rest.charAt(0) });
      rest = rest.slice(1);
    }
  }
  return symbols;
}

const isDigit = (c: string) => c >= '0' && c <= '9';

function symbolsMeet(a: NumberSymbol, b: NumberSymbol): boolean {
  if (a.kind === 'char' && b.kind === 'char') return a.char === b.char;
  if (a.kind === 'char') return isDigit(a.char);
  if (b.kind === 'char') return isDigit(b.char);
  return true;
}

/**
 * Whether two patterns can ever produce the same number (for any dates and counters). Decided
 * exactly on the product of the two patterns read as automata over "digit" and literal characters,
 * so `{YYYY}{NNN}` and `{NNNNNNN}` collide while `RE-{NNNNN}` and `R-{NNNNN}` do not.
 */
export function patternsCanCollide(a: string, b: string): boolean {
  const sa = patternSymbols(a);
  const sb = patternSymbols(b);
  // A state is a position in each pattern; `digits` symbols may be skipped (zero digits).
  const closure = (i: number, s: NumberSymbol[]): number[] => {
    const out = [i];
    while (s[i]?.kind === 'digits') out.push(++i);
    return out;
  };
  const seen = new Set<string>();
  const queue: [number, number][] = [];
  const push = (i: number, j: number) => {
    for (const x of closure(i, sa)) {
      for (const y of closure(j, sb)) {
        const key = `${x},${y}`;
        if (!seen.has(key)) {
          seen.add(key);
          queue.push([x, y]);
        }
      }
    }
  };
  push(0, 0);
  while (queue.length > 0) {
    const next = queue.shift();
    if (!next) break;
    const [i, j] = next;
    if (i === sa.length && j === sb.length) return true;
    const x = sa[i];
    const y = sb[j];
    if (!x || !y || !symbolsMeet(x, y)) continue;
    push(x.kind === 'digits' ? i : i + 1, y.kind === 'digits' ? j : j + 1);
  }
  return false;
}

/** The counter (and year, if the pattern has one) of a number written in `pattern`, or null if it is not. */
export function parseDocumentNumber(pattern: string, number: string): { year: number | null; counter: number } | null {
  const groups: string[] = [];
  const source = pattern.replace(/\{(YYYY|YY|MM|N+)\}|[^{]+|\{/g, (part, token: string | undefined) => {
    if (token === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    groups.push(token);
    if (token === 'YYYY') return '(\\d{4})';
    if (token === 'YY' || token === 'MM') return '(\\d{2})';
    return `(\\d{${token.length},})`;
  });
  const match = new RegExp(`^${source}$`).exec(number);
  if (!match) return null;
  let year: number | null = null;
  let counter = 0;
  groups.forEach((token, index) => {
    const value = match[index + 1] ?? '';
    if (token === 'YYYY') year = Number(value);
    else if (token === 'YY') year = 2000 + Number(value);
    else if (token.startsWith('N')) counter = Number(value);
  });
  if (!Number.isSafeInteger(counter)) return null;
  return { year, counter };
}

/**
 * Patterns of different document types must never produce the same number: an invoice and a
 * credit note with one number are two invoices under §14 UStG for the tax office.
 */
export function validateNumberPatterns(patterns: Record<DocumentType, string>): void {
  const types = Object.keys(patterns).filter((t): t is DocumentType => t === 'invoice' || t === 'quote' || t === 'creditNote');
  for (const [index, a] of types.entries()) {
    for (const b of types.slice(index + 1)) {
      if (patternsCanCollide(patterns[a], patterns[b])) {
        throw new AppError('validation', 'company.numberPatternsCollide', `${b} numbers (${patterns[b]}) could equal ${a} numbers (${patterns[a]}); give each type its own prefix`, {
          field: `${b}NumberPattern`,
          meta: { type: b, otherType: a },
        });
      }
    }
  }
}

/** GoBD: records are made in time. Dates further back than this, or in the future, ask for confirmation. */
export const ISSUE_DATE_PAST_DAYS = 30;

export function issueDateNeedsConfirmation(issueDate: string, today: string): 'past' | 'future' | null {
  if (issueDate > today) return 'future';
  const limit = new Date(`${today}T00:00:00Z`);
  limit.setUTCDate(limit.getUTCDate() - ISSUE_DATE_PAST_DAYS);
  return issueDate < limit.toISOString().slice(0, 10) ? 'past' : null;
}
