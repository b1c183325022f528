import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEXT_META_KEY } from '../src/domain/text-input.ts';
import { renderNotification } from '../src/mail/templates/engine.ts';
import { sampleTemplateContext } from '../src/mail/templates/context.ts';
import { createTestApp, type Client, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer } from './helpers/factories.ts';

/**
 * Issue 15, items 7 and 18: control characters (NUL answered 500 on PostgreSQL, even in the login
 * e-mail) and direction overrides / zero-width characters are refused at the schema level in every
 * text field, with a field error that names the character.
 */

type Method = 'POST' | 'PATCH' | 'PUT' | 'GET';
interface Case {
  name: string;
  method: Method;
  url: string | ((t: TestApp) => Promise<string>);
  as: 'staff' | 'admin' | 'anonymous';
  body?: Record<string, unknown>;
  /** dotted paths into body (or query parameter names for GET) that are single-line text */
  singleLine: string[];
  /** multi-line text: tab and line breaks allowed, control characters not */
  multiLine?: string[];
}

const mailSettings = {
  host: 'smtp.praxis.test',
  port: 587,
  security: 'starttls',
  user: 'rechnung@praxis.test',
  password: 'geheim-geheim',
  fromName: 'Praxis',
  fromEmail: 'rechnung@praxis.test',
  replyTo: 'antwort@praxis.test',
  bccArchive: 'archiv@praxis.test',
  heloName: 'mail.praxis.test',
  preset: 'custom',
  ratePerMinute: 30,
};

const CASES: Case[] = [
  {
    name: 'create customer',
    method: 'POST',
    url: '/api/customers',
    as: 'staff',
    body: { number: 'K-77001', salutation: 'Frau', firstName: 'Erika', lastName: 'Muster', companyName: 'Muster GmbH', street: 'Weg 1', postcode: '50667', city: 'Köln', country: 'DE', email: 'e@example.de', vatId: 'DE123456789', notes: 'Notiz' },
    singleLine: ['number', 'salutation', 'firstName', 'lastName', 'companyName', 'street', 'postcode', 'city', 'country', 'email', 'vatId'],
    multiLine: ['notes'],
  },
  {
    name: 'change customer',
    method: 'PATCH',
    url: async (t) => `/api/customers/${(await makeCustomer(t.staff)).id}`,
    as: 'staff',
    body: { lastName: 'Muster', city: 'Köln', notes: 'x' },
    singleLine: ['lastName', 'city'],
    multiLine: ['notes'],
  },
  {
    name: 'create document with a line',
    method: 'POST',
    url: '/api/documents',
    as: 'staff',
    body: {
      type: 'invoice',
      customerId: 0,
      introText: 'Hallo',
      closingText: 'Danke',
      lines: [{ description: 'Hörtraining', quantity: 1, unit: 'Std', unitPriceCents: 6500, vatRate: 0, exemptionReason: 'Steuerfrei nach § 4 Nr. 14 UStG' }],
    },
    singleLine: ['lines.0.unit', 'lines.0.exemptionReason'],
    multiLine: ['introText', 'closingText', 'lines.0.description'],
  },
  {
    name: 'company',
    method: 'PUT',
    url: '/api/company',
    as: 'admin',
    body: {
      name: 'Hörakustik Muster',
      street: 'Hauptstraße 1',
      postcode: '50667',
      city: 'Köln',
      country: 'DE',
      vatId: 'DE123456789',
      taxNumber: '215/5678/1234',
      iban: 'DE02120300000000202051',
      bic: 'BYLADEM1',
      bankName: 'Bank',
      email: 'info@praxis.test',
      phone: '0221 123',
      website: 'https://praxis.test',
      managingDirector: 'Erika Muster',
      registerCourt: 'Köln',
      registerNumber: 'HRB 1',
      invoiceNumberPattern: 'RE-{YYYY}-{NNNNN}',
      quoteNumberPattern: 'AN-{YYYY}-{NNNNN}',
      creditNoteNumberPattern: 'GS-{YYYY}-{NNNNN}',
      emailFooter: 'Mit freundlichen Grüßen',
    },
    singleLine: ['name', 'street', 'postcode', 'city', 'vatId', 'taxNumber', 'iban', 'bic', 'bankName', 'email', 'phone', 'website', 'managingDirector', 'registerCourt', 'registerNumber', 'invoiceNumberPattern', 'quoteNumberPattern', 'creditNoteNumberPattern'],
    multiLine: ['emailFooter'],
  },
  {
    name: 'template',
    method: 'POST',
    url: '/api/templates',
    as: 'admin',
    body: { name: 'Vorlage', subject: 'Ihre Rechnung', body: 'Guten Tag {{ customer.name }}' },
    singleLine: ['name', 'subject'],
    multiLine: ['body'],
  },
  {
    name: 'template preview',
    method: 'POST',
    url: '/api/templates/preview',
    as: 'staff',
    body: { subject: 'Ihre Rechnung', body: 'Guten Tag' },
    singleLine: ['subject'],
    multiLine: ['body'],
  },
  { name: 'create user', method: 'POST', url: '/api/users', as: 'admin', body: { email: 'neu@praxis.test', name: 'Neu', password: 'ein-langes-passwort', role: 'staff' }, singleLine: ['email', 'name'] },
  { name: 'create token', method: 'POST', url: '/api/tokens', as: 'admin', body: { name: 'Praxisprogramm' }, singleLine: ['name'] },
  { name: 'own profile', method: 'PATCH', url: '/api/auth/me', as: 'staff', body: { name: 'Empfang' }, singleLine: ['name'] },
  { name: 'log in', method: 'POST', url: '/api/auth/login', as: 'anonymous', body: { email: 'empfang@praxis.test', password: 'falsch-falsch' }, singleLine: ['email'] },
  {
    name: 'mail settings',
    method: 'PUT',
    url: '/api/settings/mail',
    as: 'admin',
    body: mailSettings,
    singleLine: ['host', 'user', 'fromName', 'fromEmail', 'replyTo', 'bccArchive', 'heloName', 'preset'],
  },
  { name: 'customer search', method: 'GET', url: '/api/customers', as: 'staff', singleLine: ['q'] },
  { name: 'document search', method: 'GET', url: '/api/documents', as: 'staff', singleLine: ['q'] },
];

function withValue(body: Record<string, unknown>, path: string, value: string): Record<string, unknown> {
  const copy: Record<string, unknown> = structuredClone(body);
  const keys = path.split('.');
  let target: unknown = copy;
  for (const key of keys.slice(0, -1)) target = Reflect.get(target as object, Array.isArray(target) ? Number(key) : key);
  const last = keys.at(-1) ?? '';
  if (typeof target === 'object' && target !== null) Reflect.set(target, Array.isArray(target) ? Number(last) : last, value);
  return copy;
}

/** The valid value of a field with one character inserted after its first character. */
function inserted(body: Record<string, unknown> | undefined, path: string, character: string): string {
  let value: unknown = body;
  for (const key of path.split('.')) value = typeof value === 'object' && value !== null ? Reflect.get(value, Array.isArray(value) ? Number(key) : key) : undefined;
  const text = typeof value === 'string' ? value : 'Muster';
  return text.slice(0, 1) + character + text.slice(1);
}

describe.each(testDialects)('text fields refuse control and direction characters on %s', (dialect) => {
  let t: TestApp;
  let customerId = 0;
  let loginAddress = 1;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    customerId = (await makeCustomer(t.staff)).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  const clientFor = (as: Case['as']): Client => (as === 'staff' ? t.staff : as === 'admin' ? t.admin : t.anonymous);

  async function send(c: Case, path: string, value: string) {
    const url = typeof c.url === 'string' ? c.url : await c.url(t);
    const client = clientFor(c.as);
    // Anonymous requests (log in) come from addresses of their own: the login rate limit counts per address.
    if (c.as === 'anonymous') return client.request({ method: 'POST', url, payload: withValue(c.body ?? {}, path, value), remoteAddress: `10.0.${(loginAddress >> 8) & 255}.${loginAddress++ & 255}` });
    if (c.method === 'GET') return client.get(`${url}?${new URLSearchParams({ [path]: value }).toString()}`);
    const body = withValue({ ...c.body, ...(c.body && 'customerId' in c.body ? { customerId } : {}) }, path, value);
    return c.method === 'POST' ? client.post(url, body) : c.method === 'PUT' ? client.put(url, body) : client.patch(url, body);
  }

  for (const c of CASES) {
    it(`${c.name}: NUL, ESC, DEL and C1 are refused in every field, with the field named`, async () => {
      for (const path of [...c.singleLine, ...(c.multiLine ?? [])]) {
        for (const character of ['\u0000', '\u001b', '\u007f', '\u0085']) {
          const response = await send(c, path, inserted(c.body, path, character));
          expect(response.statusCode, `${path} ${JSON.stringify(character)}: ${response.body}`).toBe(400);
          const problem = response.json();
          expect(problem.code, path).toBe('text.controlCharacter');
          expect(problem.field, path).toBe(path);
          expect(problem.meta, path).toEqual({ character: `U+${character.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')}` });
        }
      }
    });

    it(`${c.name}: right-to-left override and zero-width characters are refused in one-line fields; line breaks only where text may span lines`, async () => {
      for (const path of c.singleLine) {
        for (const character of ['\u202e', '\u2066', '\u200b', '\u200f']) {
          const response = await send(c, path, inserted(c.body, path, character));
          expect(response.statusCode, `${path} ${JSON.stringify(character)}`).toBe(400);
          expect(response.json()).toMatchObject({ code: 'text.invisibleCharacter', field: path });
        }
        const newline = await send(c, path, inserted(c.body, path, '\n'));
        expect(newline.json(), path).toMatchObject({ code: 'text.lineBreak', field: path });
      }
      for (const path of c.multiLine ?? []) {
        const override = await send(c, path, inserted(c.body, path, '\u202e'));
        expect(override.json(), path).toMatchObject({ code: 'text.invisibleCharacter', field: path });
        const lines = await send(c, path, inserted(c.body, path, '\tZeile\r\nZeile 2\n'));
        expect(lines.statusCode, `${path}: ${lines.body}`).toBeLessThan(300);
      }
    });
  }

  it('the login with a NUL in the e-mail is a field error, not a server error', async () => {
    const response = await t.anonymous.request({ method: 'POST', url: '/api/auth/login', payload: { email: 'empfang\u0000@praxis.test', password: 'staff-passwort-1' }, remoteAddress: '10.1.0.1' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'text.controlCharacter', field: 'email' });
  });

  it('every text field of every route carries the rule (OpenAPI marks it), so a new field cannot forget it', async () => {
    const spec = t.app.swagger();
    const unmarked: string[] = [];
    // Passwords are hashed or encrypted, never stored or shown as text: any character may be in them.
    const exempt = new Set(['password', 'currentPassword']);
    const visit = (schema: unknown, where: string): void => {
      if (typeof schema !== 'object' || schema === null) return;
      if (Array.isArray(schema)) {
        schema.forEach((s, i) => visit(s, `${where}[${i}]`));
        return;
      }
      const s: Record<string, unknown> = { ...schema };
      const name = where.split('.').pop() ?? '';
      if (s['type'] === 'string' && !exempt.has(name) && s[TEXT_META_KEY] === undefined && s['enum'] === undefined && s['format'] === undefined && s['const'] === undefined) {
        unmarked.push(where);
      }
      for (const key of ['anyOf', 'oneOf', 'allOf', 'items']) visit(s[key], `${where}`);
      const properties = s['properties'];
      if (typeof properties === 'object' && properties !== null) for (const [key, value] of Object.entries(properties)) visit(value, `${where}.${key}`);
    };
    let fields = 0;
    for (const [path, operations] of Object.entries(spec.paths ?? {})) {
      for (const [method, operation] of Object.entries(operations ?? {})) {
        if (typeof operation !== 'object' || operation === null) continue;
        const requestBody: unknown = Reflect.get(operation, 'requestBody');
        const content: unknown = typeof requestBody === 'object' && requestBody !== null ? Reflect.get(requestBody, 'content') : undefined;
        const json: unknown = typeof content === 'object' && content !== null ? Reflect.get(content, 'application/json') : undefined;
        if (typeof json === 'object' && json !== null) visit(Reflect.get(json, 'schema'), `${method.toUpperCase()} ${path} body`);
        const parameters: unknown = Reflect.get(operation, 'parameters');
        if (Array.isArray(parameters)) for (const p of parameters) visit(p.schema, `${method.toUpperCase()} ${path} ${p.in}.${p.name}`);
        fields++;
      }
    }
    expect(fields).toBeGreaterThan(40);
    expect(unmarked).toEqual([]);
  });

  it('the CSV import refuses the same characters with the row and field', async () => {
    const customers = await t.staff.request({ method: 'POST', url: '/api/import/customers', payload: Buffer.from('Nachname;Ort\nMus\u0000ter;Köln\nGut;Bonn\nR\u202eück;Bonn\n'), headers: { 'content-type': 'text/csv' } });
    expect(customers.statusCode).toBe(400);
    expect(customers.json().details.map((d: { code: string; row: number; field: string }) => [d.code, d.row, d.field])).toEqual([
      ['text.controlCharacter', 2, 'lastName'],
      ['text.invisibleCharacter', 4, 'lastName'],
    ]);
    const documents = await t.staff.request({
      method: 'POST',
      url: '/api/import/documents',
      payload: Buffer.from('Beleg;Kundennummer;Beschreibung;Menge;Einzelpreis;USt\nA;K-0\u00001;x;1;10;19\n'),
      headers: { 'content-type': 'text/csv' },
    });
    expect(documents.statusCode, documents.body).toBe(400);
    expect(documents.json().details).toMatchObject([{ code: 'text.controlCharacter', row: 2, field: 'customerNumber' }]);
  });
});

describe('rendered subjects', () => {
  it('drop direction overrides and zero-width characters stored before the rule', async () => {
    const context = sampleTemplateContext('de');
    const rendered = await renderNotification({ subject: 'Rechnung für {{ customer.name }}\u202e', body: 'x', language: 'de' }, { ...context, customer: { ...context.customer, name: 'Erika\u202e\u200b Muster\u2067' } });
    expect(rendered.subject).toBe('Rechnung für Erika Muster');
  });
});
