import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatchPorts } from '../src/dispatch/adapters.ts';
import { startDispatchWorkerWith, type DispatchWorker } from '../src/dispatch/engine/worker.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer, makeFinalInvoice } from './helpers/factories.ts';
import { configureMail, startSink, TEST_SECRET, until, type Sink } from './dispatch-support.ts';

/** Issue 13, part 3: one language per customer — their documents, file names and e-mail. */
describe.each(testDialects)('customer language on %s', (dialect) => {
  let t: TestApp;
  let sink: Sink;
  let worker: DispatchWorker;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    sink = await startSink();
    await configureMail(t.testDb.db, sink.port, { poolSize: 2 });
    worker = startDispatchWorkerWith({ db: t.testDb.db, ports: createDispatchPorts({ secret: TEST_SECRET }), pollMs: 30, sweepMs: 200, backoffMs: [50, 100] });
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await sink?.close();
    await t?.close();
  });

  it('an en customer gets an English invoice and an English e-mail; the dispatch counts its recipients by language', async () => {
    const german = await makeCustomer(t.staff, { firstName: 'Greta', lastName: 'Deutsch', email: 'greta@example.de' });
    expect(german).toMatchObject({ language: 'de' });
    const english = await makeCustomer(t.staff, { firstName: 'Emma', lastName: 'English', email: 'emma@example.co.uk', language: 'en' });
    expect(english).toMatchObject({ language: 'en' });
    expect((await t.staff.patch(`/api/customers/${german.id}`, { language: 'en' })).json().language).toBe('en');
    expect((await t.staff.patch(`/api/customers/${german.id}`, { language: 'de' })).json().language).toBe('de');
    expect((await t.staff.patch(`/api/customers/${german.id}`, { language: 'fr' })).statusCode).toBe(400);

    const germanInvoice = await makeFinalInvoice(t.staff, german.id);
    const englishInvoice = await makeFinalInvoice(t.staff, english.id);
    expect(germanInvoice.language).toBe('de');
    expect(englishInvoice.language).toBe('en');

    const mixed = (await t.staff.post('/api/dispatches', { documentIds: [germanInvoice.id, englishInvoice.id] })).json();
    expect(mixed.languages).toEqual({ de: 1, en: 1 });
    await t.staff.delete(`/api/dispatches/${mixed.id}`);

    const template = await t.admin.post('/api/templates', { name: 'Invoice e-mail (English)', kind: 'customerNotification', language: 'en', subject: 'Your invoice {{ documents[0].number }}', body: '{{ customer.greeting }},\n\nplease find your invoice attached.' });
    expect(template.statusCode, template.body).toBe(201);
    const id: number = (await t.staff.post('/api/dispatches', { documentIds: [englishInvoice.id] })).json().id;
    expect((await t.staff.get(`/api/dispatches/${id}`)).json().languages).toEqual({ de: 0, en: 1 });
    await t.staff.patch(`/api/dispatches/${id}`, { templateId: template.json().id });
    expect((await t.staff.post(`/api/dispatches/${id}/send`)).statusCode).toBe(202);
    worker.wake();
    await until(async () => (await t.staff.get(`/api/dispatches/${id}`)).json().status === 'completed');
    const message = sink.received.find((m) => m.to.includes('emma@example.co.uk'));
    const parsed = await simpleParser(message?.raw ?? Buffer.alloc(0));
    expect(parsed.subject).toBe(`Your invoice ${englishInvoice.number}`);
    expect(parsed.text).toContain('please find your invoice attached');
    expect(parsed.text).not.toContain('Sehr geehrte');
    expect(parsed.attachments.map((a) => a.filename)).toEqual([`Invoice_${englishInvoice.number}.pdf`]);
  }, 60_000);
});
