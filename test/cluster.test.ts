import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SYSTEM_ACTOR } from '../src/commands/context.ts';
import { createUser } from '../src/commands/users.ts';
import { databasePdfArchive } from '../src/pdf/archive.ts';
import { createTestDb, testDialects, type TestDb } from './helpers/db.ts';
import { waitFor } from './helpers/wait.ts';

/**
 * Scale-out on one database: 2 `faktura serve --no-worker` and 3 `faktura worker` processes,
 * 3,000 recipients on PostgreSQL (600 on SQLite, where several processes on one machine share the
 * file), two workers SIGKILLed at random moments and replaced. Afterwards every delivery is `sent`
 * or `uncertain`, no message of a `sent` delivery arrived twice, and the per-"minute" rate limit
 * (a 5 s window here) held across all workers together.
 */
const BIN = join(import.meta.dirname, '..', 'bin', 'faktura.js');
const WINDOW_MS = 5000;
const SIZES = { postgres: { recipients: 3000, limitPerWindow: 600 }, sqlite: { recipients: 600, limitPerWindow: 300 } } as const;
const SECRET = 'cluster-test-secret-cluster-test-secret';

interface Received {
  messageId: string;
  at: number;
}

function startSink(received: Received[]): Promise<{ server: SMTPServer; port: number }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 4096) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        const messageId = /^Message-ID:\s*(<[^>]+>)/im.exec(head)?.[1] ?? 'missing';
        // A little latency, so that kills land while SMTP transactions are in flight.
        setTimeout(() => {
          received.push({ messageId, at: Date.now() });
          callback();
        }, 2 + Math.random() * 8);
      });
    },
  });
  // Killed workers leave connections that reset: expected here, not a test failure.
  server.on('error', () => undefined);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.server.address();
    resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
  }));
}

async function seed(t: TestDb, recipients: number): Promise<void> {
  const k = t.db.kysely;
  const now = new Date().toISOString();
  await createUser({ trx: k, actor: SYSTEM_ACTOR, data: { email: 'admin@cluster.test', password: 'cluster-passwort', name: 'Admin', role: 'admin' } });
  for (let start = 0; start < recipients; start += 500) {
    const customers = await k
      .insertInto('customers')
      .values(Array.from({ length: Math.min(500, recipients - start) }, (_, j) => {
        const i = start + j;
        return { number: `C-${i}`, last_name: `Kunde ${i}`, country: 'DE', email: `kunde${i}@example.de`, invoice_by_post: 0, search_text: `c-${i}`, created_at: now, updated_at: now } as const;
      }))
      .returning('id')
      .execute();
    await k
      .insertInto('documents')
      .values(customers.map((c, j) => ({
        type: 'invoice', number: `RE-2026-${String(start + j + 1).padStart(5, '0')}`, status: 'final', customer_id: c.id, language: 'de',
        issue_date: '2026-11-02', service_date: null, due_date: '2026-11-16', payment_terms_days: 14, intro_text: null, closing_text: null,
        cancels_document_id: null, cancelled_by_document_id: null, net_cents: 10000, vat_cents: 1900, gross_cents: 11900,
        customer_snapshot: null, company_snapshot: null, last_sent_at: null, last_sent_to: null, finalized_at: now, created_at: now, updated_at: now,
      } as const)))
      .execute();
  }
  // The worker attaches archived bytes; which bytes does not matter here.
  const pdf = Buffer.from('%PDF-1.7\n% cluster test fixture\n%%EOF\n');
  const ids = await k.selectFrom('documents').select('id').execute();
  for (const { id } of ids) await databasePdfArchive.store(k, id, pdf);
}

function spawnFaktura(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Waits until the server answers, however long a loaded machine takes to start it; fails if it exits. */
async function waitForHealth(child: ChildProcess, port: number): Promise<void> {
  let up = false;
  await waitFor(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server on ${port} exited`);
      up = await fetch(`http://127.0.0.1:${port}/api/health`).then((r) => r.ok, () => false);
      return up;
    },
    { stallMs: 300_000, stepMs: 100, what: `server on ${port}` },
  );
}

describe.each(testDialects)('cluster of processes on %s', (dialect) => {
  const { recipients: RECIPIENTS, limitPerWindow: LIMIT_PER_WINDOW } = SIZES[dialect];
  let t: TestDb;
  let sink: { server: SMTPServer; port: number };
  const received: Received[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    t = await createTestDb(dialect);
    await seed(t, RECIPIENTS);
    sink = await startSink(received);
  }, 0);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await new Promise<void>((resolve) => sink?.server.close(() => resolve()));
    await t?.cleanup();
  });

  it('sends every recipient exactly once (or marks it uncertain) under kills, within the global rate limit', async () => {
    const env = { FAKTURA_DATA_DIR: '/tmp/faktura-cluster', ...t.env, FAKTURA_SECRET: SECRET, LOG_LEVEL: 'silent', FAKTURA_WORKER_LEASE_MS: '3000', FAKTURA_RATE_MINUTE_MS: String(WINDOW_MS) };
    const ports = [3700 + Math.floor(Math.random() * 200), 3950 + Math.floor(Math.random() * 40)];
    const servers = ports.map((port) => spawnFaktura(['serve', '--no-worker'], { ...env, PORT: String(port) }));
    children.push(...servers);
    await Promise.all(servers.map((child, i) => waitForHealth(child, ports[i] ?? 0)));
    const workers = Array.from({ length: 3 }, () => spawnFaktura(['worker'], env));
    children.push(...workers);

    const [apiA = 0, apiB = 0] = ports;
    const login = await fetch(`http://127.0.0.1:${apiA}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@cluster.test', password: 'cluster-passwort' }) });
    const { csrfToken } = z.object({ csrfToken: z.string() }).parse(await login.json());
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const call = async (port: number, method: string, path: string, body?: unknown, extra: Record<string, string> = {}) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { cookie, 'x-csrf-token': csrfToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extra }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await response.text();
      if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    };

    await call(apiA, 'PUT', '/api/settings/mail', { host: '127.0.0.1', port: sink.port, security: 'none', fromName: 'Cluster', fromEmail: 'rechnung@cluster.test', poolSize: 4, ratePerMinute: LIMIT_PER_WINDOW, ratePerDay: 1_000_000 });
    const template = await call(apiA, 'POST', '/api/templates', { name: 'Rechnung', subject: 'Ihre Rechnung {{ documents.first.number }}', body: 'Guten Tag {{ customer.lastName }}' });
    const dispatch = await call(apiA, 'POST', '/api/dispatches', { filter: { type: ['invoice'], status: ['final'] } });
    expect(dispatch.recipients.active).toBe(RECIPIENTS);
    await call(apiA, 'PATCH', `/api/dispatches/${dispatch.id}`, { templateId: template.id });
    await call(apiA, 'POST', `/api/dispatches/${dispatch.id}/send`, undefined, { 'idempotency-key': 'cluster-send-1' });

    // Two workers die at random moments while sending (one in the first, one in the second third
    // of the messages, whatever the machine's speed); replacements start.
    for (const [i, victim] of workers.slice(0, 2).entries()) {
      const at = Math.floor(RECIPIENTS * (0.05 + i / 3 + Math.random() * 0.25));
      await waitFor(() => received.length >= at, { progress: () => received.length, stallMs: 120_000, what: `${at} messages received` });
      victim.kill('SIGKILL');
      children.push(spawnFaktura(['worker'], env));
    }

    // Progress is read through the other server process: the database is the truth for both.
    let status: { status: string; deliveries: Record<string, number> } = await call(apiB, 'GET', `/api/dispatches/${dispatch.id}`);
    const open = () => (status.deliveries['queued'] ?? 0) + (status.deliveries['sending'] ?? 0) + (status.deliveries['retrying'] ?? 0);
    await waitFor(
      async () => {
        status = await call(apiB, 'GET', `/api/dispatches/${dispatch.id}`);
        return open() === 0;
      },
      // A lost worker's rows wait for its lease (3 s) before the sweep decides them.
      // (progress: either number moving; they are weighted so that one arrival and one fewer open delivery do not cancel out)
      { progress: () => received.length * (RECIPIENTS + 1) + open(), stallMs: 120_000, stepMs: 500, what: 'dispatch finished' },
    );
    const { sent = 0, uncertain = 0 } = status.deliveries;
    expect(sent + uncertain).toBe(RECIPIENTS);
    // At most the messages in flight at the two kills can be uncertain (pool size 4 each).
    expect(uncertain).toBeLessThanOrEqual(8);

    // No message of a sent delivery arrived twice.
    const rows = await t.db.kysely.selectFrom('deliveries').select(['message_id', 'state']).where('dispatch_id', '=', dispatch.id).execute();
    const arrivals = new Map<string, number>();
    for (const r of received) arrivals.set(r.messageId, (arrivals.get(r.messageId) ?? 0) + 1);
    const sentIds = rows.filter((r) => r.state === 'sent').map((r) => r.message_id ?? '');
    expect(sentIds.filter((id) => (arrivals.get(id) ?? 0) !== 1)).toEqual([]);
    expect(received.length).toBeGreaterThanOrEqual(sent);
    expect(received.length).toBeLessThanOrEqual(sent + uncertain);

    // The rate limit held across all workers: no window of WINDOW_MS saw more than the limit
    // (plus the few messages a connection had already accepted when its token was counted).
    const times = received.map((r) => r.at).sort((a, b) => a - b);
    let worst = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while ((times[j] ?? Infinity) < (times[i] ?? 0) + WINDOW_MS && j < times.length) j++;
      worst = Math.max(worst, j - i);
    }
    console.log(`cluster: ${received.length} messages in ${(((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000).toFixed(1)} s, worst ${WINDOW_MS} ms window ${worst}, uncertain ${uncertain}`);
    expect(worst).toBeLessThanOrEqual(LIMIT_PER_WINDOW + 12);
    // How close the workers came to the limit depends on the machine's speed and load, so it is
    // printed above, not asserted; the dispatch fault test checks that pacing reaches the limit.
  }, 0);
});
