import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer, makeDocument } from './helpers/factories.ts';
import { extractPdf, xmllintValidate, xmlValues } from '../src/pdf/pdf-testing.ts';

const company = { name: 'Akustik Behördenbedarf GmbH', street: 'Amtsweg 1', postcode: '28195', city: 'Bremen', vatId: 'DE123456789', iban: 'DE89 3704 0044 0532 0130 00', email: 'rechnung@akustik.example', phone: '0421 1234-0' };

describe.each(testDialects)('XRechnung and company e-invoice settings on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });
  const finalize = (id: number) => t.staff.post(`/api/documents/${id}/finalize`, { confirmIssueDate: true });

  it('a customer with a Leitweg-ID gets an XRechnung once the company names its contact (BR-DE-5)', async () => {
    expect((await t.admin.put('/api/company', company)).statusCode).toBe(200);
    const badId = await t.staff.post('/api/customers', { companyName: 'Stadt Bremen', leitwegId: 'keine-id' });
    expect(badId.json()).toMatchObject({ code: 'customer.leitwegIdInvalid', field: 'leitwegId' });
    const customer = await makeCustomer(t.staff, { companyName: 'Freie Hansestadt Bremen, Bauamt', leitwegId: '04011000-1234512345-06', email: 'rechnungseingang@bremen.example' });
    const draft = await makeDocument(t.staff, customer.id);
    const refused = await finalize(draft.id);
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'einvoice.BR-DE-5', field: 'company.contactName' });

    expect((await t.admin.put('/api/company', { ...company, contactName: 'Jana Hoffmann', contactEmail: 'buchhaltung@akustik.example' })).statusCode).toBe(200);
    const final = await finalize(draft.id);
    expect(final.statusCode, final.body).toBe(200);
    const download = await t.staff.get(`/api/documents/${draft.id}/xrechnung.xml`);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toContain('application/xml');
    expect(download.headers['content-disposition']).toContain(`XRechnung_${final.json().number}.xml`);
    const xml = download.body;
    expect(xmllintValidate(xml).ok).toBe(true);
    expect(xmlValues(xml, 'ram:BuyerReference')).toEqual(['04011000-1234512345-06']);
    expect(xmlValues(xml, 'ram:PersonName')).toContain('Jana Hoffmann');
    expect(xml).toContain('urn:xeinkauf.de:kosit:xrechnung_3.0');
    // the hybrid PDF stays the viewable copy with its Factur-X XML
    const pdf = await t.staff.get(`/api/documents/${draft.id}/pdf`);
    expect(Object.keys((await extractPdf(pdf.rawPayload)).attachments)).toEqual(['factur-x.xml']);
  });

  it('answers 409 for a customer without Leitweg-ID and for drafts', async () => {
    const customer = await makeCustomer(t.staff);
    const draft = await makeDocument(t.staff, customer.id);
    expect((await t.staff.get(`/api/documents/${draft.id}/xrechnung.xml`)).json()).toMatchObject({ code: 'document.notFinal' });
    expect((await finalize(draft.id)).statusCode).toBe(200);
    expect((await t.staff.get(`/api/documents/${draft.id}/xrechnung.xml`)).json()).toMatchObject({ code: 'document.noLeitwegId' });
  });

  it('Kleinunternehmer (§19 UStG): no VAT on any line, the legal note on the PDF and as exemption reason in the XML', async () => {
    expect((await t.admin.put('/api/company', { ...company, vatId: null, taxNumber: '60/123/45678', smallBusiness: true })).statusCode).toBe(200);
    const customer = await makeCustomer(t.staff);
    const draft = await makeDocument(t.staff, customer.id);
    const stored = (await t.staff.get(`/api/documents/${draft.id}`)).json();
    expect(stored.vatCents).toBe(0);
    expect(stored.lines.map((l: { vatCategory: string; vatRate: number }) => [l.vatCategory, l.vatRate])).toEqual([
      ['E', 0],
      ['E', 0],
      ['E', 0],
    ]);
    const final = await finalize(draft.id);
    expect(final.statusCode, final.body).toBe(200);
    const pdf = await extractPdf((await t.staff.get(`/api/documents/${draft.id}/pdf`)).rawPayload);
    expect(pdf.pages.join('\n')).toContain('Gemäß § 19 UStG wird keine Umsatzsteuer berechnet');
    const xml = Buffer.from(pdf.attachments['factur-x.xml'] ?? new Uint8Array()).toString('utf8');
    expect(xmlValues(xml, 'ram:CategoryCode')).not.toContain('S');
    expect(xmlValues(xml, 'ram:ExemptionReason').join(' ')).toContain('§ 19 UStG');
    expect((await t.admin.put('/api/company', { ...company, smallBusiness: false })).statusCode).toBe(200);
  });
});
