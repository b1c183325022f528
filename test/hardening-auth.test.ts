import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, ADMIN, STAFF, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';

/** Issue 15: login throttling, proxies, and the other hardening items of the auth area. */
describe.each(testDialects)('login hardening on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  const attempt = (options: { email?: string; password?: string; remoteAddress: string; forwardedFor?: string }) =>
    t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: options.email ?? 'niemand@praxis.test', password: options.password ?? 'falsch-falsch-falsch' },
      remoteAddress: options.remoteAddress,
      ...(options.forwardedFor ? { headers: { 'x-forwarded-for': options.forwardedFor } } : {}),
    });

  it('ignores a client-supplied X-Forwarded-For by default: rotating it does not escape the address limit', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) {
      // A different made-up account each time, so only the address limit applies.
      codes.push((await attempt({ email: `rotate${i}@praxis.test`, remoteAddress: '198.51.100.1', forwardedFor: `203.0.113.${i}` })).statusCode);
    }
    expect(codes.slice(0, 10)).toEqual(Array(10).fill(401));
    const refused = await attempt({ email: 'rotate-last@praxis.test', remoteAddress: '198.51.100.1', forwardedFor: '203.0.113.99' });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'auth.loginThrottled' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('counts only failures against an address: a shared office address is not throttled by its own logins', async () => {
    const office = '198.51.100.2';
    for (let i = 0; i < 9; i++) expect((await attempt({ email: `tippfehler${i}@praxis.test`, remoteAddress: office })).statusCode).toBe(401);
    for (let i = 0; i < 15; i++) expect((await attempt({ ...STAFF, remoteAddress: office })).statusCode).toBe(200);
    // The tenth failure is still checked (401), only the eleventh is refused.
    expect((await attempt({ email: 'tippfehler9@praxis.test', remoteAddress: office })).statusCode).toBe(401);
    expect((await attempt({ email: 'tippfehler10@praxis.test', remoteAddress: office })).statusCode).toBe(429);
  });

  it('slows guessing one account from many addresses, but a colleague at a known address still logs in', async () => {
    // The admin logged in from the office before (createTestApp's login uses 127.0.0.1).
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await attempt({ email: ADMIN.email, remoteAddress: `192.0.2.${i + 1}` })).statusCode);
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    // The sixth attempt comes within the growing delay: refused before any password is checked.
    expect(codes[5]).toBe(429);
    const fromElsewhere = await attempt({ email: ADMIN.email, password: ADMIN.password, remoteAddress: '192.0.2.200' });
    expect(fromElsewhere.statusCode).toBe(429);
    expect(fromElsewhere.json()).toMatchObject({ code: 'auth.loginThrottled', meta: { retryAfterSeconds: expect.any(Number) } });
    // No lockout: the colleague at the address the account has used before is not delayed.
    expect((await attempt({ ...ADMIN, remoteAddress: '127.0.0.1' })).statusCode).toBe(200);
  });

  it('64 concurrent bad logins do not stall other requests: /api/health answers while they are checked', async () => {
    let loginsDone = 0;
    const logins = Array.from({ length: 64 }, (_, i) =>
      attempt({ email: `flut${i}@praxis.test`, remoteAddress: `10.${Math.floor(i / 8)}.0.${(i % 8) + 1}` }).then((response) => {
        loginsDone++;
        return response.statusCode;
      }),
    );
    const health = await t.anonymous.get('/api/health');
    const doneWhenHealthAnswered = loginsDone;
    expect(health.statusCode).toBe(200);
    const codes = await Promise.all(logins);
    // Each login was checked (401) or refused at once because too many were waiting (503): none hung.
    expect(codes.every((c) => c === 401 || c === 503)).toBe(true);
    // Before the fix every login held the database (a transaction) during its argon2 check, so on
    // SQLite the health check queued behind all of them.
    expect(doneWhenHealthAnswered).toBeLessThan(64);
  });
});

describe.each(testDialects)('login behind a trusted proxy on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect, { env: { FAKTURA_TRUST_PROXY: '1' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keys the limit on the address the proxy appended, not on entries the client wrote before it', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 11; i++) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: `proxy${i}@praxis.test`, password: 'falsch-falsch-falsch' },
        remoteAddress: '127.0.0.1',
        // nginx's $proxy_add_x_forwarded_for: whatever the client sent, then the real client address.
        headers: { 'x-forwarded-for': `198.18.0.${i}, 203.0.113.50` },
      });
      codes.push(response.statusCode);
    }
    expect(codes.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(codes[10]).toBe(429);
    // Another real client behind the same proxy is not affected.
    const other = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: STAFF, remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.51' } });
    expect(other.statusCode).toBe(200);
  });
});

describe.each(testDialects)('response headers and /metrics on %s', (dialect) => {
  let plain: TestApp;
  let https: TestApp;
  const METRICS_TOKEN = 'metrik-token-'.padEnd(40, 'x');
  beforeAll(async () => {
    plain = await createTestApp(dialect);
    https = await createTestApp(dialect, { env: { FAKTURA_BASE_URL: 'https://faktura.example.de', FAKTURA_METRICS_TOKEN: METRICS_TOKEN } });
  });
  afterAll(async () => {
    await plain?.close();
    await https?.close();
  });

  it('asks the browser to upgrade requests to https only when the app is served over https (issue 15 item 9)', async () => {
    const lan = (await plain.anonymous.get('/api/health')).headers['content-security-policy'];
    expect(String(lan)).toContain("default-src 'self'");
    expect(String(lan)).not.toContain('upgrade-insecure-requests');
    const secure = (await https.anonymous.get('/api/health')).headers['content-security-policy'];
    expect(String(secure)).toContain('upgrade-insecure-requests');
  });

  it('serves /metrics on loopback only, or with FAKTURA_METRICS_TOKEN (issue 15 item 17)', async () => {
    const get = (app: TestApp, remoteAddress: string, headers: Record<string, string> = {}) => app.app.inject({ method: 'GET', url: '/metrics', remoteAddress, headers });
    expect((await get(plain, '127.0.0.1')).statusCode).toBe(200);
    expect((await get(plain, '::1')).statusCode).toBe(200);
    const remote = await get(plain, '192.168.1.20');
    expect(remote.statusCode).toBe(403);
    expect(remote.json()).toMatchObject({ code: 'metrics.forbidden' });
    expect(remote.body).not.toContain('faktura_deliveries');
    // Relayed by a reverse proxy on this machine: not local, even though the socket is.
    expect((await get(plain, '127.0.0.1', { 'x-forwarded-for': '203.0.113.9' })).statusCode).toBe(403);
    // An API token is not the metrics token.
    expect((await get(plain, '192.168.1.20', { authorization: `Bearer ${METRICS_TOKEN}` })).statusCode).toBe(403);
    expect((await get(https, '192.168.1.20', { authorization: `Bearer ${METRICS_TOKEN}` })).statusCode).toBe(200);
    expect((await get(https, '192.168.1.20', { authorization: 'Bearer falsch' })).statusCode).toBe(403);
  });
});

describe.each(testDialects)('errors about many unknown ids on %s (issue 15 item 16)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('list the first 20 ids and the count instead of all 100,000', async () => {
    const documentIds = Array.from({ length: 100_000 }, (_, i) => 5_000_000 + i);
    const response = await t.staff.post('/api/dispatches', { documentIds });
    expect(response.statusCode).toBe(400);
    const problem = response.json();
    expect(problem).toMatchObject({ code: 'dispatch.documentNotFound', field: 'documentIds', meta: { documentIds: documentIds.slice(0, 20), documentIdsCount: 100_000 } });
    // Was 587 KB.
    expect(response.body.length).toBeLessThan(4_000);

    const print = await t.staff.post('/api/documents/print', { documentIds: documentIds.slice(0, 1000) });
    expect(print.statusCode).toBe(404);
    expect(print.json()).toMatchObject({ code: 'document.notFound', meta: { documentIdsCount: 1000 } });
    expect(print.json().meta.documentIds).toHaveLength(20);
    expect(print.body.length).toBeLessThan(4_000);
  });
});
