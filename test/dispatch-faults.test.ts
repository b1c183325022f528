import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatchPorts, mailerFromSettings } from '../src/dispatch/adapters.ts';
import type { DispatchPorts } from '../src/dispatch/ports.ts';
import { startDispatchWorkerWith, type DispatchWorker } from '../src/dispatch/engine/worker.ts';
import { loadMailSettings } from '../src/mail/settings.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer, makeFinalInvoice } from './helpers/factories.ts';
import { configureMail, createTemplate, SINK_PASSWORD, SINK_USER, startSink, TEST_SECRET, until, type Sink } from './dispatch-support.ts';

describe.each(testDialects)('dispatch: a bad SMTP server on %s', (dialect) => {
  let t: TestApp;
  let sink: Sink;
  let worker: DispatchWorker;
  let templateId: number;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    sink = await startSink({ auth: true });
    await configureMail(t.testDb.db, sink.port, { poolSize: 2, auth: { user: SINK_USER, password: SINK_PASSWORD } });
    templateId = await createTemplate(t.testDb.db);
    worker = startDispatchWorkerWith({
      db: t.testDb.db,
      ports: createDispatchPorts({ secret: TEST_SECRET, maxAttempts: 4 }),
      pollMs: 20,
      sweepMs: 100,
      backoffMs: [100, 150, 200],
      settingsRefreshMs: 50,
      pauseAfter: 5,
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await sink?.close();
    await t?.close();
  });

  async function sendTo(count: number): Promise<number> {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const c = await makeCustomer(t.staff);
      ids.push((await makeFinalInvoice(t.staff, c.id)).id);
    }
    const id: number = (await t.staff.post('/api/dispatches', { documentIds: ids })).json().id;
    await t.staff.patch(`/api/dispatches/${id}`, { templateId });
    const sent = await t.staff.post(`/api/dispatches/${id}/send`);
    expect(sent.statusCode, sent.body).toBe(202);
    worker.wake();
    return id;
  }
  const status = async (id: number) => (await t.staff.get(`/api/dispatches/${id}`)).json();
  const deliveries = (id: number) => t.testDb.db.kysely.selectFrom('deliveries').selectAll().where('dispatch_id', '=', id).execute();

  it('451 twice, then 250: sent once after two retries', async () => {
    sink.received.length = 0;
    const start = sink.attempts;
    sink.behaviour = (attempt) => (attempt - start <= 2 ? { code: 451, message: '4.7.1 Greylisted, try again later' } : 'accept');
    const id = await sendTo(1);
    await until(async () => (await status(id)).status === 'completed');
    const [d] = await deliveries(id);
    expect(d).toMatchObject({ state: 'sent', attempts: 3 });
    expect(d?.smtp_response).toMatch(/^250/);
    expect(sink.received).toHaveLength(1);
  });

  it('550: failed with the server reply, nothing else; retry re-queues it', async () => {
    sink.received.length = 0;
    sink.behaviour = () => ({ code: 550, message: '5.1.1 Mailbox unavailable' });
    const id = await sendTo(1);
    await until(async () => (await status(id)).status === 'completed');
    const [d] = await deliveries(id);
    expect(d).toMatchObject({ state: 'failed', attempts: 1, error_code: 'smtp.rejected' });
    expect(d?.smtp_response).toContain('550');
    expect(d?.smtp_response).toContain('Mailbox unavailable');
    const report = await t.staff.get(`/api/dispatches/${id}/report.csv`);
    expect(report.body).toContain('Mailbox unavailable');

    sink.behaviour = () => 'accept';
    const retried = await t.staff.post(`/api/dispatches/${id}/retry`, {});
    expect(retried.json().requeued).toBe(1);
    worker.wake();
    await until(async () => (await status(id)).deliveries.sent === 1);
    expect(sink.received).toHaveLength(1);
  });

  it('connection dropped during DATA: no 250, so retried, and delivered once', async () => {
    sink.received.length = 0;
    const start = sink.attempts;
    sink.behaviour = (attempt) => (attempt - start === 1 ? 'drop' : 'accept');
    const id = await sendTo(1);
    await until(async () => (await status(id)).status === 'completed');
    const [d] = await deliveries(id);
    expect(d?.state).toBe('sent');
    expect(d?.attempts).toBe(2);
    expect(sink.received).toHaveLength(1);
  });

  it('login rejected: the dispatch pauses with a reason, no recipient is burnt; fixed password + retry sends all', async () => {
    sink.received.length = 0;
    sink.behaviour = () => 'accept';
    await configureMail(t.testDb.db, sink.port, { poolSize: 2, auth: { user: SINK_USER, password: 'falsches-passwort' } });
    const id = await sendTo(6);
    await until(async () => (await status(id)).status === 'paused');
    const paused = await status(id);
    expect(paused.pausedReason).toBe('smtp.authFailed');
    expect(paused.pausedMessage).toMatch(/535|[Aa]uthentication/);
    // Give a wrongly still running worker the chance to burn more: nothing may happen.
    await new Promise((r) => setTimeout(r, 300));
    const rows = await deliveries(id);
    expect(rows.every((r) => r.state === 'queued')).toBe(true);
    expect(rows.every((r) => r.attempts === 0)).toBe(true);
    expect(sink.received).toHaveLength(0);

    await configureMail(t.testDb.db, sink.port, { poolSize: 2, auth: { user: SINK_USER, password: SINK_PASSWORD } });
    await new Promise((r) => setTimeout(r, 100));
    expect((await t.staff.post(`/api/dispatches/${id}/retry`, {})).statusCode).toBe(200);
    worker.wake();
    await until(async () => (await status(id)).status === 'completed');
    expect((await status(id)).deliveries.sent).toBe(6);
    expect(sink.received).toHaveLength(6);
    const audit = await t.testDb.db.kysely.selectFrom('audit_log').select('action').where('entity_id', '=', String(id)).execute();
    expect(audit.map((a) => a.action)).toContain('dispatch.retry');
  });

  it('rate limit: 60 per window holds in every window; a batch of 100 is paced', async () => {
    await worker.stop();
    sink.received.length = 0;
    sink.behaviour = () => 'accept';
    await configureMail(t.testDb.db, sink.port, { poolSize: 4, ratePerMinute: 60, auth: { user: SINK_USER, password: SINK_PASSWORD } });
    // The provider limit is enforced by the engine's database bucket; nodemailer's own per-process
    // limiter counts real minutes, so it is lifted here to let a 2-second window stand for a minute.
    const base = createDispatchPorts({ secret: TEST_SECRET });
    const ports: DispatchPorts = {
      ...base,
      async openMailer(db) {
        const settings = await loadMailSettings(t.testDb.db, TEST_SECRET);
        if (!settings) return undefined;
        const mailer = mailerFromSettings({ ...settings, ratePerMinute: 100_000 }, 'rate-test');
        void db;
        return { ...mailer, limits: { ...mailer.limits, perMinute: settings.ratePerMinute } };
      },
    };
    const windowMs = 2_000;
    // Two workers share the limit, as two processes would.
    const workers = [0, 1].map(() => startDispatchWorkerWith({ db: t.testDb.db, ports, pollMs: 20, sweepMs: 200, rateWindows: { minuteMs: windowMs, dayMs: 86_400_000 } }));
    try {
      const started = Date.now();
      const id = await sendTo(100);
      for (const w of workers) w.wake();
      await until(async () => (await status(id)).status === 'completed', 30_000);
      const times = sink.received.map((m) => m.at).sort((a, b) => a - b);
      expect(times).toHaveLength(100);
      let worst = 0;
      for (const start of times) worst = Math.max(worst, times.filter((x) => x >= start && x < start + windowMs).length);
      // Tokens are counted when a delivery is claimed, the timestamps when the server received it:
      // at most 2 workers × `poolSize` 4 messages are between the two at any moment, so that is
      // the tolerance. In a real 60-second window the same milliseconds of jitter are negligible.
      expect(worst).toBeLessThanOrEqual(68);
      expect(worst).toBeGreaterThanOrEqual(45);
      expect(Date.now() - started).toBeGreaterThan(windowMs);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  }, 60_000);
});
