import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer, makeDocument } from './helpers/factories.ts';

describe.each(testDialects)('e-invoice gate at finalisation on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    expect((await t.admin.put('/api/company', { name: 'Akustik Gate GmbH', street: 'Hafenstraße 3', postcode: '20457', city: 'Hamburg', vatId: 'DE123456789' })).statusCode).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
  });
  const finalize = (id: number) => t.staff.post(`/api/documents/${id}/finalize`, { confirmIssueDate: true });

  it('refuses with 422, the rule id and the field to change; nothing is stored and no number is used', async () => {
    const customer = await makeCustomer(t.staff, { street: null, postcode: null, city: null });
    const draft = await makeDocument(t.staff, customer.id);
    const refused = await finalize(draft.id);
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'einvoice.UStG-14-4-1', field: 'customer.street', meta: { rule: 'UStG-14-4-1' } });
    expect((await t.staff.get(`/api/documents/${draft.id}`)).json()).toMatchObject({ status: 'draft', number: null });
    expect(await t.testDb.db.kysely.selectFrom('document_pdfs').select('document_id').where('document_id', '=', draft.id).executeTakeFirst()).toBeUndefined();
    // once the address is there, the same draft gets the first number: the refusal used none
    expect((await t.staff.patch(`/api/customers/${customer.id}`, { street: 'Elbchaussee 1', postcode: '22763', city: 'Hamburg' })).statusCode).toBe(200);
    const final = await finalize(draft.id);
    expect(final.statusCode, final.body).toBe(200);
    expect(final.json().number).toBe('RE-2026-00001');
  });

  it('refuses reverse charge without the buyer VAT id (BR-AE-02) and lists every violation', async () => {
    const customer = await makeCustomer(t.staff, { companyName: 'Wiener Hörwelt GmbH', country: 'AT', vatId: null });
    const draft = await makeDocument(t.staff, customer.id, { lines: [{ description: 'Montage', quantity: 1, unitPriceCents: 100_000, vatRate: 0, vatCategory: 'AE' }] });
    const refused = await finalize(draft.id);
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'einvoice.BR-AE-02', field: 'customer.vatId', details: [{ code: 'einvoice.BR-AE-02' }] });
  });

  it('refuses a country that is not ISO 3166-1 and a VAT id without country prefix at the gate', async () => {
    const wrongCountry = await t.staff.post('/api/customers', { lastName: 'Smith', country: 'UK' });
    expect(wrongCountry.statusCode).toBe(400);
    expect(wrongCountry.json()).toMatchObject({ code: 'country.unknown', field: 'country' });
    const customer = await makeCustomer(t.staff, { vatId: '123456789' });
    const draft = await makeDocument(t.staff, customer.id);
    expect((await finalize(draft.id)).json()).toMatchObject({ code: 'einvoice.BR-CO-09', field: 'customer.vatId' });
  });
});
