import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatchPorts } from '../src/dispatch/adapters.ts';
import { startDispatchWorkerWith, type DispatchWorker } from '../src/dispatch/engine/worker.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer, makeFinalInvoice } from './helpers/factories.ts';
import { configureMail, createTemplate, startSink, TEST_SECRET, until, type Sink } from './dispatch-support.ts';

describe.each(testDialects)('document send history on %s', (dialect) => {
  let t: TestApp;
  let sink: Sink;
  let worker: DispatchWorker;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    sink = await startSink();
    await configureMail(t.testDb.db, sink.port);
    worker = startDispatchWorkerWith({ db: t.testDb.db, ports: createDispatchPorts({ secret: TEST_SECRET }), pollMs: 30, sweepMs: 200 });
  });
  afterAll(async () => {
    await worker?.stop();
    await sink?.close();
    await t?.close();
  });

  it('lists when, to whom and with which message id a document was sent', async () => {
    const templateId = await createTemplate(t.testDb.db);
    const customer = await makeCustomer(t.staff, { email: 'verlauf@example.de' });
    const invoice = await makeFinalInvoice(t.staff, customer.id);
    expect((await t.staff.get(`/api/documents/${invoice.id}/sends`)).json()).toEqual({ items: [] });

    const dispatch = (await t.staff.post('/api/dispatches', { documentIds: [invoice.id] })).json();
    await t.staff.patch(`/api/dispatches/${dispatch.id}`, { templateId });
    const sent = await t.staff.request({ method: 'POST', url: `/api/dispatches/${dispatch.id}/send`, headers: { 'idempotency-key': 'history-test-1' } });
    expect(sent.statusCode, sent.body).toBe(202);
    await until(async () => (await t.staff.get(`/api/dispatches/${dispatch.id}`)).json().deliveries.sent === 1);

    const history = (await t.staff.get(`/api/documents/${invoice.id}/sends`)).json().items;
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ dispatchId: dispatch.id, state: 'sent', to: 'verlauf@example.de', attempts: 1, errorCode: null });
    expect(history[0].messageId).toMatch(/^<.+@.+>$/);
    expect(history[0].sentAt).toBeTruthy();
    const doc = (await t.staff.get(`/api/documents/${invoice.id}`)).json();
    expect(doc.lastSentTo).toBe('verlauf@example.de');
    expect((await t.staff.get('/api/documents/999999/sends')).statusCode).toBe(404);

    // Progress stream of the finished dispatch: the counts, then the end.
    const events = await t.staff.get(`/api/dispatches/${dispatch.id}/events?intervalMs=100`);
    expect(events.headers['content-type']).toContain('text/event-stream');
    const progress = [...events.body.matchAll(/event: progress\ndata: (.+)\n/g)].map((m) => JSON.parse(m[1] ?? '{}'));
    expect(progress[0]).toMatchObject({ id: dispatch.id, deliveries: { sent: 1 } });
    // the worker's sweep completes the dispatch a moment after the last delivery: the stream follows
    expect(progress.at(-1)).toMatchObject({ id: dispatch.id, status: 'completed', deliveries: { sent: 1 } });
    expect(events.body).toContain('event: end\ndata: {"status":"completed"}');

    // The report CSV (streamed) has the header and the one delivery.
    const report = await t.staff.get(`/api/dispatches/${dispatch.id}/report.csv`);
    expect(report.headers['content-type']).toContain('text/csv');
    const lines = report.body.trim().split('\r\n');
    expect(lines[0]).toContain('Kundennummer;Kunde;E-Mail');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('verlauf@example.de');
  });
});
