import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer, makeDocument, makeFinalInvoice } from './helpers/factories.ts';
import { addDays } from '../src/domain/document.ts';
import { PRACTICE_TIME_ZONE, todayIn } from '../src/domain/receivables.ts';

describe.each(testDialects)('payments on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  const paidCentsInDb = async (id: number) => {
    const row = await t.testDb.db.kysely.selectFrom('documents').select('paid_cents').where('id', '=', id).executeTakeFirstOrThrow();
    return Number(row.paid_cents);
  };

  it('books partial and full payments; the state follows the money, overdue after the due date', async () => {
    const customer = await makeCustomer(t.staff);
    // issued long ago, 14 days' terms: overdue today
    const invoice = await makeFinalInvoice(t.staff, customer.id, { issueDate: '2025-01-10', paymentTermsDays: 14 });
    const before = (await t.staff.get(`/api/documents/${invoice.id}/payments`)).json();
    expect(before.receivable).toMatchObject({ state: 'overdue', dueDate: '2025-01-24', openCents: invoice.grossCents, paidCents: 0 });
    expect(before.receivable.overdueDays).toBeGreaterThan(300);

    const part = await t.staff.post(`/api/documents/${invoice.id}/payments`, { paidOn: '2025-02-01', amountCents: 10_000, source: 'cash', reference: 'Barzahlung Empfang' });
    expect(part.statusCode, part.body).toBe(201);
    expect(part.json().payment).toMatchObject({ documentId: invoice.id, customerId: customer.id, amountCents: 10_000, source: 'cash', reference: 'Barzahlung Empfang', bankEntryId: null });
    expect(part.json().receivable).toMatchObject({ state: 'overdue', paidCents: 10_000, openCents: invoice.grossCents - 10_000 });

    const rest = await t.staff.post(`/api/documents/${invoice.id}/payments`, { paidOn: '2025-02-03', amountCents: invoice.grossCents - 10_000, source: 'card' });
    expect(rest.statusCode, rest.body).toBe(201);
    expect(rest.json().receivable).toMatchObject({ state: 'paid', openCents: 0, overdueDays: 0 });
    expect(await paidCentsInDb(invoice.id)).toBe(invoice.grossCents);

    const list = (await t.staff.get(`/api/documents/${invoice.id}/payments`)).json();
    expect(list.payments.map((p: { amountCents: number }) => p.amountCents)).toEqual([10_000, invoice.grossCents - 10_000]);
  });

  it('is partly paid before the due date', async () => {
    const customer = await makeCustomer(t.staff);
    const invoice = await makeFinalInvoice(t.staff, customer.id, { issueDate: '2099-01-10' });
    const response = await t.staff.post(`/api/documents/${invoice.id}/payments`, { paidOn: '2099-01-11', amountCents: 500 });
    expect(response.json().receivable).toMatchObject({ state: 'partlyPaid', openCents: invoice.grossCents - 500 });
    expect(response.json().payment.source).toBe('manual');
  });

  it('deletes a payment with an audit entry that says what was deleted', async () => {
    const customer = await makeCustomer(t.staff);
    const invoice = await makeFinalInvoice(t.staff, customer.id, { issueDate: '2099-01-10' });
    const payment = (await t.staff.post(`/api/documents/${invoice.id}/payments`, { paidOn: '2099-01-12', amountCents: invoice.grossCents, reference: 'Überweisung' })).json().payment;
    expect(await paidCentsInDb(invoice.id)).toBe(invoice.grossCents);
    const del = await t.staff.delete(`/api/payments/${payment.id}`);
    expect(del.statusCode, del.body).toBe(204);
    expect(await paidCentsInDb(invoice.id)).toBe(0);
    expect((await t.staff.get(`/api/documents/${invoice.id}/payments`)).json()).toMatchObject({ payments: [], receivable: { state: 'open' } });
    const entries = await t.testDb.db.kysely.selectFrom('audit_log').selectAll().where('action', '=', 'payment.delete').where('entity_id', '=', String(invoice.id)).execute();
    expect(entries).toHaveLength(1);
    expect(JSON.parse(entries[0]?.details ?? '{}')).toMatchObject({ paymentId: payment.id, amountCents: invoice.grossCents, paidOn: '2099-01-12', reference: 'Überweisung', source: 'manual' });
    expect((await t.staff.delete(`/api/payments/${payment.id}`)).statusCode).toBe(404);
  });

  it('refuses payments on drafts, quotes, zero and fractional amounts, and anonymous callers', async () => {
    const customer = await makeCustomer(t.staff);
    const draft = await makeDocument(t.staff, customer.id);
    const onDraft = await t.staff.post(`/api/documents/${draft.id}/payments`, { paidOn: '2026-11-01', amountCents: 100 });
    expect(onDraft.statusCode).toBe(409);
    expect(onDraft.json().code).toBe('payment.invoiceNotFinal');
    const quote = await makeFinalInvoice(t.staff, customer.id, { type: 'quote' });
    expect((await t.staff.post(`/api/documents/${quote.id}/payments`, { paidOn: '2026-11-01', amountCents: 100 })).json().code).toBe('payment.notInvoice');
    const invoice = await makeFinalInvoice(t.staff, customer.id);
    for (const body of [{ paidOn: '2026-11-01', amountCents: 0 }, { paidOn: '2026-11-01', amountCents: 10.5 }, { paidOn: '2026-02-30', amountCents: 100 }, { paidOn: '2026-11-01', amountCents: 100, source: 'cheque' }]) {
      const response = await t.staff.post(`/api/documents/${invoice.id}/payments`, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await t.anonymous.post(`/api/documents/${invoice.id}/payments`, { paidOn: '2026-11-01', amountCents: 100 })).statusCode).toBe(401);
    expect(await paidCentsInDb(invoice.id)).toBe(0);
  });

  it('offsets a credit note: a cancelled invoice is settled, a paid then cancelled one is a credit on the account', async () => {
    const customer = await makeCustomer(t.staff);
    const cancelledUnpaid = await makeFinalInvoice(t.staff, customer.id, { issueDate: '2025-03-01' });
    expect((await t.staff.post(`/api/documents/${cancelledUnpaid.id}/cancel`)).statusCode).toBe(200);
    expect((await t.staff.get(`/api/documents/${cancelledUnpaid.id}/payments`)).json().receivable).toMatchObject({
      state: 'cancelled', openCents: 0, creditedCents: -cancelledUnpaid.grossCents,
    });

    const paidThenCancelled = await makeFinalInvoice(t.staff, customer.id, { issueDate: '2025-03-02' });
    await t.staff.post(`/api/documents/${paidThenCancelled.id}/payments`, { paidOn: '2025-03-05', amountCents: paidThenCancelled.grossCents });
    await t.staff.post(`/api/documents/${paidThenCancelled.id}/cancel`);
    expect((await t.staff.get(`/api/documents/${paidThenCancelled.id}/payments`)).json().receivable).toMatchObject({ state: 'paid', overpaidCents: paidThenCancelled.grossCents });

    const open = await makeFinalInvoice(t.staff, customer.id, { issueDate: '2099-03-03' });
    const account = (await t.staff.get(`/api/customers/${customer.id}/account`)).json();
    expect(account.invoices.map((i: { documentId: number; state: string }) => [i.documentId, i.state])).toEqual([
      [open.id, 'open'],
      [paidThenCancelled.id, 'paid'],
      [cancelledUnpaid.id, 'cancelled'],
    ]);
    expect(account.payments).toHaveLength(1);
    // owes the open invoice, minus the refund due for the paid-then-cancelled one
    expect(account.balanceCents).toBe(open.grossCents - paidThenCancelled.grossCents);
    expect(account.openCents).toBe(open.grossCents);
    expect((await t.staff.get('/api/customers/999999/account')).statusCode).toBe(404);
  });

  it('filters Auswertungen by "offen" and "überfällig seit mehr als N Tagen" and shows what is open and when it is due', async () => {
    const customer = await makeCustomer(t.staff);
    // the server counts days where the practice is
    const today = todayIn(PRACTICE_TIME_ZONE);
    const daysAgo = (n: number) => addDays(today, -n);
    // 0 days' terms: due on the issue date
    const overdue40 = await makeFinalInvoice(t.staff, customer.id, { issueDate: daysAgo(40), paymentTermsDays: 0 });
    const overdue10 = await makeFinalInvoice(t.staff, customer.id, { issueDate: daysAgo(10), paymentTermsDays: 0 });
    const partly = await makeFinalInvoice(t.staff, customer.id, { issueDate: daysAgo(10), paymentTermsDays: 0 });
    await t.staff.post(`/api/documents/${partly.id}/payments`, { paidOn: today, amountCents: 1_000 });
    const paid = await makeFinalInvoice(t.staff, customer.id, { issueDate: daysAgo(40), paymentTermsDays: 0 });
    await t.staff.post(`/api/documents/${paid.id}/payments`, { paidOn: today, amountCents: paid.grossCents });
    const notDue = await makeFinalInvoice(t.staff, customer.id, { issueDate: today, paymentTermsDays: 14 });
    const draft = await makeDocument(t.staff, customer.id);

    const ids = async (query: string) => (await t.staff.get(`/api/documents?customerId=${customer.id}&sort=dueDate&order=asc&${query}`)).json().items.map((i: { id: number }) => i.id);
    expect(await ids('open=true')).toEqual([overdue40.id, overdue10.id, partly.id, notDue.id]);
    expect(await ids('open=false')).toEqual(expect.arrayContaining([paid.id, draft.id]));
    expect(await ids('overdueDays=0')).toEqual([overdue40.id, overdue10.id, partly.id]);
    expect(await ids('overdueDays=30')).toEqual([overdue40.id]);
    expect(await ids('overdueDays=40')).toEqual([]);

    const rows = (await t.staff.get(`/api/documents?customerId=${customer.id}`)).json().items;
    const row = (id: number) => rows.find((r: { id: number }) => r.id === id);
    expect(row(partly.id)).toMatchObject({ openCents: partly.grossCents - 1_000, dueDate: daysAgo(10) });
    expect(row(paid.id).openCents).toBe(0);
    expect(row(draft.id).openCents).toBeNull();
    expect((await t.staff.get('/api/documents?overdueDays=-1')).statusCode).toBe(400);
  });
});
