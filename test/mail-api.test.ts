import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMailSettings } from '../src/mail/settings.ts';
import { startDemoMail } from '../src/mail/demo.ts';
import type { MailCatcher } from '../src/mail/catcher.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer, makeFinalInvoice } from './helpers/factories.ts';
import { SMTP_PASSWORD, SMTP_USER, startTestSmtpServer, type TestSmtpServer } from './mail-support.ts';

const settingsBody = (port: number, overrides: Record<string, unknown> = {}) => ({
  preset: 'custom',
  host: '127.0.0.1',
  port,
  security: 'starttls',
  user: SMTP_USER,
  password: SMTP_PASSWORD,
  acceptSelfSigned: true,
  fromName: 'Hörakustik Klangwerk GmbH',
  fromEmail: 'rechnung@klangwerk.test',
  ratePerMinute: 30,
  ratePerDay: 10_000,
  ...overrides,
});

describe.each(testDialects)('mail settings and templates API on %s', (dialect) => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    smtp = await startTestSmtpServer();
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it('is admin only', async () => {
    expect((await t.anonymous.get('/api/settings/mail')).statusCode).toBe(401);
    expect((await t.staff.get('/api/settings/mail')).statusCode).toBe(403);
    expect((await t.staff.put('/api/settings/mail', settingsBody(smtp.port))).statusCode).toBe(403);
    expect((await t.staff.post('/api/settings/mail/test')).statusCode).toBe(403);
    expect((await t.staff.get('/api/settings/mail/presets')).statusCode).toBe(403);
    const empty = await t.admin.get('/api/settings/mail');
    expect(empty.json()).toEqual({ configured: false });
  });

  it('stores the password encrypted, never returns it, and keeps it when omitted', async () => {
    const saved = await t.admin.put('/api/settings/mail', settingsBody(smtp.port));
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ configured: true, host: '127.0.0.1', user: SMTP_USER, passwordSet: true, warnings: ['mailSettings.selfSignedAccepted'] });
    expect(saved.body).not.toContain(SMTP_PASSWORD);

    const row = await t.testDb.db.kysely.selectFrom('mail_settings').selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(SMTP_PASSWORD);
    const audit = await t.testDb.db.kysely.selectFrom('audit_log').selectAll().where('action', '=', 'mailSettings.update').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(SMTP_PASSWORD);

    const { password: _password, ...withoutPassword } = settingsBody(smtp.port, { fromName: 'Klangwerk' });
    const kept = await t.admin.put('/api/settings/mail', withoutPassword);
    expect(kept.json()).toMatchObject({ fromName: 'Klangwerk', passwordSet: true });
    expect((await loadMailSettings(t.testDb.db, t.config.secret))?.auth).toEqual({ user: SMTP_USER, password: SMTP_PASSWORD });

    const got = await t.admin.get('/api/settings/mail');
    expect(got.json()).toMatchObject({ passwordSet: true, dkim: null });
    expect(got.body).not.toContain(SMTP_PASSWORD);
  });

  it('explains invalid settings with a code and field', async () => {
    const response = await t.admin.put('/api/settings/mail', settingsBody(smtp.port, { host: '' }));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'mailSettings.hostMissing', field: 'host' });
    const bad = await t.admin.put('/api/settings/mail', settingsBody(smtp.port, { fromEmail: 'rechnung@' }));
    expect(bad.json()).toMatchObject({ code: 'mailSettings.fromInvalid' });
  });

  it('lists provider presets', async () => {
    const response = await t.admin.get('/api/settings/mail/presets');
    expect(response.json().items[0]).toMatchObject({ id: 'microsoft365', host: 'smtp.office365.com', port: 587, security: 'starttls', ratePerMinute: 30, ratePerDay: 10_000 });
  });

  it('tests the connection and classifies the result', async () => {
    const ok = await t.admin.post('/api/settings/mail/test');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ result: 'ok' });

    const wrong = 'Ganz-Falsch-123';
    const failed = await t.admin.post('/api/settings/mail/test', { settings: settingsBody(smtp.port, { password: wrong }) });
    expect(failed.statusCode).toBe(200);
    expect(failed.json()).toMatchObject({ result: 'authFailed' });
    expect(failed.body).not.toContain(wrong);
    expect(failed.body).not.toContain(SMTP_PASSWORD);

    const tls = await t.admin.post('/api/settings/mail/test', { settings: settingsBody(smtp.port, { acceptSelfSigned: false, password: undefined }) });
    expect(tls.json()).toMatchObject({ result: 'tlsFailed', certificateProblem: 'selfSigned' });
  });

  it('sends a test message', async () => {
    const before = smtp.received.length;
    const response = await t.admin.post('/api/settings/mail/test-message', { to: 'admin@praxis.test' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ result: 'sent' });
    expect(smtp.received.length).toBe(before + 1);
    expect(smtp.received.at(-1)?.to).toEqual(['admin@praxis.test']);
    expect((await t.admin.post('/api/settings/mail/test-message', { to: 'kaputt' })).statusCode).toBe(400);
  });

  it('lets admins write templates and staff read them', async () => {
    const body = { name: 'Rechnungsversand', language: 'de', subject: 'Ihre Rechnung {{ documents.first.number }}', body: '{{ customer.greeting }},\n\nanbei {{ total | money }}.' };
    expect((await t.staff.post('/api/templates', body)).statusCode).toBe(403);
    expect((await t.anonymous.get('/api/templates')).statusCode).toBe(401);
    const created = await t.admin.post('/api/templates', body);
    expect(created.statusCode, created.body).toBe(201);
    const template = created.json();
    expect(template).toMatchObject({ name: 'Rechnungsversand', kind: 'customerNotification', language: 'de', active: true });

    const list = await t.staff.get('/api/templates?kind=customerNotification&active=true');
    expect(list.json().items.map((x: { id: number }) => x.id)).toContain(template.id);
    expect((await t.staff.get(`/api/templates/${template.id}`)).json().subject).toBe(body.subject);

    expect((await t.admin.post('/api/templates', body)).json()).toMatchObject({ code: 'template.nameTaken' });
    const updated = await t.admin.put(`/api/templates/${template.id}`, { ...body, active: false });
    expect(updated.json().active).toBe(false);
    expect((await t.staff.delete(`/api/templates/${template.id}`)).statusCode).toBe(403);
    expect((await t.admin.delete(`/api/templates/${template.id}`)).statusCode).toBe(204);
    expect((await t.staff.get(`/api/templates/${template.id}`)).statusCode).toBe(404);
  });

  it('rejects broken, unknown and file-reading templates with positions', async () => {
    const base = { name: 'Kaputt', subject: 'Hallo', body: 'x' };
    const syntax = await t.admin.post('/api/templates', { ...base, body: 'Zeile 1\n  {% if total > 0 %}offen' });
    expect(syntax.statusCode).toBe(400);
    expect(syntax.json()).toMatchObject({ code: 'template.syntax', field: 'body', meta: { part: 'body', line: 2 } });
    const unknown = await t.admin.post('/api/templates', { ...base, subject: 'Hallo {{ kunde.name }}' });
    expect(unknown.json()).toMatchObject({ code: 'template.unknownVariable', meta: { variable: 'kunde.name', line: 1, column: 10 } });
    expect(unknown.json().meta.allowed).toContain('customer.name');
    const include = await t.admin.post('/api/templates', { ...base, body: "{% include 'package.json' %}" });
    expect(include.json()).toMatchObject({ code: 'template.tagNotAllowed' });
    expect(include.body).not.toContain('"dependencies"');
  });

  it('previews for sample data and for a real customer with documents', async () => {
    const sample = await t.staff.post('/api/templates/preview', { subject: 'Hallo {{ customer.name }}', body: 'Summe {{ total | money }}' });
    expect(sample.statusCode, sample.body).toBe(200);
    expect(sample.json()).toMatchObject({ subject: 'Hallo Erika Mustermann', sample: true });

    const customer = await makeCustomer(t.staff, { salutation: 'Herr', firstName: 'Jörg', lastName: 'Müßig <b>' });
    const invoice = await makeFinalInvoice(t.staff, customer.id);
    const preview = await t.staff.post('/api/templates/preview', {
      subject: 'Rechnung {{ documents.first.number }}',
      body: '{{ customer.greeting }}, {{ documents.first.total | money }}',
      customerId: customer.id,
      documentIds: [invoice.id],
    });
    expect(preview.statusCode, preview.body).toBe(200);
    const out = preview.json();
    expect(out.subject).toBe(`Rechnung ${invoice.number}`);
    expect(out.text).toContain('Sehr geehrter Herr Müßig <b>,');
    expect(out.html).toContain('Müßig &lt;b&gt;');

    const other = await makeCustomer(t.staff);
    const mixed = await t.staff.post('/api/templates/preview', { subject: 'x', body: 'y', customerId: other.id, documentIds: [invoice.id] });
    expect(mixed.json()).toMatchObject({ code: 'template.previewMixedCustomers' });
  });

  it('has no dev mail routes outside demo mode', async () => {
    expect((await t.admin.get('/api/dev/mails')).statusCode).toBe(404);
  });
});

describe('demo mode: built-in mail catcher', () => {
  let t: TestApp;
  let catcher: MailCatcher;
  beforeAll(async () => {
    t = await createTestApp(testDialects[0] ?? 'sqlite', { env: { FAKTURA_DEMO: '1' } });
    catcher = await startDemoMail({ db: t.testDb.db, secret: t.config.secret, port: 0 });
  });
  afterAll(async () => {
    await catcher?.close();
    await t?.close();
  });

  it('points the settings at the catcher, creates starting templates, and shows caught mail', async () => {
    const settings = await t.admin.get('/api/settings/mail');
    expect(settings.json()).toMatchObject({ preset: 'demoCatcher', host: '127.0.0.1', port: catcher.port, security: 'none', passwordSet: false });
    const templates = await t.staff.get('/api/templates');
    expect(templates.json().items.length).toBeGreaterThanOrEqual(2);

    expect((await t.admin.post('/api/settings/mail/test')).json()).toMatchObject({ result: 'ok' });
    const sent = await t.admin.post('/api/settings/mail/test-message', { to: 'ich@praxis.test', language: 'en' });
    expect(sent.json()).toMatchObject({ result: 'sent' });

    expect((await t.anonymous.get('/api/dev/mails')).statusCode).toBe(401);
    const list = await t.staff.get('/api/dev/mails');
    expect(list.statusCode).toBe(200);
    const first = list.json().items[0];
    expect(first).toMatchObject({ subject: 'Faktura: test message', envelope: { to: ['ich@praxis.test'] } });
    const detail = await t.staff.get(`/api/dev/mails/${first.id}`);
    expect(detail.json().text).toContain('This test message was sent by Faktura');
    expect(detail.json().headers.some((h: { key: string }) => h.key === 'message-id')).toBe(true);
    expect((await t.staff.get(`/api/dev/mails/${first.id}/attachments/0`)).statusCode).toBe(404);
    expect((await t.staff.get('/api/dev/mails/99999')).statusCode).toBe(404);
  });
});
