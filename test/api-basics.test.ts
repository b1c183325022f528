import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';

describe.each(testDialects)('API basics on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers health without login', async () => {
    const response = await t.anonymous.get('/api/health');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ok', database: { status: 'ok', kind: dialect }, smtp: { status: 'notConfigured' } });
  });

  it('reports SMTP reachability in health', async () => {
    const { SMTPServer } = await import('smtp-server');
    const server = new SMTPServer({ authOptional: true, logger: false });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const put = await t.admin.put('/api/settings/mail', { host: '127.0.0.1', port, security: 'none', fromName: 'Praxis', fromEmail: 'rechnung@praxis.test', ratePerMinute: 30 });
    expect(put.statusCode, put.body).toBe(200);
    // A fresh app: the health answer is cached per process for 30 s.
    const { buildApp } = await import('../src/http/app.ts');
    const app = await buildApp({ db: t.testDb.db, config: t.config });
    expect((await app.inject({ method: 'GET', url: '/api/health' })).json()).toMatchObject({ status: 'ok', smtp: { status: 'ok' } });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const app2 = await buildApp({ db: t.testDb.db, config: t.config });
    expect((await app2.inject({ method: 'GET', url: '/api/health' })).json()).toMatchObject({ status: 'degraded', smtp: { status: 'unreachable', reason: 'ECONNREFUSED' } });
    await app.close();
    await app2.close();
  });

  it('creates, finds, updates and deletes a customer', async () => {
    const created = await t.staff.post('/api/customers', { salutation: 'Frau', firstName: 'Jörg', lastName: 'Müßig', email: 'joerg@example.de', city: 'Köln' });
    expect(created.statusCode, created.body).toBe(201);
    const customer = created.json();
    expect(customer.number).toMatch(/^K-\d{5}$/);
    expect(customer.invoiceByPost).toBe(false);

    const found = await t.staff.get('/api/customers?q=m%C3%BC%C3%9Fig');
    expect(found.json().items.map((c: { id: number }) => c.id)).toContain(customer.id);

    const patched = await t.staff.patch(`/api/customers/${customer.id}`, { invoiceByPost: true });
    expect(patched.json().invoiceByPost).toBe(true);

    const deleted = await t.staff.delete(`/api/customers/${customer.id}`);
    expect(deleted.statusCode).toBe(204);
  });

  it('rejects bad input with code and field', async () => {
    const response = await t.staff.post('/api/customers', { lastName: 'Muster', email: 'not-an-address' });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ code: 'request.invalidField', field: 'email' });

    const unknown = await t.staff.post('/api/customers', { lastName: 'Muster', hacker: true });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ code: 'request.unknownField', field: 'hacker' });

    const noName = await t.staff.post('/api/customers', { firstName: 'Nur Vorname' });
    expect(noName.json()).toMatchObject({ code: 'customer.nameMissing', field: 'lastName' });
  });
});
