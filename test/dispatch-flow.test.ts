import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatchPorts } from '../src/dispatch/adapters.ts';
import { startDispatchWorkerWith, type DispatchWorker } from '../src/dispatch/engine/worker.ts';
import { databasePdfArchive } from '../src/pdf/archive.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer, makeDocument, makeFinalInvoice } from './helpers/factories.ts';
import { configureMail, createTemplate, startSink, TEST_SECRET, until, type Sink } from './dispatch-support.ts';

describe.each(testDialects)('dispatch: full flow on %s', (dialect) => {
  let t: TestApp;
  let sink: Sink;
  let worker: DispatchWorker;
  let templateId: number;
  const eligible = new Map<number, number[]>(); // customerId → final invoice ids that must arrive
  const ineligible = new Set<number>();
  const byPost = new Set<number>();
  const allDocumentIds: number[] = [];

  beforeAll(async () => {
    t = await createTestApp(dialect);
    sink = await startSink();
    const db = t.testDb.db;
    await configureMail(db, sink.port, { poolSize: 3 });
    templateId = await createTemplate(db);
    worker = startDispatchWorkerWith({ db, ports: createDispatchPorts({ secret: TEST_SECRET }), pollMs: 30, sweepMs: 200, backoffMs: [50, 100] });

    // 50 customers: 6 without address, 4 with an invalid one, 5 by post, 2 with three invoices,
    // one with a final invoice and a draft, the rest with one final invoice each.
    for (let i = 0; i < 50; i++) {
      const kind = i < 6 ? 'noEmail' : i < 10 ? 'invalid' : i < 15 ? 'post' : i < 17 ? 'several' : i === 17 ? 'withDraft' : 'normal';
      const c = await makeCustomer(t.staff, { lastName: `Kunde ${i}`, email: kind === 'noEmail' ? null : `kunde${i}@example.de`, invoiceByPost: kind === 'post' });
      if (kind === 'invalid') await db.kysely.updateTable('customers').set({ email: i % 2 ? 'max@mustermann' : 'kaputt@' }).where('id', '=', c.id).execute();
      const invoices: number[] = [];
      for (let n = 0; n < (kind === 'several' ? 3 : 1); n++) invoices.push((await makeFinalInvoice(t.staff, c.id)).id);
      allDocumentIds.push(...invoices);
      if (kind === 'withDraft') allDocumentIds.push((await makeDocument(t.staff, c.id)).id);
      if (kind === 'noEmail' || kind === 'invalid' || kind === 'post') ineligible.add(c.id);
      else eligible.set(c.id, invoices);
      if (kind === 'post') byPost.add(c.id);
    }
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await sink?.close();
    await t?.close();
  });

  it('goes from selection through the incompleteness notice to exactly one e-mail per eligible customer', async () => {
    const created = await t.staff.post('/api/dispatches', { documentIds: allDocumentIds });
    expect(created.statusCode, created.body).toBe(201);
    const id: number = created.json().id;
    expect(created.json().recipients.total).toBe(50);

    const ineligibleView = await t.staff.get(`/api/dispatches/${id}/recipients?view=ineligible&pageSize=100`);
    const codes = new Map<number, string[]>(ineligibleView.json().items.map((r: { customerId: number; issues: { code: string }[] }) => [r.customerId, r.issues.map((i) => i.code)]));
    for (const c of ineligible) expect(codes.get(c)?.some((code) => ['emailMissing', 'emailInvalid', 'invoiceByPost'].includes(code))).toBe(true);

    // Senden without a template and with ineligible recipients: the Unvollständigkeitshinweis.
    const incomplete = await t.staff.post(`/api/dispatches/${id}/send`);
    expect(incomplete.statusCode).toBe(422);
    const problems: { code: string; meta?: { customerIds: number[] } }[] = incomplete.json().details;
    expect(problems.map((p) => p.code).sort()).toEqual(['dispatch.templateMissing', 'recipient.documentNotFinal', 'recipient.emailInvalid', 'recipient.emailMissing', 'recipient.invoiceByPost']);
    expect(problems.find((p) => p.code === 'recipient.emailMissing')?.meta?.customerIds).toHaveLength(6);
    expect(sink.received).toHaveLength(0);

    expect((await t.staff.patch(`/api/dispatches/${id}`, { templateId })).statusCode).toBe(200);
    const [previewCustomer, previewInvoices] = [...eligible.entries()][0] ?? [0, []];
    const preview = await t.staff.get(`/api/dispatches/${id}/preview?customerId=${previewCustomer}`);
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.json().subject).toMatch(/^Ihre Rechnung RE-/);
    expect(preview.json().attachments.map((a: { documentId: number }) => a.documentId).sort()).toEqual([...previewInvoices].sort());

    const removed = await t.staff.post(`/api/dispatches/${id}/recipients/remove-ineligible`);
    expect(removed.json().removedCustomerIds.sort()).toEqual([...ineligible].sort());
    expect(removed.json().excludedDocumentIds).toHaveLength(1);

    const sent = await t.staff.request({ method: 'POST', url: `/api/dispatches/${id}/send`, headers: { 'idempotency-key': 'senden-klick-0001' } });
    expect(sent.statusCode, sent.body).toBe(202);
    expect(sent.json().deliveries.total).toBe(eligible.size);
    const again = await t.staff.request({ method: 'POST', url: `/api/dispatches/${id}/send`, headers: { 'idempotency-key': 'senden-klick-0001' } });
    expect(again.statusCode).toBe(202);
    expect(again.json().replay).toBe(true);
    expect(again.json().deliveries.total).toBe(eligible.size);

    worker.wake();
    await until(async () => (await t.staff.get(`/api/dispatches/${id}`)).json().status === 'completed');
    const final = (await t.staff.get(`/api/dispatches/${id}`)).json();
    expect(final.deliveries).toMatchObject({ sent: eligible.size, failed: 0, uncertain: 0, queued: 0 });

    // Exactly one message per eligible customer, with exactly their archived PDFs, byte for byte.
    expect(sink.received).toHaveLength(eligible.size);
    const emailOf = new Map<string, number>();
    for (const [customerId] of eligible) emailOf.set(`kunde${(await t.testDb.db.kysely.selectFrom('customers').select('last_name').where('id', '=', customerId).executeTakeFirstOrThrow()).last_name?.replace('Kunde ', '')}@example.de`, customerId);
    const seen = new Set<number>();
    for (const message of sink.received) {
      expect(message.to).toHaveLength(1);
      const customerId = emailOf.get(message.to[0] ?? '');
      expect(customerId, `unexpected recipient ${message.to[0]}`).toBeDefined();
      if (customerId === undefined) continue;
      expect(seen.has(customerId)).toBe(false);
      seen.add(customerId);
      const parsed = await simpleParser(message.raw);
      const expected = eligible.get(customerId) ?? [];
      expect(parsed.attachments).toHaveLength(expected.length);
      const archived = await Promise.all(expected.map((docId) => databasePdfArchive.load(t.testDb.db.kysely, docId)));
      const want = archived.map((a) => a?.pdf.toString('base64')).sort();
      const got = parsed.attachments.map((a) => a.content.toString('base64')).sort();
      expect(got).toEqual(want);
      expect(parsed.text).toContain('anbei erhalten Sie');
    }
    expect(seen.size).toBe(eligible.size);

    // The documents know when and to whom they were sent.
    const firstDoc = [...eligible.values()][0]?.[0] ?? 0;
    const doc = (await t.staff.get(`/api/documents/${firstDoc}`)).json();
    expect(doc.lastSentAt).not.toBeNull();
    expect(doc.lastSentTo).toMatch(/@example\.de$/);

    const report = await t.staff.get(`/api/dispatches/${id}/report.csv`);
    expect(report.statusCode).toBe(200);
    const lines = report.body.trim().split('\r\n');
    expect(lines.length).toBe(1 + 50);
    expect(lines.filter((l) => l.includes(';sent;'))).toHaveLength(eligible.size);
    expect(lines.filter((l) => l.includes(';removed;'))).toHaveLength(ineligible.size);

    const print = await t.staff.get(`/api/dispatches/${id}/print`);
    expect(print.statusCode).toBe(200);
    expect(print.headers['content-type']).toBe('application/pdf');
    expect(print.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');

    const audit = await t.testDb.db.kysely.selectFrom('audit_log').select('action').where('entity', '=', 'dispatch').where('entity_id', '=', String(id)).execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['dispatch.create', 'dispatch.removeIneligible', 'dispatch.send']));
  }, 60_000);

  it('answers 409 to a second dispatch of a document that is being sent, and to a concurrent second send', async () => {
    const c = await makeCustomer(t.staff, { email: 'konflikt@example.de' });
    const invoice = await makeFinalInvoice(t.staff, c.id);
    await worker.stop();
    const a = (await t.staff.post('/api/dispatches', { documentIds: [invoice.id] })).json().id;
    await t.staff.patch(`/api/dispatches/${a}`, { templateId });
    // The same dispatch twice at once (different keys: two different clicks): one wins.
    const [first, second] = await Promise.all([
      t.staff.request({ method: 'POST', url: `/api/dispatches/${a}/send`, headers: { 'idempotency-key': 'klick-aaaaaaaa' } }),
      t.staff.request({ method: 'POST', url: `/api/dispatches/${a}/send`, headers: { 'idempotency-key': 'klick-bbbbbbbb' } }),
    ]);
    expect([first.statusCode, second.statusCode].sort()).toEqual([202, 409]);
    expect([first, second].find((r) => r.statusCode === 409)?.json().code).toBe('dispatch.alreadySent');
    // Another dispatch with the same document (a new draft: the first one is no draft any more):
    // 409 documentInActiveDispatch.
    const created = await t.staff.post('/api/dispatches', { documentIds: [invoice.id] });
    expect(created.statusCode).toBe(201);
    const b: number = created.json().id;
    await t.staff.patch(`/api/dispatches/${b}`, { templateId });
    const other = await t.staff.post(`/api/dispatches/${b}/send`);
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('dispatch.documentInActiveDispatch');
    // The database itself refuses a second active delivery of one document.
    const delivery = await t.testDb.db.kysely.selectFrom('delivery_documents').selectAll().where('document_id', '=', invoice.id).where('active', '=', 1).executeTakeFirstOrThrow();
    await expect(t.testDb.db.kysely.insertInto('delivery_documents').values({ ...delivery, delivery_id: delivery.delivery_id, dispatch_id: b, active: 1 }).execute()).rejects.toThrow();
    const cancelled = await t.staff.post(`/api/dispatches/${a}/cancel`);
    expect(cancelled.json().cancelled).toBe(1);
    // Once the first is cancelled, the document is free again.
    expect((await t.staff.post(`/api/dispatches/${b}/send`)).statusCode).toBe(202);
  });
});
