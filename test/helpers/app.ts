import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { SYSTEM_ACTOR } from '../../src/commands/context.ts';
import { createUser } from '../../src/commands/users.ts';
import { PLACEHOLDER_COMPANY, updateCompany } from '../../src/commands/company.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { createTestDb, type TestDb } from './db.ts';
import type { DialectKind } from '../../src/db/connection.ts';

export const ADMIN = { email: 'admin@praxis.test', password: 'admin-passwort-1' };
export const STAFF = { email: 'empfang@praxis.test', password: 'staff-passwort-1' };

export interface TestApp {
  app: FastifyInstance;
  testDb: TestDb;
  config: Config;
  /** Logs in and returns a client that sends the cookie and CSRF token. */
  login(who: { email: string; password: string }): Promise<Client>;
  anonymous: Client;
  admin: Client;
  staff: Client;
  close(): Promise<void>;
}

export interface Client {
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  patch(url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  put(url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  delete(url: string): Promise<LightMyRequestResponse>;
}

function client(app: FastifyInstance, headers: Record<string, string>): Client {
  const request = (options: InjectOptions) => app.inject({ ...options, headers: { ...headers, ...(options.headers ?? {}) } });
  const withBody = (method: 'POST' | 'PATCH' | 'PUT') => (url: string, payload?: unknown) =>
    request({ method, url, ...(payload === undefined ? {} : typeof payload === 'string' || Buffer.isBuffer(payload) ? { payload } : { payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } }) });
  return {
    request,
    get: (url) => request({ method: 'GET', url }),
    post: withBody('POST'),
    patch: withBody('PATCH'),
    put: withBody('PUT'),
    delete: (url) => request({ method: 'DELETE', url }),
  };
}

export async function createTestApp(dialect: DialectKind, options: { env?: Record<string, string> } = {}): Promise<TestApp> {
  const testDb = await createTestDb(dialect);
  const config = loadConfig({ FAKTURA_DATA_DIR: testDb.env['FAKTURA_DATA_DIR'] ?? `/tmp/faktura-test-data`, FAKTURA_SECRET: 'x'.repeat(40), ...options.env });
  const app = await buildApp({ db: testDb.db, config });
  await app.ready();
  await createUser({ trx: testDb.db.kysely, actor: SYSTEM_ACTOR, data: { ...ADMIN, name: 'Admin', role: 'admin' } });
  await createUser({ trx: testDb.db.kysely, actor: SYSTEM_ACTOR, data: { ...STAFF, name: 'Empfang', role: 'staff' } });
  // A company as an admin leaves it after the first set-up: §14 UStG (and EN 16931 BR-CO-26) need a
  // tax number or VAT id before anything can be finalised; tests that care set their own.
  await updateCompany({ trx: testDb.db.kysely, actor: SYSTEM_ACTOR, data: { ...PLACEHOLDER_COMPANY, taxNumber: '214/5723/0815' } });

  const login = async (who: { email: string; password: string }): Promise<Client> => {
    const response = await app.inject({ method: 'POST', url: '/api/auth/login', payload: who });
    if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
    const cookie = response.cookies.find((c) => c.name === 'faktura_session');
    const body: { csrfToken: string } = response.json();
    if (!cookie) throw new Error('no session cookie');
    return client(app, { cookie: `faktura_session=${cookie.value}`, 'x-csrf-token': body.csrfToken });
  };

  return {
    app,
    testDb,
    config,
    login,
    anonymous: client(app, {}),
    admin: await login(ADMIN),
    staff: await login(STAFF),
    async close() {
      await app.close();
      await testDb.cleanup();
    },
  };
}
