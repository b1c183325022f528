import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, ADMIN, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';

/** Every route of the foundation with the least role that may call it. */
const ROUTES: { method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'; url: string; role: 'staff' | 'admin' }[] = [
  { method: 'GET', url: '/api/customers', role: 'staff' },
  { method: 'GET', url: '/api/customers/1', role: 'staff' },
  { method: 'POST', url: '/api/customers', role: 'staff' },
  { method: 'PATCH', url: '/api/customers/1', role: 'staff' },
  { method: 'DELETE', url: '/api/customers/999', role: 'staff' },
  { method: 'GET', url: '/api/documents', role: 'staff' },
  { method: 'GET', url: '/api/documents/1', role: 'staff' },
  { method: 'POST', url: '/api/documents', role: 'staff' },
  { method: 'PATCH', url: '/api/documents/1', role: 'staff' },
  { method: 'DELETE', url: '/api/documents/999', role: 'staff' },
  { method: 'POST', url: '/api/documents/1/finalize', role: 'staff' },
  { method: 'POST', url: '/api/documents/1/cancel', role: 'staff' },
  { method: 'POST', url: '/api/import/customers', role: 'staff' },
  { method: 'POST', url: '/api/import/documents', role: 'staff' },
  { method: 'GET', url: '/api/company', role: 'staff' },
  { method: 'PUT', url: '/api/company', role: 'admin' },
  { method: 'PUT', url: '/api/company/logo', role: 'admin' },
  { method: 'DELETE', url: '/api/company/logo', role: 'admin' },
  { method: 'GET', url: '/api/users', role: 'admin' },
  { method: 'POST', url: '/api/users', role: 'admin' },
  { method: 'PATCH', url: '/api/users/1', role: 'admin' },
  { method: 'GET', url: '/api/tokens', role: 'admin' },
  { method: 'POST', url: '/api/tokens', role: 'admin' },
  { method: 'DELETE', url: '/api/tokens/999', role: 'admin' },
  { method: 'GET', url: '/api/auth/me', role: 'staff' },
  { method: 'GET', url: '/api/documents/1/pdf', role: 'staff' },
  { method: 'GET', url: '/api/documents/1/sends', role: 'staff' },
  { method: 'POST', url: '/api/documents/print', role: 'staff' },
  { method: 'GET', url: '/api/settings/mail', role: 'admin' },
  { method: 'PUT', url: '/api/settings/mail', role: 'admin' },
  { method: 'GET', url: '/api/settings/mail/presets', role: 'admin' },
  { method: 'POST', url: '/api/settings/mail/test', role: 'admin' },
  { method: 'POST', url: '/api/settings/mail/test-message', role: 'admin' },
  { method: 'GET', url: '/api/templates', role: 'staff' },
  { method: 'GET', url: '/api/templates/1', role: 'staff' },
  { method: 'POST', url: '/api/templates', role: 'admin' },
  { method: 'PUT', url: '/api/templates/1', role: 'admin' },
  { method: 'DELETE', url: '/api/templates/999', role: 'admin' },
  { method: 'POST', url: '/api/templates/preview', role: 'staff' },
  { method: 'GET', url: '/api/dispatches', role: 'staff' },
  { method: 'POST', url: '/api/dispatches', role: 'staff' },
  { method: 'GET', url: '/api/dispatches/1', role: 'staff' },
  { method: 'PATCH', url: '/api/dispatches/1', role: 'staff' },
  { method: 'GET', url: '/api/dispatches/1/recipients', role: 'staff' },
  { method: 'POST', url: '/api/dispatches/1/recipients/remove-ineligible', role: 'staff' },
  { method: 'POST', url: '/api/dispatches/1/send', role: 'staff' },
  { method: 'POST', url: '/api/dispatches/1/cancel', role: 'staff' },
  { method: 'POST', url: '/api/dispatches/1/retry', role: 'staff' },
  { method: 'GET', url: '/api/dispatches/1/report.csv', role: 'staff' },
];

describe.each(testDialects)('access control on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(ROUTES)('$method $url: anonymous 401, staff per role, admin allowed', async ({ method, url, role }) => {
    const anonymous = await t.anonymous.request({ method, url, payload: method === 'GET' || method === 'DELETE' ? undefined : {} });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('auth.required');

    const staff = await t.staff.request({ method, url, ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }) });
    if (role === 'admin') {
      expect(staff.statusCode).toBe(403);
      expect(staff.json().code).toBe('auth.adminRequired');
    } else {
      expect([401, 403]).not.toContain(staff.statusCode);
    }
    const admin = await t.admin.request({ method, url, ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }) });
    expect([401, 403]).not.toContain(admin.statusCode);
  });

  it('refuses cookie-authenticated writes without the CSRF token', async () => {
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: ADMIN });
    const cookie = login.cookies.find((c) => c.name === 'faktura_session');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Lax');
    const response = await t.app.inject({ method: 'POST', url: '/api/customers', headers: { cookie: `faktura_session=${cookie?.value}` }, payload: { lastName: 'CSRF' } });
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe('auth.csrfInvalid');
    const read = await t.app.inject({ method: 'GET', url: '/api/customers', headers: { cookie: `faktura_session=${cookie?.value}` } });
    expect(read.statusCode).toBe(200);
  });

  it('rejects a wrong password without telling which part was wrong', async () => {
    const wrong = await t.anonymous.post('/api/auth/login', { email: ADMIN.email, password: 'falsch-falsch' });
    const unknown = await t.anonymous.post('/api/auth/login', { email: 'nobody@praxis.test', password: 'falsch-falsch' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().code).toBe('auth.invalidCredentials');
    expect(unknown.json().message).toBe(wrong.json().message);
  });

  it('logs out: the session cookie no longer works', async () => {
    const client = await t.login(ADMIN);
    expect((await client.get('/api/auth/me')).statusCode).toBe(200);
    expect((await client.post('/api/auth/logout')).statusCode).toBe(204);
    expect((await client.get('/api/auth/me')).statusCode).toBe(401);
  });

  it('API tokens: shown once, stored hashed, usable as bearer, revocable, role-limited', async () => {
    const created = await t.admin.post('/api/tokens', { name: 'Praxissoftware', role: 'staff' });
    expect(created.statusCode).toBe(201);
    const { id, token } = created.json();
    expect(token).toMatch(/^fkt_/);
    const listed = await t.admin.get('/api/tokens');
    expect(listed.body).not.toContain(token);
    const stored = await t.testDb.db.kysely.selectFrom('api_tokens').select('token_hash').where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(token);

    const bearer = { authorization: `Bearer ${token}` };
    const ok = await t.app.inject({ method: 'POST', url: '/api/customers', headers: bearer, payload: { lastName: 'Integration' } });
    expect(ok.statusCode).toBe(201);
    const forbidden = await t.app.inject({ method: 'GET', url: '/api/users', headers: bearer });
    expect(forbidden.statusCode).toBe(403);

    expect((await t.admin.delete(`/api/tokens/${id}`)).statusCode).toBe(204);
    const revoked = await t.app.inject({ method: 'GET', url: '/api/customers', headers: bearer });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().code).toBe('auth.tokenInvalid');
  });

  it('refuses oversized bodies with 413', async () => {
    const huge = { lastName: 'x', notes: 'x'.repeat(1024 * 1024 + 10) };
    const response = await t.staff.post('/api/customers', huge);
    expect(response.statusCode).toBe(413);
    expect(response.json().code).toBe('request.tooLarge');
  });

  it('audits writes with the acting user', async () => {
    const created = await t.staff.post('/api/customers', { lastName: 'Audit' });
    const entry = await t.testDb.db.kysely
      .selectFrom('audit_log as a')
      .innerJoin('users as u', 'u.id', 'a.actor_user_id')
      .select(['a.action', 'u.email'])
      .where('a.entity', '=', 'customer')
      .where('a.entity_id', '=', String(created.json().id))
      .executeTakeFirstOrThrow();
    expect(entry).toEqual({ action: 'customer.create', email: 'empfang@praxis.test' });
  });

  it('rate-limits login attempts', async () => {
    let last = 0;
    for (let i = 0; i < 12; i++) {
      last = (await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'x@y.de', password: 'nope-nope-nope' }, remoteAddress: '10.9.9.9' })).statusCode;
    }
    expect(last).toBe(429);
  });
});
