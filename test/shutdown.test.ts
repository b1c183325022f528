import { spawn } from 'node:child_process';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../src/db/connection.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { ADMIN, STAFF, createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'faktura.js');

/** A draft dispatch: its progress stream stays open (a draft is never final). */
async function draftDispatch(db: Db): Promise<number> {
  const now = new Date().toISOString();
  const row = await db.kysely
    .insertInto('dispatches')
    .values({ status: 'draft', mode: 'perCustomer', template_id: null, template_snapshot: null, selection: '{"documentIds":[]}', created_by_user_id: null, created_by_token_id: null, send_key: null, send_requested_at: null, paused_reason: null, paused_message: null, consecutive_failures: 0, completed_at: null, cancelled_at: null, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function loginCookie(base: string, who: { email: string; password: string }): Promise<string> {
  const response = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(who) });
  if (response.status !== 200) throw new Error(`login: ${response.status} ${await response.text()}`);
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('faktura_session='));
  if (!cookie) throw new Error('no session cookie');
  return cookie.split(';')[0] ?? '';
}

interface OpenStream {
  status: number;
  text: () => string;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens an SSE stream and resolves once the status is known and (for 200) the first event arrived. */
function openStream(url: string, cookie: string): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { cookie, accept: 'text/event-stream' } }, (res: IncomingMessage) => {
      let body = '';
      let settled = false;
      const ended = new Promise<void>((done) => {
        res.on('end', () => done());
        res.on('close', () => done());
      });
      const stream: OpenStream = { status: res.statusCode ?? 0, text: () => body, ended, close: () => req.destroy() };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (!settled && (res.statusCode !== 200 || body.includes('event: progress'))) {
          settled = true;
          resolve(stream);
        }
      });
      res.on('end', () => {
        if (!settled) resolve(stream);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(testDialects)('progress streams on %s', (dialect) => {
  let t: TestApp;
  let base: string;
  let dispatchId: number;
  beforeAll(async () => {
    t = await createTestApp(dialect, { env: { FAKTURA_PROGRESS_STREAMS_PER_USER: '3' } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    dispatchId = await draftDispatch(t.testDb.db);
  });
  afterAll(async () => {
    await t?.testDb.cleanup();
  });

  it('caps streams per user (issue 15 item 5), and closing the app ends every open stream instead of waiting for it (issue 20 item 2)', async () => {
    const staff = await loginCookie(base, STAFF);
    const url = `${base}/api/dispatches/${dispatchId}/events?intervalMs=100`;
    const mine = await Promise.all([openStream(url, staff), openStream(url, staff), openStream(url, staff)]);
    expect(mine.map((s) => s.status)).toEqual([200, 200, 200]);
    const fourth = await openStream(url, staff);
    expect(fourth.status).toBe(429);
    expect(JSON.parse(fourth.text())).toMatchObject({ code: 'dispatch.tooManyStreams' });
    // A colleague is not affected by one user's streams.
    const admin = await openStream(url, await loginCookie(base, ADMIN));
    expect(admin.status).toBe(200);
    // A closed stream frees its place.
    mine[0]?.close();
    await mine[0]?.ended;
    let again = await openStream(url, staff);
    while (again.status === 429) {
      // the server notices the closed socket asynchronously
      await new Promise((r) => setTimeout(r, 20));
      again = await openStream(url, staff);
    }
    expect(again.status).toBe(200);

    // Before the fix, close() waited for the streams forever.
    await t.app.close();
    const open = [mine[1], mine[2], admin, again];
    await Promise.all(open.map((s) => s?.ended));
    for (const s of open) expect(s?.text()).toContain('event: shutdown');
  });
});

describe('faktura serve and SIGTERM (SQLite)', () => {
  it('exits on SIGTERM while a browser watches a progress stream; the stream is ended first', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'faktura-shutdown-'));
    const db = openDatabase({ kind: 'sqlite', file: join(dataDir, 'faktura.sqlite') });
    await migrateToLatest(db);
    const dispatchId = await draftDispatch(db);
    await db.close();

    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: { ...process.env, FAKTURA_DATA_DIR: dataDir, DATABASE_URL: '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', FAKTURA_ADMIN_EMAIL: ADMIN.email, FAKTURA_ADMIN_PASSWORD: ADMIN.password, FAKTURA_DEMO: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    try {
      const base = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (chunk: string) => {
          out += chunk;
          const match = /running at (http:\/\/[^\s;]+)/.exec(out);
          if (match?.[1]) resolve(match[1]);
        });
        child.on('exit', () => reject(new Error(`serve exited before listening: ${out}`)));
      });
      const stream = await openStream(`${base}/api/dispatches/${dispatchId}/events`, await loginCookie(base, ADMIN));
      expect(stream.status).toBe(200);
      child.kill('SIGTERM');
      await stream.ended;
      expect(stream.text()).toContain('event: shutdown');
      expect(await exited).toEqual({ code: 0, signal: null });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 300_000);
});
