import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatchPorts } from '../src/dispatch/adapters.ts';
import { startDispatchWorkerWith, type DispatchWorker } from '../src/dispatch/engine/worker.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer, makeFinalInvoice } from './helpers/factories.ts';
import { configureMail, createTemplate, startSink, TEST_SECRET, until, type Sink } from './dispatch-support.ts';

/**
 * Issue 13, part 2: the preview is the e-mail. The picker's preview (a template not chosen yet)
 * and the Nachrichtentext panel show the subject and text rendered for a real recipient — the
 * same the SMTP server then receives — and a template that cannot be rendered for a recipient
 * blocks Senden naming that recipient.
 */
describe.each(testDialects)('dispatch preview on %s', (dialect) => {
  let t: TestApp;
  let sink: Sink;
  let worker: DispatchWorker;
  let templateId: number;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    sink = await startSink();
    await configureMail(t.testDb.db, sink.port, { poolSize: 2 });
    templateId = await createTemplate(t.testDb.db);
    worker = startDispatchWorkerWith({ db: t.testDb.db, ports: createDispatchPorts({ secret: TEST_SECRET }), pollMs: 30, sweepMs: 200, backoffMs: [50, 100] });
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await sink?.close();
    await t?.close();
  });

  it('shows for each recipient exactly the subject and text the SMTP server receives', async () => {
    const blocked = await makeCustomer(t.staff, { lastName: 'Aaron', email: null });
    const anna = await makeCustomer(t.staff, { firstName: 'Anna', lastName: 'Becker', email: 'anna.preview@example.de' });
    const bernd = await makeCustomer(t.staff, { firstName: 'Bernd', lastName: 'Schulz', email: 'bernd.preview@example.de' });
    const documentIds = [(await makeFinalInvoice(t.staff, blocked.id)).id, (await makeFinalInvoice(t.staff, anna.id)).id, (await makeFinalInvoice(t.staff, anna.id)).id, (await makeFinalInvoice(t.staff, bernd.id)).id];
    const id: number = (await t.staff.post('/api/dispatches', { documentIds })).json().id;

    // The magnifier's preview: a template not chosen yet, rendered for the first eligible recipient.
    const candidate = await t.staff.get(`/api/dispatches/${id}/preview?templateId=${templateId}`);
    expect(candidate.statusCode, candidate.body).toBe(200);
    expect(candidate.json().customerId).toBe(anna.id);
    expect(candidate.json().candidates).toEqual([anna.id, bernd.id]);
    expect(candidate.json().text).not.toContain('{{');
    expect(candidate.json().text).toContain('2 Dokument(e)');

    await t.staff.patch(`/api/dispatches/${id}`, { templateId });
    const previews = new Map<string, { subject: string; text: string }>();
    for (const c of [anna, bernd]) {
      const p = (await t.staff.get(`/api/dispatches/${id}/preview?customerId=${c.id}`)).json();
      previews.set(String(c.email), { subject: p.subject, text: p.text });
    }
    await t.staff.post(`/api/dispatches/${id}/recipients/remove-ineligible`);
    expect((await t.staff.post(`/api/dispatches/${id}/send`)).statusCode).toBe(202);
    worker.wake();
    await until(async () => (await t.staff.get(`/api/dispatches/${id}`)).json().status === 'completed');
    expect(sink.received).toHaveLength(2);
    for (const message of sink.received) {
      const parsed = await simpleParser(message.raw);
      const want = previews.get(message.to[0] ?? '');
      expect(want, message.to[0]).toBeDefined();
      expect(parsed.subject).toBe(want?.subject);
      expect(parsed.text?.trim()).toBe(want?.text.trim());
    }
  }, 60_000);

  it('a template that cannot be rendered for a recipient blocks Senden and names the recipient', async () => {
    const now = new Date().toISOString();
    // The second document's number: fine for a customer with two invoices, missing for one with one.
    const fragile = await t.testDb.db.kysely
      .insertInto('templates')
      .values({ name: 'Zwei Rechnungen', kind: 'customerNotification', language: 'de', subject: 'Rechnungen {{ documents[0].number }} und {{ documents[1].number }}', body: 'Guten Tag', active: 1, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    const one = await makeCustomer(t.staff, { firstName: 'Olga', lastName: 'Eins', email: 'olga@example.de' });
    const two = await makeCustomer(t.staff, { firstName: 'Zora', lastName: 'Zwei', email: 'zora@example.de' });
    const documentIds = [(await makeFinalInvoice(t.staff, one.id)).id, (await makeFinalInvoice(t.staff, two.id)).id, (await makeFinalInvoice(t.staff, two.id)).id];
    const id: number = (await t.staff.post('/api/dispatches', { documentIds })).json().id;
    await t.staff.patch(`/api/dispatches/${id}`, { templateId: fragile.id });

    const failing = await t.staff.get(`/api/dispatches/${id}/preview?customerId=${one.id}`);
    expect(failing.statusCode).toBe(422);
    expect(failing.json()).toMatchObject({ code: 'recipient.templateError', meta: { customerId: one.id, name: 'Olga Eins' } });
    expect((await t.staff.get(`/api/dispatches/${id}/preview?customerId=${two.id}`)).statusCode).toBe(200);

    const before = sink.received.length;
    const send = await t.staff.post(`/api/dispatches/${id}/send`);
    expect(send.statusCode).toBe(422);
    const problem = send.json().details.find((d: { code: string }) => d.code === 'recipient.templateError');
    expect(problem.meta.customerIds).toEqual([one.id]);
    expect(problem.message).toContain('Olga Eins');
    expect(sink.received.length).toBe(before);
  });
});
