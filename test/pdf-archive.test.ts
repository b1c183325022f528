import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databasePdfArchive } from '../src/pdf/archive.ts';
import { extractPdf, xmllintValidate, xmlValues } from '../src/pdf/pdf-testing.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer, makeDocument, makeFinalInvoice } from './helpers/factories.ts';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const company = {
  name: 'Hörakustik Klangwerk GmbH',
  street: 'Schildergasse 12',
  postcode: '50667',
  city: 'Köln',
  vatId: 'DE123456789',
  taxNumber: '214/5723/0815',
  iban: 'DE89 3704 0044 0532 0130 00',
  bic: 'COBADEFFXXX',
  bankName: 'Commerzbank Köln',
  managingDirector: 'Jürgen Weiß',
  registerCourt: 'Amtsgericht Köln',
  registerNumber: 'HRB 4711',
  paymentTermsDays: 10,
};

describe.each(testDialects)('PDF archive and PDF routes on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    const response = await t.admin.put('/api/company', company);
    expect(response.statusCode, response.body).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('archives the PDF at finalisation and serves exactly those bytes, even after company and customer data change (GoBD)', async () => {
    const customer = await makeCustomer(t.staff, { firstName: 'Käthe', lastName: 'Weiß-Öztürk', street: 'Schloßallee 5', postcode: '81675', city: 'München' });
    const invoice = await makeFinalInvoice(t.staff, customer.id);

    const row = await t.testDb.db.kysely.selectFrom('document_pdfs').selectAll().where('document_id', '=', invoice.id).executeTakeFirstOrThrow();
    expect(row.sha256).toBe(sha256(row.pdf));
    expect(row.size).toBe(row.pdf.byteLength);

    const first = await t.staff.get(`/api/documents/${invoice.id}/pdf`);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers['content-type']).toBe('application/pdf');
    expect(first.headers['content-disposition']).toBe(`inline; filename="${invoice.number}.pdf"`);
    expect(first.headers['etag']).toBe(`"${row.sha256}"`);
    expect(sha256(first.rawPayload)).toBe(row.sha256);
    expect(Buffer.compare(first.rawPayload, Buffer.from(row.pdf))).toBe(0);

    const before = await extractPdf(first.rawPayload);
    expect(before.pages[0]).toContain(`Rechnung ${invoice.number}`);
    expect(before.pages[0]).toContain('Hörakustik Klangwerk GmbH');
    expect(before.pages[0]).toContain('Käthe Weiß-Öztürk');
    const xml = Buffer.from(before.attachments['factur-x.xml'] ?? new Uint8Array()).toString('utf8');
    expect(xmllintValidate(xml).ok).toBe(true);
    expect(xmlValues(xml, 'ram:GrandTotalAmount')).toEqual([(invoice.grossCents / 100).toFixed(2)]);
    expect(xmlValues(xml, 'ram:IBANID')).toEqual(['DE89370400440532013000']);

    expect((await t.admin.put('/api/company', { ...company, name: 'Neuer Name AG', iban: 'DE02120300000000202051' })).statusCode).toBe(200);
    expect((await t.staff.patch(`/api/customers/${customer.id}`, { lastName: 'Umbenannt' })).statusCode).toBe(200);

    const second = await t.staff.get(`/api/documents/${invoice.id}/pdf`);
    expect(second.statusCode).toBe(200);
    expect(Buffer.compare(second.rawPayload, first.rawPayload)).toBe(0);
    expect(second.headers['etag']).toBe(first.headers['etag']);
    const after = await extractPdf(second.rawPayload);
    expect(after.pages[0]).toContain('Hörakustik Klangwerk GmbH');
    expect(after.pages[0]).not.toContain('Neuer Name AG');
    await t.admin.put('/api/company', company);
  });

  it('never replaces an archived PDF: a second store keeps the first, and the table rejects UPDATE and DELETE', async () => {
    const customer = await makeCustomer(t.staff);
    const invoice = await makeFinalInvoice(t.staff, customer.id);
    const db = t.testDb.db.kysely;
    const original = await databasePdfArchive.load(db, invoice.id);
    expect(original).toBeDefined();
    const again = await databasePdfArchive.store(db, invoice.id, Buffer.from('%PDF-1.7 something else'));
    expect(again).toEqual({ sha256: original?.sha256, created: false });
    const reloaded = await databasePdfArchive.load(db, invoice.id);
    expect(reloaded?.pdf.equals(original?.pdf ?? Buffer.alloc(0))).toBe(true);
    await expect(db.updateTable('document_pdfs').set({ sha256: 'x' }).where('document_id', '=', invoice.id).execute()).rejects.toThrow(/append-only/);
    await expect(db.deleteFrom('document_pdfs').where('document_id', '=', invoice.id).execute()).rejects.toThrow(/append-only/);
  });

  it('renders drafts on the fly with the ENTWURF watermark and does not archive them', async () => {
    const customer = await makeCustomer(t.staff);
    const draft = await makeDocument(t.staff, customer.id);
    const response = await t.staff.get(`/api/documents/${draft.id}/pdf`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const { pages, attachments } = await extractPdf(response.rawPayload);
    expect(pages[0]).toContain('ENTWURF');
    expect(Object.keys(attachments)).toEqual([]);
    const archived = await t.testDb.db.kysely.selectFrom('document_pdfs').select('document_id').where('document_id', '=', draft.id).executeTakeFirst();
    expect(archived).toBeUndefined();
  });

  it('archives the credit note of a cancellation, referencing the invoice', async () => {
    const customer = await makeCustomer(t.staff);
    const invoice = await makeFinalInvoice(t.staff, customer.id);
    const cancel = await t.staff.post(`/api/documents/${invoice.id}/cancel`);
    expect(cancel.statusCode, cancel.body).toBe(200);
    const { creditNote } = cancel.json();
    const archived = await databasePdfArchive.load(t.testDb.db.kysely, creditNote.id);
    expect(archived).toBeDefined();
    const { pages, attachments } = await extractPdf(archived?.pdf ?? Buffer.alloc(0));
    expect(pages[0]).toContain(`Stornorechnung ${creditNote.number}`);
    expect(pages[0]).toContain(`Stornorechnung zu Rechnung ${invoice.number} vom 02.11.2026`);
    const xml = Buffer.from(attachments['factur-x.xml'] ?? new Uint8Array()).toString('utf8');
    expect(xmlValues(xml, 'ram:TypeCode')).toContain('381');
    expect(xmlValues(xml, 'ram:IssuerAssignedID')).toEqual([invoice.number]);
  });

  it('prints a selection as one merged PDF, ordered by customer, then document number', async () => {
    const zander = await makeCustomer(t.staff, { firstName: 'Ute', lastName: 'Zander', invoiceByPost: true });
    const albrecht = await makeCustomer(t.staff, { firstName: 'Örjan', lastName: 'Albrecht', invoiceByPost: true });
    const z1 = await makeFinalInvoice(t.staff, zander.id);
    const a1 = await makeFinalInvoice(t.staff, albrecht.id);
    const a2 = await makeFinalInvoice(t.staff, albrecht.id);
    const response = await t.staff.post('/api/documents/print', { documentIds: [z1.id, a2.id, a1.id] });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.headers['x-document-count']).toBe('3');
    const { pages } = await extractPdf(response.rawPayload);
    expect(pages).toHaveLength(3);
    expect(pages[0]).toContain(`Rechnung ${a1.number}`);
    expect(pages[0]).toContain('Örjan Albrecht');
    expect(pages[1]).toContain(`Rechnung ${a2.number}`);
    expect(pages[2]).toContain(`Rechnung ${z1.number}`);

    const byFilter = await t.staff.post('/api/documents/print', { filter: { customerId: albrecht.id, status: ['final'] } });
    expect(byFilter.statusCode).toBe(200);
    expect(byFilter.headers['x-document-count']).toBe('2');
  });

  it('answers unknown documents with 404, bad requests with 400, and strangers with 401', async () => {
    const missing = await t.staff.get('/api/documents/999999/pdf');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('document.notFound');
    const printMissing = await t.staff.post('/api/documents/print', { documentIds: [999999] });
    expect(printMissing.statusCode).toBe(404);
    expect((await t.staff.post('/api/documents/print', { documentIds: [] })).statusCode).toBe(400);
    expect((await t.staff.post('/api/documents/print', { filter: { customerId: 999999 } })).json().code).toBe('print.empty');
    expect((await t.anonymous.get('/api/documents/1/pdf')).statusCode).toBe(401);
    expect((await t.anonymous.post('/api/documents/print', { documentIds: [1] })).statusCode).toBe(401);
  });
});

describe.each(testDialects)('archiving missing PDFs in bulk on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    expect((await t.admin.put('/api/company', company)).statusCode).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('renders issued documents without an archived PDF in worker threads and archives them once', async () => {
    const customer = await makeCustomer(t.staff);
    const archivedAlready = await makeFinalInvoice(t.staff, customer.id);
    // documents issued elsewhere (an import), final without a PDF
    const imported: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const draft = await makeDocument(t.staff, customer.id);
      await t.testDb.db.kysely.updateTable('documents').set({ status: 'final', number: `ALT-${i}` }).where('id', '=', draft.id).execute();
      imported.push(draft.id);
    }
    const stillDraft = await makeDocument(t.staff, customer.id);
    const { archiveMissingPdfs } = await import('../src/pdf/backfill.ts');
    expect(await archiveMissingPdfs({ db: t.testDb.db.kysely, batchSize: 2 })).toEqual({ count: 5 });
    expect(await archiveMissingPdfs({ db: t.testDb.db.kysely })).toEqual({ count: 0 });
    const rows = await t.testDb.db.kysely.selectFrom('document_pdfs').select('document_id').execute();
    const ids = new Set(rows.map((r) => Number(r.document_id)));
    for (const id of [archivedAlready.id, ...imported]) expect(ids.has(id)).toBe(true);
    expect(ids.has(stillDraft.id)).toBe(false);
    const served = await t.staff.get(`/api/documents/${imported[0]}/pdf`);
    expect((await extractPdf(served.rawPayload)).pages[0]).toContain('Rechnung ALT-1');
  });
});
