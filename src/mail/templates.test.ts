import { describe, expect, it } from 'vitest';
import { AppError } from '../domain/errors.ts';
import { allowedVariablePaths, buildTemplateContext, greetingFor, sampleTemplateContext } from './templates/context.ts';
import { formatTemplateDate, renderNotification, sanitizeSubject, textToHtml, validateTemplate } from './templates/engine.ts';

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

const valid = { language: 'de' as const, subject: 'Rechnung {{ documents.first.number }}', body: '{{ customer.greeting }},\n\nSumme: {{ total | money }}' };

describe('template validation', () => {
  it('accepts the documented placeholders, filters, loops and assignments', async () => {
    await expect(validateTemplate(valid)).resolves.toBeUndefined();
    await expect(
      validateTemplate({
        language: 'en',
        subject: 'Your {{ documentCount }} documents',
        body: '{% assign n = documents | size %}{{ n }} {% for d in documents %}{{ d.number }} {{ d.dueDate | date: "long" }} {{ forloop.index }}{% endfor %} {{ company.emailFooter | default: "" }} {{ customer.name | upcase }}',
      }),
    ).resolves.toBeUndefined();
  });

  it('reports syntax errors with line and column', async () => {
    const error = await rejection(validateTemplate({ ...valid, body: 'Hallo\n\n  {{ customer.name }\nEnde' }));
    expect(error.code).toBe('template.syntax');
    expect(error.meta).toMatchObject({ part: 'body', line: 3, column: 3 });
    const unclosed = await rejection(validateTemplate({ ...valid, body: 'a\n{% if total > 0 %}offen' }));
    expect(unclosed.code).toBe('template.syntax');
    expect(unclosed.meta).toMatchObject({ line: 2 });
  });

  it('rejects unknown placeholders with the allowed list, also inside loops', async () => {
    const error = await rejection(validateTemplate({ ...valid, body: 'Hallo\n{{ customer.nam }}' }));
    expect(error.code).toBe('template.unknownVariable');
    expect(error.meta).toMatchObject({ part: 'body', variable: 'customer.nam', line: 2, column: 4 });
    expect(error.meta?.['allowed']).toEqual(expect.arrayContaining(['customer.name', 'documents[].number', 'total', 'company.iban']));
    expect((await rejection(validateTemplate({ ...valid, subject: '{{ secret }}' }))).meta).toMatchObject({ part: 'subject', variable: 'secret' });
    expect((await rejection(validateTemplate({ ...valid, body: '{% for d in documents %}{{ d.nummer }}{% endfor %}' }))).code).toBe('template.unknownVariable');
    expect((await rejection(validateTemplate({ ...valid, body: '{{ customer.constructor }}' }))).code).toBe('template.unknownVariable');
    expect((await rejection(validateTemplate({ ...valid, body: '{{ total | nofilter }}' }))).code).toBe('template.unknownFilter');
  });

  it('refuses include, render and layout: no file system access', async () => {
    for (const body of ["{% include 'package.json' %}", "{% render 'package.json' %}", "{% layout 'package.json' %}", '{% include "../../../etc/passwd" %}']) {
      const error = await rejection(validateTemplate({ ...valid, body: `Hallo\n${body}` }));
      expect(error.code).toBe('template.tagNotAllowed');
      expect(error.meta).toMatchObject({ line: 2 });
    }
    // and at render time too (a template stored before validation existed)
    const error = await rejection(renderNotification({ ...valid, body: "{% include 'package.json' %}" }, sampleTemplateContext('de')));
    expect(error.code).toBe('template.tagNotAllowed');
  });

  it('stops templates that loop forever or produce too much', async () => {
    const cases: [string, string][] = [
      ['{% for i in (1..100000000) %}{% endfor %}', 'template.tooComplex'],
      ['{% assign s = "xxxxxxxxxx" %}{% for i in (1..30) %}{% assign s = s | append: s %}{% endfor %}{{ s }}', 'template.tooComplex'],
      // output is counted as it is produced: these stop at the output limit, long before the time limit
      ['{% for i in (1..1000000) %}x{% endfor %}', 'template.outputTooLarge'],
      ['{% for i in (1..1000) %}{% for j in (1..1000) %}{% for k in (1..1000) %}{{ k }}{% endfor %}{% endfor %}{% endfor %}', 'template.outputTooLarge'],
      // a capture of 1 MB printed 150 times (68 s, 1.6 GB, a 300 MB answer before): the capture counts too
      ['{% capture s %}{% for i in (1..100000) %}xxxxxxxxxx{% endfor %}{% endcapture %}{% for i in (1..150) %}{{ s }}{% endfor %}', 'template.outputTooLarge'],
    ];
    for (const [body, code] of cases) {
      const error = await rejection(validateTemplate({ ...valid, body }));
      expect(error.code, body).toBe(code);
      expect(error.field).toBe('body');
    }
  });

  it('allows text up to the output limit', async () => {
    const body = `{% capture s %}{% for i in (1..1000) %}Hörgerät {% endfor %}{% endcapture %}{% for i in (1..10) %}{{ s }}{% endfor %}`;
    const rendered = await renderNotification({ ...valid, body }, sampleTemplateContext('de'));
    expect(rendered.text.length).toBe(10 * 1000 * 'Hörgerät '.length);
  });

  it('requires subject and body', async () => {
    expect((await rejection(validateTemplate({ ...valid, subject: ' ' }))).code).toBe('template.subjectMissing');
    expect((await rejection(validateTemplate({ ...valid, body: '' }))).code).toBe('template.bodyMissing');
  });
});

describe('rendering', () => {
  it('formats money and dates per template language', async () => {
    const context = sampleTemplateContext('en');
    const out = await renderNotification({ language: 'en', subject: 'Invoice {{ documents.first.number }}', body: '{{ total | money }} due {{ dueDate | date }} / {{ dueDate | date: "long" }}' }, context);
    expect(out.text).toBe('€1,996.50 due 16/11/2026 / 16 November 2026\n');
    expect(formatTemplateDate('2026-11-16', 'de')).toBe('16.11.2026');
    expect(formatTemplateDate('2026-11-16', 'de', 'long')).toBe('16. November 2026');
  });

  it('escapes every value in the HTML part and keeps the text part verbatim', async () => {
    const context = buildTemplateContext({
      customer: { number: 'K-1', salutation: null, firstName: null, lastName: null, companyName: '<script>alert(1)</script> & "Söhne"', email: 'a@example.de' },
      documents: [],
      company: { name: 'Klangwerk' },
      senderName: 'Klangwerk',
      language: 'de',
    });
    const out = await renderNotification({ language: 'de', subject: 'Hallo {{ customer.name }}', body: 'Hallo {{ customer.name }}\n<i>literal</i>' }, context);
    expect(out.text).toContain('Hallo <script>alert(1)</script> & "Söhne"');
    expect(out.html).toContain('Hallo &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Söhne&quot;');
    expect(out.html).toContain('&lt;i&gt;literal&lt;/i&gt;');
    expect(out.html).not.toMatch(/<script|<i>/);
  });

  it('keeps the subject on one line', async () => {
    const context = buildTemplateContext({
      customer: { number: 'K-1', salutation: null, firstName: 'Eve', lastName: 'X\r\nBcc: victim@example.de', companyName: null, email: 'a@example.de' },
      documents: [],
      company: { name: 'Klangwerk' },
      senderName: 'Klangwerk',
      language: 'de',
    });
    const out = await renderNotification({ language: 'de', subject: 'Für {{ customer.name }}\n{% if true %}\r\nX-Evil: 1{% endif %}', body: 'x' }, context);
    expect(out.subject).toBe('Für Eve X Bcc: victim@example.de X-Evil: 1');
    expect(sanitizeSubject('a\u2028b\u0000c')).toBe('a b c');
  });

  it('greets in German and English', () => {
    const base = { number: 'K', email: null, companyName: null, firstName: 'Erika', lastName: 'Mustermann' };
    expect(greetingFor({ ...base, salutation: 'Frau' }, 'de')).toBe('Sehr geehrte Frau Mustermann');
    expect(greetingFor({ ...base, salutation: 'Herr' }, 'de')).toBe('Sehr geehrter Herr Mustermann');
    expect(greetingFor({ ...base, salutation: null }, 'de')).toBe('Guten Tag Erika Mustermann');
    expect(greetingFor({ ...base, salutation: 'Firma', companyName: 'Muster GmbH' }, 'de')).toBe('Sehr geehrte Damen und Herren');
    expect(greetingFor({ ...base, salutation: 'Frau' }, 'en')).toBe('Dear Ms Mustermann');
  });

  it('builds HTML paragraphs', () => {
    expect(textToHtml('a\nb\n\nc', 'de')).toContain('<p>a<br>\nb</p>\n<p>c</p>');
    expect(allowedVariablePaths()).toContain('customer.greeting');
  });
});
