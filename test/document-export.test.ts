import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentExportRows } from '../src/exports/documents-export.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer, makeFinalInvoice } from './helpers/factories.ts';

/** Splits a CSV body (BOM, CRLF) into records of fields, honouring quotes. */
function parseCsv(body: string, delimiter: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  const text = body.replace(/^\uFEFF/, '');
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      record.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += ch;
  }
  return records;
}

describe.each(testDialects)('Auswertungen export on %s', (dialect) => {
  let t: TestApp;
  let invoice: { id: number; number: string; grossCents: number };
  let creditNoteNumber = '';
  let other: { id: number; number: string };

  beforeAll(async () => {
    t = await createTestApp(dialect);
    const formula = await makeCustomer(t.staff, { companyName: '=HYPERLINK("http://evil.example","Klick")', email: 'a@example.de' });
    invoice = await makeFinalInvoice(t.staff, formula.id);
    const cancelled = await t.staff.post(`/api/documents/${invoice.id}/cancel`);
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    const quoting = await makeCustomer(t.staff, { firstName: 'Hans', lastName: 'Müller; "Sohn"', email: null, invoiceByPost: true });
    other = await makeFinalInvoice(t.staff, quoting.id, { issueDate: '2026-11-03' });
    const documents = (await t.staff.get('/api/documents?type=creditNote')).json().items;
    creditNoteNumber = documents[0].number;
    await t.testDb.db.kysely.updateTable('documents').set({ last_sent_at: '2026-11-02T13:05:00.000Z', last_sent_to: 'a@example.de' }).where('id', '=', invoice.id).execute();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('writes German CSV for German Excel: BOM, semicolons, dd.mm.yyyy, local time, decimal comma, words, negative numbers stay numbers', async () => {
    const response = await t.staff.post('/api/documents/export?sort=number&order=asc&locale=de&tz=Europe/Berlin', { filter: { type: ['invoice', 'creditNote'] } });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="Rechnungen-Angebote-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(response.body.startsWith('\uFEFF')).toBe(true);
    const [header, ...rows] = parseCsv(response.body, ';');
    expect(header).toEqual(['Nummer', 'Typ', 'Datum', 'Kundennummer', 'Kunde', 'E-Mail', 'Rechnung per Post', 'Netto', 'Brutto', 'Status', 'Zuletzt versendet', 'Versendet an']);
    expect(rows).toHaveLength(3);
    const byNumber = new Map(rows.map((r) => [r[0], r]));
    const first = byNumber.get(invoice.number);
    const euros = (cents: number) => (cents / 100).toFixed(2).replace('.', ',');
    expect(first).toEqual([invoice.number, 'Rechnung', '02.11.2026', expect.any(String), `'=HYPERLINK("http://evil.example","Klick")`, 'a@example.de', 'Nein', expect.stringMatching(/^\d+,\d\d$/), euros(invoice.grossCents), 'Storniert', '02.11.2026 14:05', 'a@example.de']);
    const credit = byNumber.get(creditNoteNumber);
    expect(credit?.[1]).toBe('Stornorechnung');
    // A negative amount is written as a number, never neutralised into text.
    expect(credit?.[8]).toBe(`-${euros(invoice.grossCents)}`);
    expect(byNumber.get(other.number)?.slice(1, 7)).toEqual(['Rechnung', '03.11.2026', expect.any(String), 'Hans Müller; "Sohn"', '', 'Ja']);
    expect(response.body).toContain('"Hans Müller; ""Sohn"""');
  });

  it('writes English CSV with commas and decimal points, and the send time in the given zone', async () => {
    const response = await t.staff.post('/api/documents/export?locale=en&tz=America/New_York', { documentIds: [invoice.id] });
    expect(response.statusCode, response.body).toBe(200);
    const [header, row] = parseCsv(response.body, ',');
    expect(header?.[0]).toBe('Number');
    expect(row?.slice(1, 3)).toEqual(['Invoice', '02/11/2026']);
    expect(row?.[8]).toBe((invoice.grossCents / 100).toFixed(2));
    expect(row?.[9]).toBe('Cancelled');
    expect(row?.[10]).toBe('02/11/2026 08:05');
  });

  it('leaves out the unticked documents of "all matching" and takes the user’s language by default', async () => {
    const response = await t.staff.post('/api/documents/export', { filter: { type: ['invoice'] }, excludeDocumentIds: [invoice.id] });
    expect(response.statusCode, response.body).toBe(200);
    const [header, ...rows] = parseCsv(response.body, ';');
    expect(header?.[0]).toBe('Nummer');
    expect(rows.map((r) => r[0])).toEqual([other.number]);
  });

  it('reads in pages: more documents than one page come out complete and in order', async () => {
    const all = (await t.staff.get('/api/documents?sort=number&order=desc')).json().items.map((d: { number: string }) => d.number);
    expect(all.length).toBe(3);
    const pages: string[][] = [];
    for await (const page of documentExportRows(t.testDb.db.kysely, { filter: {} }, { sort: 'number', order: 'desc' }, 'de', 2)) pages.push(page.map((row) => (row[0] && 'text' in row[0] ? row[0].text : '')));
    expect(pages.map((p) => p.length)).toEqual([1, 2, 1]);
    expect(pages.slice(1).flat()).toEqual(all);
  });

  it('refuses bad requests and anonymous callers', async () => {
    expect((await t.staff.post('/api/documents/export?tz=Mars/Olympus', { filter: {} })).statusCode).toBe(400);
    expect((await t.staff.post('/api/documents/export', {})).statusCode).toBe(400);
    expect((await t.anonymous.post('/api/documents/export', { filter: {} })).statusCode).toBe(401);
  });

  it('writes XLSX with real numbers and dates', async () => {
    const response = await t.staff.request({ method: 'POST', url: '/api/documents/export?format=xlsx&sort=number&order=asc&locale=de', payload: { filter: { type: ['creditNote'] } } });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const workbook = new ExcelJS.Workbook();
    const raw = response.rawPayload;
    await workbook.xlsx.load(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    expect(sheet?.name).toBe('Rechnungen, Angebote');
    expect(sheet?.getRow(1).getCell(1).value).toBe('Nummer');
    const row = sheet?.getRow(2);
    expect(row?.getCell(1).value).toBe(creditNoteNumber);
    expect(row?.getCell(9).value).toBe(-invoice.grossCents / 100);
    expect(row?.getCell(3).value).toBeInstanceOf(Date);
    expect(row?.getCell(10).value).toBe('Festgeschrieben');
  });
});
