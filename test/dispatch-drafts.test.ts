import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatchPorts } from '../src/dispatch/adapters.ts';
import { startDispatchWorkerWith, type DispatchWorker } from '../src/dispatch/engine/worker.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer, makeFinalInvoice } from './helpers/factories.ts';
import { configureMail, createTemplate, startSink, TEST_SECRET, until, type Sink } from './dispatch-support.ts';

/**
 * Issue 13: no invoice is e-mailed twice by accident. A document is held by at most one open
 * draft (the database refuses a second), a second start opens the first draft, a draft can be
 * discarded, and documents sent before block Senden until a person removes them or chooses
 * "Erneut senden" — which then delivers exactly once more, recorded as such.
 */
describe.each(testDialects)('dispatch drafts and re-sends on %s', (dialect) => {
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

  const received = (address: string) => sink.received.filter((m) => m.to.includes(address));
  const sendAndWait = async (id: number) => {
    const sent = await t.staff.post(`/api/dispatches/${id}/send`);
    expect(sent.statusCode, sent.body).toBe(202);
    worker.wake();
    await until(async () => (await t.staff.get(`/api/dispatches/${id}`)).json().status === 'completed');
  };

  it('opens the existing draft for documents it holds, merges the new selection in, and never holds a document twice', async () => {
    const a = await makeCustomer(t.staff, { email: 'merge-a@example.de' });
    const b = await makeCustomer(t.staff, { email: 'merge-b@example.de' });
    const ia = await makeFinalInvoice(t.staff, a.id);
    const ib = await makeFinalInvoice(t.staff, b.id);

    const first = await t.staff.post('/api/dispatches', { documentIds: [ia.id] });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().existing).toBe(false);
    const id: number = first.json().id;
    // The back button and the same click again, with one more invoice selected.
    const second = await t.staff.post('/api/dispatches', { documentIds: [ia.id, ib.id] });
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json()).toMatchObject({ id, existing: true, added: 1, heldByOtherDrafts: [] });
    expect(second.json().recipients.total).toBe(2);
    // A filter that matches the same documents lands in the same draft too.
    const third = await t.staff.post('/api/dispatches', { filter: { customerId: a.id } });
    expect(third.statusCode, third.body).toBe(200);
    expect(third.json()).toMatchObject({ id, existing: true, added: 0 });

    // Removed earlier, selected again: the recipient comes back.
    await t.staff.post(`/api/dispatches/${id}/recipients/remove`, { customerIds: [b.id] });
    expect((await t.staff.post('/api/dispatches', { documentIds: [ib.id] })).json()).toMatchObject({ id, existing: true, recipients: { active: 2 } });

    // The database itself refuses a second open draft holding the same document.
    const k = t.testDb.db.kysely;
    await expect(k.insertInto('dispatch_draft_documents').values({ document_id: ia.id, dispatch_id: id }).execute()).rejects.toThrow();

    // Two starts at the same moment (a double click): one draft, every time.
    for (let round = 0; round < 4; round++) {
      const c = await makeCustomer(t.staff, { email: `race${round}@example.de` });
      const ic = await makeFinalInvoice(t.staff, c.id);
      const both = await Promise.all([t.staff.post('/api/dispatches', { documentIds: [ic.id] }), t.staff.post('/api/dispatches', { documentIds: [ic.id] })]);
      expect(both.map((r) => r.statusCode).sort(), both.map((r) => r.body).join(' | ')).toEqual([200, 201]);
      expect(new Set(both.map((r) => r.json().id)).size).toBe(1);
    }
  });

  it('discards a draft (Verwerfen) and frees its documents; drafts are listed apart from sent jobs without a start time', async () => {
    const c = await makeCustomer(t.staff, { email: 'discard@example.de' });
    const invoice = await makeFinalInvoice(t.staff, c.id);
    const id: number = (await t.staff.post('/api/dispatches', { documentIds: [invoice.id] })).json().id;
    const draft = (await t.staff.get(`/api/dispatches/${id}`)).json();
    expect(draft).toMatchObject({ status: 'draft', sendRequestedAt: null, stale: false });

    const drafts = (await t.staff.get('/api/dispatches?kind=drafts&pageSize=100')).json();
    expect(drafts.items.every((d: { status: string }) => d.status === 'draft')).toBe(true);
    expect(drafts.items.map((d: { id: number }) => d.id)).toContain(id);
    expect(drafts.staleDays).toBe(30);
    expect((await t.staff.get('/api/dispatches?kind=sent&pageSize=100')).json().items.map((d: { id: number }) => d.id)).not.toContain(id);

    // An old draft is stale.
    await t.testDb.db.kysely.updateTable('dispatches').set({ created_at: new Date(Date.now() - 31 * 86_400_000).toISOString() }).where('id', '=', id).execute();
    const listed = (await t.staff.get('/api/dispatches?kind=drafts&pageSize=100')).json();
    expect(listed.items.find((d: { id: number }) => d.id === id).stale).toBe(true);
    expect(listed.staleDrafts).toBeGreaterThanOrEqual(1);

    const discarded = await t.staff.delete(`/api/dispatches/${id}`);
    expect(discarded.statusCode, discarded.body).toBe(200);
    expect(discarded.json()).toMatchObject({ discarded: true, documents: 1 });
    expect((await t.staff.get(`/api/dispatches/${id}`)).statusCode).toBe(404);
    // Free again: a new draft, not the discarded one.
    const again = await t.staff.post('/api/dispatches', { documentIds: [invoice.id] });
    expect(again.statusCode).toBe(201);
    expect(again.json().id).not.toBe(id);
    const audit = await t.testDb.db.kysely.selectFrom('audit_log').select('action').where('entity', '=', 'dispatch').where('entity_id', '=', String(id)).execute();
    expect(audit.map((a) => a.action)).toContain('dispatch.discard');

    // Only a draft can be discarded.
    await t.staff.patch(`/api/dispatches/${again.json().id}`, { templateId });
    await sendAndWait(again.json().id);
    const late = await t.staff.delete(`/api/dispatches/${again.json().id}`);
    expect(late.statusCode).toBe(409);
    expect((await t.staff.get('/api/dispatches?kind=sent&pageSize=100')).json().items.map((d: { id: number }) => d.id)).toContain(again.json().id);
  });

  it('blocks already sent documents until removed or re-sent; a re-send delivers exactly once more and is recorded as such', async () => {
    const fresh = await makeCustomer(t.staff, { email: 'fresh@example.de' });
    const twice = await makeCustomer(t.staff, { email: 'twice@example.de' });
    const dropped = await makeCustomer(t.staff, { email: 'dropped@example.de' });
    const noMail = await makeCustomer(t.staff, { email: null });
    const iTwice = await makeFinalInvoice(t.staff, twice.id);
    const iDropped = await makeFinalInvoice(t.staff, dropped.id);
    const first = (await t.staff.post('/api/dispatches', { documentIds: [iTwice.id, iDropped.id] })).json().id;
    await t.staff.patch(`/api/dispatches/${first}`, { templateId });
    await sendAndWait(first);
    expect(received('twice@example.de')).toHaveLength(1);
    expect(received('dropped@example.de')).toHaveLength(1);

    // The same invoices again (the sent dispatch holds nothing any more: a new draft).
    const iFresh = await makeFinalInvoice(t.staff, fresh.id);
    const iNoMail = await makeFinalInvoice(t.staff, noMail.id);
    const created = await t.staff.post('/api/dispatches', { documentIds: [iFresh.id, iTwice.id, iDropped.id, iNoMail.id] });
    expect(created.statusCode).toBe(201);
    const id: number = created.json().id;
    await t.staff.patch(`/api/dispatches/${id}`, { templateId });
    const recipients = (await t.staff.get(`/api/dispatches/${id}/recipients?view=ineligible`)).json().items;
    const issueOf = (customerId: number) => recipients.find((r: { customerId: number }) => r.customerId === customerId)?.issues.find((i: { code: string }) => i.code === 'alreadySent');
    // Date, address and which Versandauftrag.
    expect(issueOf(twice.id)).toMatchObject({ severity: 'blocking', documentIds: [iTwice.id], meta: { resend: false, sent: [{ documentId: iTwice.id, to: 'twice@example.de', dispatchId: first }] } });
    expect(issueOf(twice.id).meta.sent[0].at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await t.staff.get(`/api/dispatches/${id}`)).json().blockedRecipients).toBe(3);

    const blocked = await t.staff.post(`/api/dispatches/${id}/send`);
    expect(blocked.statusCode).toBe(422);
    expect(blocked.json().code).toBe('dispatch.incomplete');
    const alreadySent = blocked.json().details.find((p: { code: string }) => p.code === 'recipient.alreadySent');
    expect(alreadySent.meta.customerIds.sort()).toEqual([twice.id, dropped.id].sort());

    // "Erneut senden" for one of them (audited); the other still blocks.
    const resend = await t.staff.post(`/api/dispatches/${id}/recipients/resend`, { customerIds: [twice.id] });
    expect(resend.statusCode, resend.body).toBe(200);
    expect(resend.json().changed).toBe(1);
    const after = (await t.staff.post(`/api/dispatches/${id}/send`)).json();
    expect(after.details.find((p: { code: string }) => p.code === 'recipient.alreadySent').meta.customerIds).toEqual([dropped.id]);

    // "Alle nicht versandfähigen entfernen" takes the rest out and names reasons and counts.
    const removed = await t.staff.post(`/api/dispatches/${id}/recipients/remove-ineligible`);
    expect(removed.statusCode).toBe(200);
    expect(removed.json().reasons).toEqual({ emailMissing: 1, alreadySent: 1 });
    expect(removed.json().removedCustomerIds.sort()).toEqual([noMail.id, dropped.id].sort());

    await sendAndWait(id);
    // Exactly once more for the chosen recipient, never for the removed one, once for the new one.
    expect(received('twice@example.de')).toHaveLength(2);
    expect(received('dropped@example.de')).toHaveLength(1);
    expect(received('fresh@example.de')).toHaveLength(1);
    const [, again] = received('twice@example.de');
    const parsed = await simpleParser(again?.raw ?? Buffer.alloc(0));
    expect(parsed.attachments).toHaveLength(1);

    const report = (await t.staff.get(`/api/dispatches/${id}/report.csv`)).body.trim().split('\r\n');
    expect(report[0]).toContain('Hinweis');
    expect(report.find((l) => l.includes('twice@example.de'))).toMatch(/;sent;.*;erneut gesendet$/);
    expect(report.find((l) => l.includes('fresh@example.de'))).toMatch(/;sent;.*;$/);

    const sends = (await t.staff.get(`/api/documents/${iTwice.id}/sends`)).json();
    const list: { dispatchId: number; resend: boolean; state: string }[] = Array.isArray(sends) ? sends : sends.items;
    expect(list.map((s) => [s.dispatchId, s.state, s.resend])).toEqual([
      [id, 'sent', true],
      [first, 'sent', false],
    ]);
    const audit = await t.testDb.db.kysely.selectFrom('audit_log').select(['action', 'details']).where('entity', '=', 'dispatch').where('entity_id', '=', String(id)).execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['dispatch.resend', 'dispatch.send']));
  }, 60_000);
});
