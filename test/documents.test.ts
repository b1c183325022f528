import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { invoiceLines, makeCustomer, makeDocument, makeFinalInvoice } from './helpers/factories.ts';

describe.each(testDialects)('documents on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    const company = await t.admin.put('/api/company', {
      name: 'Hörakustik Klangwerk GmbH', street: 'Schildergasse 12', postcode: '50667', city: 'Köln', taxNumber: '214/5723/0815', iban: 'DE89 3704 0044 0532 0130 00', paymentTermsDays: 10,
    });
    expect(company.statusCode, company.body).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates a draft with totals rounded per VAT rate and a due date from the payment terms', async () => {
    const customer = await makeCustomer(t.staff);
    const doc = await makeDocument(t.staff, customer.id);
    const full = (await t.staff.get(`/api/documents/${doc.id}`)).json();
    // 1899,00 + 97,50 (0 %) + 39,80 net; VAT 19 % of 1899,00 = 360,81; 7 % of 39,80 = 2,786 → 2,79
    expect(full).toMatchObject({ status: 'draft', number: null, netCents: 189_900 + 9_750 + 3_980, vatCents: 36_081 + 279, dueDate: '2026-11-12' });
    expect(full.lines[1]).toMatchObject({ quantity: 1.5, netCents: 9_750, exemptionReason: 'Steuerfrei nach § 4 Nr. 14 a UStG' });
  });

  it('refuses a 0 % line without exemption reason, pointing at the line', async () => {
    const customer = await makeCustomer(t.staff);
    const response = await t.staff.post('/api/documents', { type: 'invoice', customerId: customer.id, lines: [invoiceLines[0], { ...invoiceLines[1], exemptionReason: null }] });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'document.exemptionReasonMissing', field: 'lines[1].exemptionReason' });
    const count = await t.testDb.db.kysely.selectFrom('documents').select((eb) => eb.fn.countAll<number>().as('n')).where('customer_id', '=', customer.id).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('finalises with the next number, then refuses every change (GoBD)', async () => {
    const customer = await makeCustomer(t.staff);
    const final = await makeFinalInvoice(t.staff, customer.id);
    expect(final.status).toBe('final');
    expect(final.number).toMatch(/^RE-2026-\d{5}$/);
    const patch = await t.staff.patch(`/api/documents/${final.id}`, { introText: 'geändert' });
    expect(patch.statusCode).toBe(409);
    expect(patch.json().code).toBe('document.notDraft');
    expect((await t.staff.post(`/api/documents/${final.id}/finalize`)).statusCode).toBe(409);
    expect((await t.staff.delete(`/api/documents/${final.id}`)).statusCode).toBe(409);
    // a customer with final documents stays
    const del = await t.staff.delete(`/api/customers/${customer.id}`);
    expect(del.statusCode).toBe(409);
    expect(del.json().code).toBe('customer.hasFinalDocuments');
  });

  it('cancels an invoice with a numbered credit note that references it', async () => {
    const customer = await makeCustomer(t.staff);
    const final = await makeFinalInvoice(t.staff, customer.id);
    const response = await t.staff.post(`/api/documents/${final.id}/cancel`);
    expect(response.statusCode, response.body).toBe(200);
    const { invoice, creditNote } = response.json();
    expect(invoice.status).toBe('cancelled');
    expect(invoice.cancelledByDocumentId).toBe(creditNote.id);
    expect(creditNote).toMatchObject({ type: 'creditNote', status: 'final', cancelsDocumentId: final.id, grossCents: -final.grossCents });
    expect(creditNote.number).toMatch(/^GS-\d{4}-\d{5}$/);
    expect((await t.staff.post(`/api/documents/${final.id}/cancel`)).statusCode).toBe(409);
  });

  it('assigns gap-free numbers under concurrent finalisation', async () => {
    const customer = await makeCustomer(t.staff);
    const drafts = await Promise.all(Array.from({ length: 20 }, () => makeDocument(t.staff, customer.id, { type: 'quote', issueDate: '2027-01-05' })));
    const results = await Promise.all(drafts.map((d) => t.staff.post(`/api/documents/${d.id}/finalize`, { confirmIssueDate: true })));
    expect(results.map((r) => r.statusCode)).toEqual(drafts.map(() => 200));
    const numbers = results.map((r) => r.json().number as string).sort();
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => `AN-2027-${String(i + 1).padStart(5, '0')}`));
  });

  it('lists with filters, free text, paging and a total', async () => {
    const customer = await makeCustomer(t.staff, { lastName: 'Zwetschgenbaum' });
    const a = await makeFinalInvoice(t.staff, customer.id, { issueDate: '2026-03-01' });
    await makeDocument(t.staff, customer.id, { issueDate: '2026-03-02' });
    const byName = (await t.staff.get('/api/documents?q=zwetschgen&status=final')).json();
    expect(byName.total).toBe(1);
    expect(byName.items[0]).toMatchObject({ id: a.id, customerName: expect.stringContaining('Zwetschgenbaum'), invoiceByPost: false });
    const byNumber = (await t.staff.get(`/api/documents?q=${a.number}`)).json();
    expect(byNumber.items.map((i: { id: number }) => i.id)).toEqual([a.id]);
    const range = (await t.staff.get(`/api/documents?customerId=${customer.id}&dateFrom=2026-03-02&dateTo=2026-03-31`)).json();
    expect(range.total).toBe(1);
    const unsent = (await t.staff.get(`/api/documents?customerId=${customer.id}&sent=false&type=invoice,quote`)).json();
    expect(unsent.total).toBe(2);
    const amount = (await t.staff.get(`/api/documents?customerId=${customer.id}&amountMinCents=${a.grossCents + 1}`)).json();
    expect(amount.total).toBe(0);
    const paged = (await t.staff.get(`/api/documents?pageSize=1&page=2&sort=number&order=asc`)).json();
    expect(paged.items).toHaveLength(1);
    expect(paged.total).toBeGreaterThan(2);
    const bad = await t.staff.get('/api/documents?type=bill');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('type.0');
  });

  it('validates company data (tax id, IBAN, number patterns)', async () => {
    const base = { name: 'X', street: 'Y 1', postcode: '12345', city: 'Z' };
    expect((await t.admin.put('/api/company', base)).json().code).toBe('company.taxIdMissing');
    expect((await t.admin.put('/api/company', { ...base, vatId: 'DE1', iban: 'DE89370400440532013001' })).json()).toMatchObject({ code: 'company.ibanInvalid', field: 'iban' });
    expect((await t.admin.put('/api/company', { ...base, vatId: 'DE1', invoiceNumberPattern: 'RE-{YYYY}' })).json()).toMatchObject({ code: 'company.numberPatternInvalid', field: 'invoiceNumberPattern' });
  });
});
