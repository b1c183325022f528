import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer, makeFinalInvoice } from './helpers/factories.ts';

const fixture = (name: string): Buffer => readFileSync(join(import.meta.dirname, 'fixtures', 'bank', name));

function upload(client: Client, body: Buffer | string, query = '', contentType = 'application/xml') {
  return client.request({ method: 'POST', url: `/api/bank/statements${query}`, payload: body, headers: { 'content-type': contentType } });
}

/** One invoice per customer, net prices chosen so that every gross differs (19 % VAT). */
const INVOICES = [
  { firstName: 'Erika', lastName: 'Müller', net: 10_000 }, // RE-2026-00001: 119,00
  { firstName: 'Hans', lastName: 'Schmidt', net: 20_000 }, // 00002: 238,00
  { companyName: 'Praxis Dr. Weber GmbH', lastName: 'Weber', net: 30_000 }, // 00003: 357,00
  { companyName: 'Praxis Dr. Weber GmbH', lastName: 'Weber', net: 40_000, sameCustomerAs: 2 }, // 00004: 476,00
  { firstName: 'Klaus', lastName: 'Becker', net: 50_000 }, // 00005: 595,00
  { firstName: 'Anna', lastName: 'Fischer', net: 60_000 }, // 00006: 714,00
  { firstName: 'Jürgen', lastName: 'Groß', net: 12_345 }, // 00007: 146,91
  { firstName: 'Sabine', lastName: 'Köhler', net: 8_000 }, // 00008: 95,20
];

describe.each(testDialects)('bank statement import on %s', (dialect) => {
  let t: TestApp;
  const invoices: { id: number; number: string; grossCents: number }[] = [];
  beforeAll(async () => {
    t = await createTestApp(dialect);
    const customers: number[] = [];
    for (const spec of INVOICES) {
      const customerId = spec.sameCustomerAs !== undefined ? (customers[spec.sameCustomerAs] ?? 0) : (await makeCustomer(t.staff, { firstName: spec.firstName ?? null, lastName: spec.lastName, companyName: spec.companyName ?? null })).id;
      customers.push(customerId);
      const invoice = await makeFinalInvoice(t.staff, customerId, { issueDate: '2026-11-20', lines: [{ description: 'Leistung', quantity: 1, unit: 'Stk', unitPriceCents: spec.net, vatRate: 19 }] });
      invoices.push(invoice);
    }
    expect(invoices.map((i) => i.number)).toEqual(INVOICES.map((_, i) => `RE-2026-0000${i + 1}`));
    expect(invoices.map((i) => i.grossCents)).toEqual([11_900, 23_800, 35_700, 47_600, 59_500, 71_400, 14_691, 9_520]);
  });
  afterAll(async () => {
    await t?.close();
  });

  const state = async (index: number) => (await t.staff.get(`/api/documents/${invoices[index]?.id}/payments`)).json().receivable;
  const paymentCount = async () => Number((await t.testDb.db.kysely.selectFrom('payments').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  it('books clear credits (number, partial, two invoices, amount and name) and sends the rest to the review list', async () => {
    const response = await upload(t.staff, fixture('camt053-sparkasse.xml'), '?fileName=auszug-147.xml');
    expect(response.statusCode, response.body).toBe(200);
    const report = response.json();
    expect(report).toMatchObject({ format: 'camt053', alreadyImported: false, accountIban: 'DE89370400440532013000', entries: 7, duplicates: 0, booked: 4, review: 2, ignored: 1, pending: 1 });
    expect(report.payments.map((p: { number: string; amountCents: number }) => [p.number, p.amountCents])).toEqual([
      ['RE-2026-00001', 11_900],
      ['RE-2026-00002', 10_000],
      ['RE-2026-00003', 35_700],
      ['RE-2026-00004', 47_600],
      ['RE-2026-00006', 71_400],
    ]);
    expect(await state(0)).toMatchObject({ state: 'paid', openCents: 0 });
    expect(await state(1)).toMatchObject({ state: 'partlyPaid', paidCents: 10_000, openCents: 13_800 });
    expect(await state(2)).toMatchObject({ state: 'paid' });
    expect(await state(3)).toMatchObject({ state: 'paid' });
    expect(await state(4)).toMatchObject({ state: 'open', paidCents: 0 });
    expect(await state(5)).toMatchObject({ state: 'paid' });
    const payments = (await t.staff.get(`/api/documents/${invoices[0]?.id}/payments`)).json().payments;
    expect(payments).toEqual([expect.objectContaining({ source: 'bank', paidOn: '2026-11-26', amountCents: 11_900, reference: 'RE-2026-00001 Kd-Nr. 10001' })]);
  });

  it('books nothing twice when the same statement is imported again', async () => {
    const before = await paymentCount();
    const response = await upload(t.staff, fixture('camt053-sparkasse.xml'));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ alreadyImported: true, entries: 7, duplicates: 7, booked: 0, review: 0, ignored: 0 });
    expect(await paymentCount()).toBe(before);
    // the same entries under another statement id (an overlapping export) are duplicates too
    const renamed = fixture('camt053-sparkasse.xml').toString('utf8').replace('<Id>2026-11-27-0147</Id>', '<Id>2026-11-27-RE-EXPORT</Id>');
    expect((await upload(t.staff, renamed)).json()).toMatchObject({ alreadyImported: false, duplicates: 7, booked: 0 });
    expect(await paymentCount()).toBe(before);
  });

  it('reads camt.053.001.08 with a prefix, splits a batch credit and sees what is still open', async () => {
    const response = await upload(t.staff, fixture('camt053-v08-batch.xml'));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ entries: 2, booked: 2, review: 0, accountIban: 'DE89370400440532013000' });
    expect(await state(6)).toMatchObject({ state: 'paid' });
    // the rest of the partial payment
    expect(await state(1)).toMatchObject({ state: 'paid', paidCents: 23_800 });
    expect((await upload(t.staff, fixture('camt053-v08-batch.xml'))).json()).toMatchObject({ duplicates: 2, booked: 0 });
  });

  it('lets the user confirm or reject what is unclear, once', async () => {
    const review = (await t.staff.get('/api/bank/entries?status=review')).json().items;
    expect(review.map((e: { counterpartyName: string; matchCode: string }) => [e.counterpartyName, e.matchCode])).toEqual([
      ['Klaus Becker', 'bank.match.overpayment'],
      ['Max Mustermann', 'bank.match.none'],
    ]);
    const [over, unknown] = review;
    expect(over.proposal).toEqual([{ documentId: invoices[4]?.id, amountCents: 60_000 }]);
    expect(over.candidates).toEqual([expect.objectContaining({ documentId: invoices[4]?.id, number: 'RE-2026-00005', customerName: 'Klaus Becker', openCents: 59_500 })]);

    const wrongSum = await t.staff.post(`/api/bank/entries/${over.id}/confirm`, { allocations: [{ documentId: invoices[4]?.id, amountCents: 59_500 }] });
    expect(wrongSum.statusCode).toBe(400);
    expect(wrongSum.json()).toMatchObject({ code: 'bank.allocationSum', field: 'allocations' });

    const confirmed = await t.staff.post(`/api/bank/entries/${over.id}/confirm`, { allocations: over.proposal });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json()).toMatchObject({ status: 'booked' });
    expect(await state(4)).toMatchObject({ state: 'paid', overpaidCents: 500 });
    const again = await t.staff.post(`/api/bank/entries/${over.id}/confirm`, { allocations: over.proposal });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('bank.entryNotInReview');

    expect((await t.staff.post(`/api/bank/entries/${unknown.id}/reject`)).json()).toMatchObject({ status: 'rejected' });
    expect((await t.staff.get('/api/bank/entries?status=review')).json().items).toEqual([]);
  });

  it('sends a deleted bank payment back to the review list; a re-import still books nothing', async () => {
    const payments = (await t.staff.get(`/api/documents/${invoices[5]?.id}/payments`)).json().payments;
    expect((await t.staff.delete(`/api/payments/${payments[0].id}`)).statusCode).toBe(204);
    const review = (await t.staff.get('/api/bank/entries?status=review')).json().items;
    expect(review).toEqual([expect.objectContaining({ amountCents: 71_400, matchCode: 'bank.match.paymentDeleted' })]);
    expect((await upload(t.staff, fixture('camt053-sparkasse.xml'))).json()).toMatchObject({ booked: 0, duplicates: 7 });
    expect(await state(5)).toMatchObject({ state: 'open', paidCents: 0 });
    expect((await t.staff.post(`/api/bank/entries/${review[0].id}/confirm`, { allocations: [{ documentId: invoices[5]?.id, amountCents: 71_400 }] })).statusCode).toBe(200);
    expect(await state(5)).toMatchObject({ state: 'paid' });
  });

  it('reads a Sparkasse CSV in Windows-1252 and a CSV with a column mapping', async () => {
    const response = await upload(t.staff, fixture('sparkasse.csv'), '', 'text/csv');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ format: 'csv', entries: 2, booked: 1, ignored: 1, fromDate: '2026-11-27' });
    expect(await state(7)).toMatchObject({ state: 'paid' });
    const entries = (await t.staff.get(`/api/bank/entries?statementId=${response.json().statementId}`)).json().items;
    expect(entries.map((e: { counterpartyName: string; status: string }) => [e.counterpartyName, e.status])).toEqual([
      ['Köhler, Sabine', 'booked'],
      ['Bürobedarf Müller', 'ignored'],
    ]);
    expect((await upload(t.staff, fixture('sparkasse.csv'), '', 'text/csv')).json()).toMatchObject({ alreadyImported: true, duplicates: 2, booked: 0 });

    const customer = await makeCustomer(t.staff, { firstName: 'Lena', lastName: 'Vogel' });
    const invoice = await makeFinalInvoice(t.staff, customer.id, { issueDate: '2026-11-20', lines: [{ description: 'Leistung', quantity: 1, unit: 'Stk', unitPriceCents: 1_000, vatRate: 19 }] });
    const csv = `Wann,Wer,Wofür,Wieviel\n2026-11-27,Lena Vogel,Danke für ${invoice.number},11.90\n`;
    const mapped = await upload(t.staff, csv, '?format=csv&dateColumn=Wann&nameColumn=Wer&textColumn=Wof%C3%BCr&amountColumn=Wieviel', 'text/csv');
    expect(mapped.statusCode, mapped.body).toBe(200);
    expect(mapped.json()).toMatchObject({ booked: 1, payments: [{ documentId: invoice.id, amountCents: 1_190 }] });
  });

  it('books nothing twice when the same statement arrives twice at the same time, or a review is confirmed twice at once', async () => {
    const customer = await makeCustomer(t.staff, { firstName: 'Paula', lastName: 'Zeitgleich' });
    const invoice = await makeFinalInvoice(t.staff, customer.id, { issueDate: '2026-11-20', lines: [{ description: 'Leistung', quantity: 1, unit: 'Stk', unitPriceCents: 2_000, vatRate: 19 }] });
    const before = await paymentCount();
    const csv = `Buchungstag;Betrag;Verwendungszweck;Name\n27.11.2026;23,80;${invoice.number};Paula Zeitgleich\n27.11.2026;7,00;Trinkgeld;Paula Zeitgleich\n`;
    const results = await Promise.all([upload(t.staff, csv, '', 'text/csv'), upload(t.staff, csv, '', 'text/csv')]);
    expect(results.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(results.map((r) => r.json().booked).sort()).toEqual([0, 1]);
    expect(await paymentCount()).toBe(before + 1);
    expect((await t.staff.get(`/api/documents/${invoice.id}/payments`)).json().receivable).toMatchObject({ state: 'paid', paidCents: 2_380 });

    // the 7,00 € tip is in review (name only): two confirms at once book it once
    const tip = (await t.staff.get('/api/bank/entries?status=review')).json().items.find((e: { amountCents: number }) => e.amountCents === 700);
    expect(tip).toBeDefined();
    const other = await makeFinalInvoice(t.staff, customer.id, { issueDate: '2026-11-20', lines: [{ description: 'Leistung', quantity: 1, unit: 'Stk', unitPriceCents: 5_000, vatRate: 19 }] });
    const body = { allocations: [{ documentId: other.id, amountCents: 700 }] };
    const confirms = await Promise.all([t.staff.post(`/api/bank/entries/${tip.id}/confirm`, body), t.staff.post(`/api/bank/entries/${tip.id}/confirm`, body)]);
    expect(confirms.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect((await t.staff.get(`/api/documents/${other.id}/payments`)).json().payments).toHaveLength(1);
  });

  it('keeps paid_cents equal to the sum of the payments', async () => {
    const rows = await t.testDb.db.kysely
      .selectFrom('documents as d')
      .select(['d.id', 'd.paid_cents', (eb) => eb.selectFrom('payments as p').whereRef('p.document_id', '=', 'd.id').select((e) => e.fn.coalesce(e.fn.sum<number>('p.amount_cents'), e.lit(0)).as('s')).as('sum')])
      .execute();
    for (const r of rows) expect(Number(r.paid_cents), `document ${r.id}`).toBe(Number(r.sum ?? 0));
  });

  it('says what is wrong with a bad file, and where', async () => {
    const malformed = await upload(t.staff, '<?xml version="1.0"?>\n<Document>\n  <BkToCstmrStmt>\n    <Stmt></BkToCstmrStmt>\n</Document>\n');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ code: 'bank.xmlMalformed', row: 4 });

    const badAmount = fixture('camt053-sparkasse.xml').toString('utf8').replace('<Amt Ccy="EUR">100.00</Amt>', '<Amt Ccy="EUR">100,00</Amt>');
    const amount = await upload(t.staff, badAmount);
    expect(amount.statusCode).toBe(400);
    expect(amount.json()).toMatchObject({ code: 'bank.entryAmount', field: 'Stmt[1]/Ntry[2]/Amt' });
    // the line of the second <Ntry> (1-based)
    const ntryLines = badAmount.split('\n').flatMap((l, i) => (l.trim() === '<Ntry>' ? [i + 1] : []));
    expect(amount.json().row).toBe(ntryLines[1]);

    const notCamt = await upload(t.staff, '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>');
    expect(notCamt.json()).toMatchObject({ code: 'bank.notCamt053' });

    const doctype = await upload(t.staff, '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<Document/>');
    expect(doctype.json()).toMatchObject({ code: 'bank.xmlDoctype', row: 2 });

    const badDate = await upload(t.staff, 'Buchungstag;Betrag;Verwendungszweck\n27.11.2026;10,00;ok\n31.02.2026;5,00;kaputt\n', '', 'text/csv');
    expect(badDate.statusCode).toBe(400);
    expect(badDate.json()).toMatchObject({ code: 'bank.csvDate', row: 3 });
    expect(badDate.json().message).toContain('31.02.2026');

    const noHeader = await upload(t.staff, 'a;b;c\n1;2;3\n', '', 'text/csv');
    expect(noHeader.json()).toMatchObject({ code: 'bank.csvHeaderMissing' });
    const unknownColumn = await upload(t.staff, 'Buchungstag;Betrag\n27.11.2026;1,00\n', '?format=csv&nameColumn=Kunde', 'text/csv');
    expect(unknownColumn.json()).toMatchObject({ code: 'bank.csvColumnMissing' });
    expect((await upload(t.staff, '', '', 'text/csv')).statusCode).toBe(400);
    expect((await upload(t.anonymous, fixture('camt053-sparkasse.xml'))).statusCode).toBe(401);
  });
});
