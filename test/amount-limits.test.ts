import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_QUANTITY, MAX_TOTAL_CENTS, MAX_UNIT_PRICE_CENTS } from '../src/domain/amount-limits.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer, makeDocument } from './helpers/factories.ts';

/** Issue 15, item 11: huge amounts answered 500 or stored totals that were no longer exact. */
describe.each(testDialects)('amount limits on %s', (dialect) => {
  let t: TestApp;
  let customerId = 0;
  const line = { description: 'Anlage', quantity: 1, unit: 'Stk', unitPriceCents: 100, vatRate: 19 };
  const create = (lines: unknown[]) => t.staff.post('/api/documents', { type: 'invoice', customerId, lines });

  beforeAll(async () => {
    t = await createTestApp(dialect);
    customerId = (await makeCustomer(t.staff)).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a unit price or quantity beyond the limit is a field error, not a server error', async () => {
    // 9 · 10^15 cents is a safe integer, but twice that is not: this answered 500 before.
    const price = await create([{ ...line, quantity: 2, unitPriceCents: 9_000_000_000_000_000 }]);
    expect(price.statusCode, price.body).toBe(400);
    expect(price.json()).toMatchObject({ code: 'document.unitPriceTooLarge', field: 'lines.0.unitPriceCents', meta: { max: MAX_UNIT_PRICE_CENTS } });
    const negative = await create([{ ...line, unitPriceCents: -MAX_UNIT_PRICE_CENTS - 1 }]);
    expect(negative.json()).toMatchObject({ code: 'document.unitPriceTooLarge', field: 'lines.0.unitPriceCents' });
    const quantity = await create([{ ...line, quantity: 1e18 }]);
    expect(quantity.json()).toMatchObject({ code: 'document.quantityTooLarge', field: 'lines.0.quantity', meta: { max: MAX_QUANTITY } });
  });

  it("a line's net and the document's total stay within the limit", async () => {
    const lineTotal = await create([{ ...line, quantity: MAX_QUANTITY, unitPriceCents: MAX_UNIT_PRICE_CENTS }]);
    expect(lineTotal.statusCode).toBe(400);
    expect(lineTotal.json()).toMatchObject({ code: 'document.lineTotalTooLarge', field: 'lines.0.unitPriceCents' });
    // 1,000 lines of 10 Mio. € each: every line is fine, the sum is not (it was stored, inexact, before).
    const many = await create(Array.from({ length: 1000 }, () => ({ ...line, unitPriceCents: MAX_UNIT_PRICE_CENTS })));
    expect(many.statusCode).toBe(400);
    expect(many.json()).toMatchObject({ code: 'document.totalTooLarge', field: 'lines', meta: { maxCents: MAX_TOTAL_CENTS } });
    const draft = await makeDocument(t.staff, customerId);
    const patch = await t.staff.patch(`/api/documents/${draft.id}`, { lines: [{ ...line, quantity: 100_000, unitPriceCents: 9_000_000 }] });
    expect(patch.json()).toMatchObject({ code: 'document.lineTotalTooLarge', field: 'lines.0.unitPriceCents' });
  });

  it('a document just inside the limits is stored, finalised and totalled exactly', async () => {
    // 84 lines of 10 Mio. € net at 19 %: gross 999.600.000,00 €, just below 1 Mrd. €.
    const lines = Array.from({ length: 84 }, (_, i) => ({ ...line, description: `Anlage ${i + 1}`, unitPriceCents: MAX_UNIT_PRICE_CENTS - (i % 2) }));
    const created = await create(lines);
    expect(created.statusCode, created.body).toBe(201);
    const net = 84 * MAX_UNIT_PRICE_CENTS - 42;
    expect(created.json()).toMatchObject({ netCents: net, vatCents: Math.round(net * 0.19), grossCents: net + Math.round(net * 0.19) });
    const final = await t.staff.post(`/api/documents/${created.json().id}/finalize`);
    expect(final.statusCode, final.body).toBe(200);
    const pdf = await t.staff.get(`/api/documents/${created.json().id}/pdf`);
    expect(pdf.statusCode).toBe(200);
  });

  it('the CSV import reports an amount beyond the limit on its row', async () => {
    const csv = 'Beleg;Kundennummer;Beschreibung;Menge;Einzelpreis;USt\nA;' + (await makeCustomer(t.staff, { number: 'K-88001' })).number + ';x;1;99.999.999.999.999,00;19\n';
    const response = await t.staff.request({ method: 'POST', url: '/api/import/documents', payload: Buffer.from(csv), headers: { 'content-type': 'text/csv' } });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().details).toMatchObject([{ code: 'document.unitPriceTooLarge', row: 2, field: 'unitPriceCents' }]);
  });
});
