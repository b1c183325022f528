import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatchPorts } from '../src/dispatch/adapters.ts';
import { startDispatchWorkerWith, type DispatchWorker } from '../src/dispatch/engine/worker.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer, makeFinalInvoice } from './helpers/factories.ts';
import { waitFor } from './helpers/wait.ts';
import { configureMail, createTemplate, startSink, TEST_SECRET, type Sink } from './dispatch-support.ts';

/**
 * Issue 20 item 8: after a pause (five 550s in a row), the admin fixes what can be fixed and
 * resumes ("retry"). The recipients that never had their turn go first (queue order: next
 * attempt, then id), recipients the server had rejected for good before do not pause the
 * dispatch again, so everyone deliverable is sent.
 */
describe.each(testDialects)('dispatch: pause → fix → resume on %s', (dialect) => {
  let t: TestApp;
  let sink: Sink;
  let worker: DispatchWorker;
  /** the recipients of each DATA attempt, in the order the server saw them */
  const attempts: string[] = [];
  /** addresses the server rejects with 550 */
  const unknown = new Set<string>();

  beforeAll(async () => {
    t = await createTestApp(dialect);
    sink = await startSink();
    sink.behaviour = (_n, to) => {
      attempts.push(...to);
      return to.some((a) => unknown.has(a)) ? { code: 550, message: '5.1.1 Mailbox unavailable' } : 'accept';
    };
    await configureMail(t.testDb.db, sink.port, { poolSize: 2 });
    worker = startDispatchWorkerWith({ db: t.testDb.db, ports: createDispatchPorts({ secret: TEST_SECRET }), pollMs: 20, sweepMs: 100, pauseAfter: 5 });
  });
  afterAll(async () => {
    await worker?.stop();
    await sink?.close();
    await t?.close();
  });

  it('delivers everyone deliverable', async () => {
    const templateId = await createTemplate(t.testDb.db);
    // Seven addresses the server does not know (created first: the lowest ids), then two good ones.
    const bad = Array.from({ length: 7 }, (_, i) => `unbekannt${i + 1}.${dialect}@example.de`);
    const good = [`gut1.${dialect}@example.de`, `gut2.${dialect}@example.de`];
    for (const a of bad) unknown.add(a);
    const documentIds: number[] = [];
    for (const email of [...bad, ...good]) documentIds.push((await makeFinalInvoice(t.staff, (await makeCustomer(t.staff, { email })).id)).id);
    const id: number = (await t.staff.post('/api/dispatches', { documentIds })).json().id;
    await t.staff.patch(`/api/dispatches/${id}`, { templateId });
    expect((await t.staff.post(`/api/dispatches/${id}/send`)).statusCode).toBe(202);
    worker.wake();
    const dispatch = async () => (await t.staff.get(`/api/dispatches/${id}`)).json();
    const rows = () => t.testDb.db.kysely.selectFrom('deliveries').select(['id', 'to_email', 'state', 'last_attempt_at', 'lease_owner']).where('dispatch_id', '=', id).orderBy('id').execute();

    await waitFor(async () => (await dispatch()).status === 'paused', { progress: () => attempts.length, what: 'the pause' });
    expect((await dispatch()).pausedReason).toBe('smtp.rejected');
    // The messages in flight when it paused end first (a retry re-queues only what has failed),
    // and the worker gives back the claims it withdrew.
    await waitFor(async () => (await rows()).every((r) => r.state !== 'sending' && r.lease_owner === null), { what: 'the attempts in flight' });
    // The situation of the issue: the good recipients had no turn before the pause.
    const paused = await rows();
    expect(paused.filter((r) => good.includes(r.to_email)).map((r) => r.state)).toEqual(['queued', 'queued']);

    // The fix: two of the mailboxes exist now. Then resume.
    unknown.delete(bad[0] ?? '');
    unknown.delete(bad[1] ?? '');
    const before = attempts.length;
    const retried = await t.staff.post(`/api/dispatches/${id}/retry`, {});
    expect(retried.statusCode, retried.body).toBe(200);
    worker.wake();
    await waitFor(async () => (await dispatch()).status === 'completed', { progress: () => attempts.length, what: 'completion after the resume' });

    // Queue order: the recipients that never had their turn were handed to the connections
    // before the re-queued ones. A message is marked `sending` when its connection is ready, so
    // with two connections one re-queued message may be marked just before the last untried one.
    const end = await rows();
    const untried = new Set(paused.filter((r) => r.state === 'queued').map((r) => r.id));
    const markedAt = (r: { last_attempt_at: string | null }) => r.last_attempt_at ?? '';
    const lastUntried = end.filter((r) => untried.has(r.id)).map(markedAt).sort().at(-1) ?? '';
    const requeuedEarlier = end.filter((r) => !untried.has(r.id) && markedAt(r) < lastUntried);
    expect(untried.size).toBeGreaterThan(0);
    expect(requeuedEarlier.length, JSON.stringify(end)).toBeLessThanOrEqual(1);
    expect(attempts.length - before).toBe(end.length);
    const sentTo = end.filter((r) => r.state === 'sent').map((r) => r.to_email);
    expect(sentTo.sort()).toEqual([bad[0], bad[1], ...good].sort());
    expect(end.filter((r) => r.state !== 'sent').every((r) => r.state === 'failed')).toBe(true);
    expect(sink.received.filter((m) => m.to.some((a) => sentTo.includes(a)))).toHaveLength(4);
  }, 120_000);
});
