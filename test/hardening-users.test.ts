import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestApp, ADMIN, STAFF, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';

/** Issue 15 items 8 (API tokens) and 14 (passwords, idle sessions). */
describe.each(testDialects)('tokens, passwords and sessions on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect, { env: { FAKTURA_SESSION_IDLE_MINUTES: '30' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const bearer = (token: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });

  it("a disabled admin's token stops working (and cannot create admins); re-enabled as staff, the token acts as staff", async () => {
    const second = await t.admin.post('/api/users', { email: 'zweite@praxis.test', name: 'Zweite', password: 'zweite-admin-passwort', role: 'admin' });
    expect(second.statusCode).toBe(201);
    const asSecond = await t.login({ email: 'zweite@praxis.test', password: 'zweite-admin-passwort' });
    const created = await asSecond.post('/api/tokens', { name: 'Praxissystem', role: 'admin' });
    expect(created.statusCode).toBe(201);
    const token: string = created.json().token;
    expect((await bearer(token, 'GET', '/api/users')).statusCode).toBe(200);

    expect((await t.admin.patch(`/api/users/${second.json().id}`, { disabled: true })).statusCode).toBe(200);
    const refused = await bearer(token, 'POST', '/api/users', { email: 'boese@praxis.test', password: 'boese-boese-boese', role: 'admin' });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ code: 'auth.tokenInvalid' });
    expect(await t.testDb.db.kysely.selectFrom('users').select('id').where('email', '=', 'boese@praxis.test').executeTakeFirst()).toBeUndefined();

    // Demoted instead of disabled: the admin token acts as staff only.
    expect((await t.admin.patch(`/api/users/${second.json().id}`, { disabled: false, role: 'staff' })).statusCode).toBe(200);
    expect((await bearer(token, 'GET', '/api/customers')).statusCode).toBe(200);
    expect((await bearer(token, 'GET', '/api/users')).statusCode).toBe(403);
  });

  it('tokens may expire; the list shows who created each, when, when it was last used and when it expires', async () => {
    const past = await t.admin.post('/api/tokens', { name: 'Gestern', expiresAt: new Date(Date.now() - 86_400_000).toISOString() });
    expect(past.statusCode).toBe(400);
    expect(past.json()).toMatchObject({ code: 'apiToken.expiryInPast', field: 'expiresAt' });
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const soon = await t.admin.post('/api/tokens', { name: 'Morgen', expiresAt });
    expect(soon.statusCode).toBe(201);
    expect(soon.json()).toMatchObject({ expiresAt });
    const token: string = soon.json().token;
    expect((await bearer(token, 'GET', '/api/customers')).statusCode).toBe(200);

    const list = await t.admin.get('/api/tokens');
    const row = list.json().items.find((item: { id: number }) => item.id === soon.json().id);
    expect(row).toMatchObject({ name: 'Morgen', expiresAt, createdBy: { email: ADMIN.email, name: 'Admin', disabled: false }, createdAt: expect.any(String), lastUsedAt: expect.any(String) });
    expect(JSON.stringify(list.json())).not.toContain(token);

    // Once its time has passed, it no longer works.
    await t.testDb.db.kysely.updateTable('api_tokens').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', soon.json().id).execute();
    expect((await bearer(token, 'GET', '/api/customers')).statusCode).toBe(401);
  });

  it('passwords: at least 12 characters, not one character repeated, not the e-mail address', async () => {
    const tries: [string, string][] = [
      ['kurz-elf-11', 'user.passwordTooShort'],
      ['aaaaaaaaaaaaaaaa', 'user.passwordTrivial'],
      ['neu.kollege@praxis.test', 'user.passwordIsEmail'],
      ['NEU.KOLLEGE@PRAXIS.TEST', 'user.passwordIsEmail'],
      ['neu.kollege', 'user.passwordTooShort'],
    ];
    for (const [password, code] of tries) {
      const response = await t.admin.post('/api/users', { email: 'neu.kollege@praxis.test', name: 'Neu', password, role: 'staff' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code, field: 'password' });
    }
    expect((await t.admin.post('/api/users', { email: 'neu.kollege@praxis.test', name: 'Neu', password: 'ein gutes passwort', role: 'staff' })).statusCode).toBe(201);
    const staffId: number = (await t.testDb.db.kysely.selectFrom('users').select('id').where('email', '=', STAFF.email).executeTakeFirstOrThrow()).id;
    const trivial = await t.admin.patch(`/api/users/${staffId}`, { password: '############' });
    expect(trivial.json()).toMatchObject({ code: 'user.passwordTrivial', field: 'password' });
  });

  it("changing one's own password needs the current one (profile and user administration)", async () => {
    const me = await t.login(STAFF);
    const without = await me.patch('/api/auth/me', { password: 'neues-staff-passwort' });
    expect(without.statusCode).toBe(400);
    expect(without.json()).toMatchObject({ code: 'user.currentPasswordRequired', field: 'currentPassword' });
    const wrong = await me.patch('/api/auth/me', { password: 'neues-staff-passwort', currentPassword: 'falsch-falsch' });
    expect(wrong.json()).toMatchObject({ code: 'user.currentPasswordWrong', field: 'currentPassword' });
    // A name change needs no password.
    expect((await me.patch('/api/auth/me', { name: 'Empfang 2' })).statusCode).toBe(200);
    const elsewhere = await t.login(STAFF);
    expect((await me.patch('/api/auth/me', { password: 'neues-staff-passwort', currentPassword: STAFF.password })).statusCode).toBe(200);
    // The session that changed it goes on; the user's other sessions end.
    expect((await me.get('/api/auth/me')).statusCode).toBe(200);
    expect((await elsewhere.get('/api/auth/me')).statusCode).toBe(401);
    await t.login({ email: STAFF.email, password: 'neues-staff-passwort' });

    // An admin changing their own password in the user list needs it too; another user's does not.
    const adminId: number = (await t.testDb.db.kysely.selectFrom('users').select('id').where('email', '=', ADMIN.email).executeTakeFirstOrThrow()).id;
    const admin = await t.login(ADMIN);
    expect((await admin.patch(`/api/users/${adminId}`, { password: 'neues-admin-passwort' })).json()).toMatchObject({ code: 'user.currentPasswordRequired' });
    const staffId: number = (await t.testDb.db.kysely.selectFrom('users').select('id').where('email', '=', STAFF.email).executeTakeFirstOrThrow()).id;
    expect((await admin.patch(`/api/users/${staffId}`, { password: STAFF.password })).statusCode).toBe(200);
  });

  it('a session unused for longer than FAKTURA_SESSION_IDLE_MINUTES ends, one in use goes on', async () => {
    const idle = await t.login(ADMIN);
    const busy = await t.login(ADMIN);
    expect((await idle.get('/api/auth/me')).statusCode).toBe(200);
    // Both sessions were last seen 29 minutes ago; one is used now, then time "passes" 2 more minutes.
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    await sql`update sessions set last_seen_at = ${ago(29)}`.execute(t.testDb.db.kysely);
    expect((await busy.get('/api/auth/me')).statusCode).toBe(200);
    await sql`update sessions set last_seen_at = ${ago(31)} where last_seen_at < ${ago(28)}`.execute(t.testDb.db.kysely);
    const expired = await idle.get('/api/auth/me');
    expect(expired.statusCode).toBe(401);
    expect((await busy.get('/api/auth/me')).statusCode).toBe(200);
  });
});
