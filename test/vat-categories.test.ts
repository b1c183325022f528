import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer } from './helpers/factories.ts';
import { extractPdf } from '../src/pdf/pdf-testing.ts';

describe.each(testDialects)('VAT categories per line on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    expect((await t.admin.put('/api/company', { name: 'Akustik Export GmbH', street: 'Hafenstraße 3', postcode: '20457', city: 'Hamburg', vatId: 'DE123456789' })).statusCode).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
  });

  const line = (extra: Record<string, unknown>) => ({ description: 'Hörsystem', quantity: 1, unit: 'Stk', unitPriceCents: 100_000, vatRate: 0, ...extra });

  it('stores the chosen category, defaults it per rate, and prints its legal wording', async () => {
    const customer = await makeCustomer(t.staff, { companyName: 'Wiener Hörwelt GmbH', street: 'Ring 1', postcode: '1010', city: 'Wien', country: 'AT', vatId: 'ATU12345678' });
    const created = await t.staff.post('/api/documents', {
      type: 'invoice',
      customerId: customer.id,
      issueDate: new Date().toISOString().slice(0, 10),
      lines: [line({ vatCategory: 'K' }), line({ vatCategory: 'AE', description: 'Montage' }), { ...line({}), vatRate: 19 }, line({ exemptionReason: 'Steuerfrei nach § 4 Nr. 14 UStG' })],
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().lines.map((l: { vatCategory: string }) => l.vatCategory)).toEqual(['K', 'AE', 'S', 'E']);
    const final = await t.staff.post(`/api/documents/${created.json().id}/finalize`);
    expect(final.statusCode, final.body).toBe(200);
    const pdf = await t.staff.get(`/api/documents/${created.json().id}/pdf`);
    const text = (await extractPdf(pdf.rawPayload)).pages.join('\n');
    expect(text).toContain('Steuerfreie innergemeinschaftliche Lieferung');
    expect(text).toContain('Steuerschuldnerschaft des Leistungsempfängers');
  });

  it('refuses a category that does not fit the rate, and E without a reason', async () => {
    const customer = await makeCustomer(t.staff);
    const wrong = await t.staff.post('/api/documents', { type: 'invoice', customerId: customer.id, lines: [line({ vatRate: 19, vatCategory: 'AE' })] });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ code: 'document.vatCategoryInvalid', field: 'lines[0].vatCategory' });
    const noReason = await t.staff.post('/api/documents', { type: 'invoice', customerId: customer.id, lines: [line({ vatCategory: 'E' })] });
    expect(noReason.json()).toMatchObject({ code: 'document.exemptionReasonMissing' });
    const unknown = await t.staff.post('/api/documents', { type: 'invoice', customerId: customer.id, lines: [line({ vatCategory: 'L' })] });
    expect(unknown.statusCode).toBe(400);
  });
});
