import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, testDialects, type TestDb } from './helpers/db.ts';
import { configureMail, createTemplate, startSink, TEST_SECRET, until, type Sink } from './dispatch-support.ts';
import { seedInvoices, startDispatchOf } from './dispatch-seed.ts';

const RECIPIENTS = 1000;
const KILLS = 5;

function startWorker(testDb: TestDb): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'test/helpers/worker-process.ts', '--lease-ms=1500', '--poll-ms=20', '--sweep-ms=200'], {
    env: { ...process.env, ...testDb.env, FAKTURA_SECRET: TEST_SECRET, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

describe.each(testDialects)('dispatch: SIGKILL the worker at random moments on %s', (dialect) => {
  let testDb: TestDb;
  let sink: Sink;
  let dispatchId: number;

  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    sink = await startSink({ keepRaw: false });
    await configureMail(testDb.db, sink.port, { poolSize: 4 });
    const templateId = await createTemplate(testDb.db);
    const ids = await seedInvoices(testDb.db, RECIPIENTS, 1024);
    dispatchId = await startDispatchOf(testDb.db, ids, templateId, TEST_SECRET);
  }, 60_000);
  afterAll(async () => {
    await sink?.close();
    await testDb?.cleanup();
  });

  it('ends with every recipient sent or uncertain, nothing sent twice, nothing lost', async () => {
    const k = testDb.db.kysely;
    const inFlightAtKills: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const child = startWorker(testDb);
      const before = sink.received.length;
      // Let it get going, then kill it at a random moment while it is sending.
      await until(() => sink.received.length > before, 20_000, 10);
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 400));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const sending = await k.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('dispatch_id', '=', dispatchId).where('state', '=', 'sending').executeTakeFirstOrThrow();
      inFlightAtKills.push(Number(sending.n));
    }
    const last = startWorker(testDb);
    try {
      await until(async () => {
        const d = await k.selectFrom('dispatches').select('status').where('id', '=', dispatchId).executeTakeFirstOrThrow();
        return d.status === 'completed';
      }, 40_000, 100);
    } finally {
      last.kill('SIGTERM');
      await new Promise((r) => last.once('exit', r));
    }

    const rows = await k.selectFrom('deliveries').select(['id', 'state', 'message_id']).where('dispatch_id', '=', dispatchId).execute();
    expect(rows).toHaveLength(RECIPIENTS);
    const states = new Map<string, number>();
    for (const r of rows) states.set(r.state, (states.get(r.state) ?? 0) + 1);
    expect([...states.keys()].every((s) => s === 'sent' || s === 'uncertain')).toBe(true);

    const receivedById = new Map<string, number>();
    for (const m of sink.received) if (m.messageId) receivedById.set(m.messageId, (receivedById.get(m.messageId) ?? 0) + 1);
    for (const r of rows) {
      const times = r.message_id ? (receivedById.get(r.message_id) ?? 0) : 0;
      // A `sent` delivery arrived exactly once; an uncertain one at most once (never re-sent).
      if (r.state === 'sent') expect(times, `delivery ${r.id}`).toBe(1);
    }
    expect([...receivedById.values()].every((n) => n === 1)).toBe(true);
    const uncertain = states.get('uncertain') ?? 0;
    expect(uncertain).toBeLessThanOrEqual(inFlightAtKills.reduce((a, b) => a + b, 0));
    console.log(`${dialect}: ${states.get('sent')} sent, ${uncertain} uncertain; in flight at the kills: ${inFlightAtKills.join(', ')}; ${sink.received.length} messages received`);
  }, 120_000);
});
