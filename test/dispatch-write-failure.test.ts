import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatchPorts } from '../src/dispatch/adapters.ts';
import { startDispatchWorkerWith, type DispatchWorker } from '../src/dispatch/engine/worker.ts';
import { createTestDb, testDialects, type TestDb } from './helpers/db.ts';
import { waitFor } from './helpers/wait.ts';
import { configureMail, createTemplate, startSink, TEST_SECRET, type Sink } from './dispatch-support.ts';
import { seedInvoices, startDispatchOf } from './dispatch-seed.ts';

/**
 * Issue 20 item 4: the server accepted the messages, then the database refused to record `sent`
 * (injected: a trigger fails that write, as a full disk would). The worker that knows the outcome
 * keeps it and records `sent` once the database takes writes again: nothing ends `uncertain`,
 * nothing is sent twice, and the log says what happened.
 */
describe.each(testDialects)('dispatch: the database refuses the `sent` write on %s', (dialect) => {
  let testDb: TestDb;
  let sink: Sink;
  let worker: DispatchWorker | undefined;
  const logged: string[] = [];

  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    sink = await startSink({ keepRaw: false });
    await configureMail(testDb.db, sink.port, { poolSize: 2 });
    const k = testDb.db.kysely;
    await sql`create table fault (on_sent integer not null)`.execute(k);
    await sql`insert into fault (on_sent) values (1)`.execute(k);
    if (dialect === 'sqlite') {
      await sql`create trigger fail_sent before update of state on deliveries
        when new.state = 'sent' and (select on_sent from fault) = 1
        begin select raise(abort, 'database or disk is full (injected)'); end`.execute(k);
    } else {
      await sql`create function fail_sent() returns trigger language plpgsql as $$
        begin if new.state = 'sent' and (select on_sent from fault) = 1 then raise exception 'could not extend file: No space left on device (injected)'; end if; return new; end $$`.execute(k);
      await sql`create trigger fail_sent before update of state on deliveries for each row execute function fail_sent()`.execute(k);
    }
  }, 60_000);
  afterAll(async () => {
    await worker?.stop();
    await sink?.close();
    await testDb?.cleanup();
  });

  it('records sent once it can, none uncertain, none twice', async () => {
    const k = testDb.db.kysely;
    const templateId = await createTemplate(testDb.db);
    const dispatchId = await startDispatchOf(testDb.db, await seedInvoices(testDb.db, 6, 512), templateId, TEST_SECRET);
    worker = startDispatchWorkerWith({
      db: testDb.db,
      ports: createDispatchPorts({ secret: TEST_SECRET }),
      pollMs: 20,
      sweepMs: 100,
      leaseMs: 3_000,
      log: (level, message) => {
        if (level === 'error' || level === 'info') logged.push(message);
      },
    });
    await waitFor(() => logged.some((m) => m.startsWith('recording delivery outcomes failed')), { progress: () => sink.received.length, what: 'the failed write' });
    expect(logged.find((m) => m.startsWith('recording delivery outcomes failed'))).toContain('the database did not take the write');
    const accepted = sink.received.length;
    expect(accepted).toBeGreaterThan(0);
    const during = await k.selectFrom('deliveries').select('state').where('dispatch_id', '=', dispatchId).execute();
    expect(during.filter((r) => r.state === 'sent')).toHaveLength(0);

    // The disk has room again.
    await sql`update fault set on_sent = 0`.execute(k);
    const done = async () => (await k.selectFrom('dispatches').select('status').where('id', '=', dispatchId).executeTakeFirstOrThrow()).status === 'completed';
    await waitFor(done, { progress: () => sink.received.length, what: 'completion' });
    const rows = await k.selectFrom('deliveries').select(['state', 'message_id']).where('dispatch_id', '=', dispatchId).execute();
    expect(rows.map((r) => r.state)).toEqual(rows.map(() => 'sent'));
    const ids = sink.received.map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(rows.map((r) => r.message_id).sort());
    expect(logged).toContain('delivery outcomes recorded after the database took writes again');
  }, 120_000);
});
