import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';

const csv = (text: string, encoding: BufferEncoding = 'utf8') => Buffer.from(text, encoding);

describe.each(testDialects)('CSV import on %s', (dialect) => {
  let t: TestApp;
  const post = (what: 'customers' | 'documents', body: Buffer, query = '') =>
    t.staff.request({ method: 'POST', url: `/api/import/${what}${query}`, payload: body, headers: { 'content-type': 'text/csv' } });
  const countCustomers = async () => Number((await t.testDb.db.kysely.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('imports a German Excel export (BOM, semicolons, German headers and dates)', async () => {
    const file = '\ufeffKundennummer;Anrede;Vorname;Nachname;Straße;PLZ;Ort;E-Mail;Rechnung per Post;Einwilligung\r\n' +
      'K-90001;Frau;Jörg;Müßig;Hauptstraße 1;50667;Köln;joerg@example.de;nein;15.01.2026\r\n' +
      'K-90002;Herr;Hans;Weiß;;;;;ja;\r\n';
    const response = await post('customers', csv(file));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ created: 2, rows: 2, errors: [] });
    const list = (await t.staff.get('/api/customers?q=K-9000')).json();
    const byNumber = Object.fromEntries(list.items.map((c: { number: string }) => [c.number, c]));
    expect(byNumber['K-90001']).toMatchObject({ firstName: 'Jörg', lastName: 'Müßig', email: 'joerg@example.de', invoiceByPost: false, emailConsentAt: '2026-01-15' });
    expect(byNumber['K-90002']).toMatchObject({ invoiceByPost: true, email: null });
  });

  it('accepts comma-separated files with English headers', async () => {
    const response = await post('customers', csv('number,lastName,email\nK-90100,"Smith, Jr.",smith@example.com\n'));
    expect(response.json()).toMatchObject({ created: 1 });
  });

  it('lists every bad row and imports nothing', async () => {
    const before = await countCustomers();
    const file = 'Kundennummer;Nachname;E-Mail\nK-91001;Gut;gut@example.de\nK-91002;Schlecht;keine-adresse\nK-91001;Doppelt;d@example.de\nK-90001;Vorhanden;v@example.de\n;;\nK-91005;;ohne@name.de\n';
    const response = await post('customers', csv(file));
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.code).toBe('import.rowsInvalid');
    expect(body.details.map((d: { row: number; field: string }) => [d.row, d.field])).toEqual([
      [3, 'email'],
      [4, 'number'],
      [5, 'number'],
      [7, 'lastName'], // row 6 is empty (";;") and skipped
    ]);
    expect(body.details[0].message).toContain('row 3');
    expect(await countCustomers()).toBe(before);
  });

  it('dry run reports without writing', async () => {
    const before = await countCustomers();
    const response = await post('customers', csv('Nachname;E-Mail\nTrocken;t@example.de\nNass;falsch\n'), '?dryRun=true');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ dryRun: true, created: 0, errors: [{ row: 3, field: 'email' }] });
    expect(await countCustomers()).toBe(before);
  });

  it('explains a wrong delimiter, a missing column and a wrong encoding', async () => {
    const tabs = await post('customers', csv('Kundennummer\tNachname\nK-1\tMüller\n'));
    expect(tabs.json()).toMatchObject({ code: 'import.columnMissing', row: 1 });
    expect(tabs.json().message).toContain('separated');

    // Latin-1 bytes where UTF-8 was asked for: the line of the first invalid byte
    const latin1 = await post('customers', csv('Nachname;Ort\nMeier;Köln\nMüller;Düsseldorf\n', 'latin1'), '?encoding=utf-8');
    expect(latin1.statusCode).toBe(400);
    expect(latin1.json()).toMatchObject({ code: 'import.encodingInvalid', row: 2, field: 'encoding' });

    const docs = await post('documents', csv('Beleg;Kundennummer;Beschreibung;Menge\nA;K-90001;x;1\n'));
    expect(docs.json().code).toBe('import.columnMissing');
    expect(docs.json().message).toContain('unitPrice');
  });

  it('imports documents: lines grouped per reference, German amounts, final ones numbered or kept', async () => {
    const file = 'Beleg;Nummer;Status;Kundennummer;Datum;Beschreibung;Menge;Einheit;Einzelpreis;USt;Befreiungsgrund\n' +
      'A1;;final;K-90001;02.11.2026;Hörgerät;1;Stk;1.899,00;19;\n' +
      'A1;;final;K-90001;02.11.2026;Hörtraining;1,5;Std;65,00;0;Steuerfrei nach § 4 Nr. 14 UStG\n' +
      'B7;ALT-2019-0042;final;K-90002;01.03.2019;Batterien;3;Pkg;24,95;19;\n' +
      'C;;;K-90002;;Angebotstext;1;Stk;10;7;\n';
    const response = await post('documents', csv(file));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ created: 3 });
    const docs = (await t.staff.get('/api/documents?q=K-9000&sort=number&order=asc&pageSize=10')).json().items;
    const numbers = docs.map((d: { number: string | null }) => d.number);
    expect(numbers).toContain('ALT-2019-0042');
    const a1 = docs.find((d: { number: string | null }) => d.number?.startsWith('RE-2026-'));
    expect(a1.grossCents).toBe(189_900 + 36_081 + 9_750);
    // final documents are archived as PDF right after the import (rendered on worker threads)
    const archived = await t.testDb.db.kysely.selectFrom('document_pdfs as p').innerJoin('documents as d', 'd.id', 'p.document_id').select('d.number').where('d.number', 'in', ['ALT-2019-0042', a1.number]).execute();
    expect(archived).toHaveLength(2);
  });

  it('reports document rows with unknown customers, bad amounts, duplicate numbers and missing exemption reasons', async () => {
    const file = 'Beleg;Nummer;Status;Kundennummer;Beschreibung;Menge;Einzelpreis;USt;Befreiungsgrund\n' +
      'X1;;;K-00000;a;1;10;19;\n' +
      'X2;;;K-90001;b;1;zehn;19;\n' +
      'X3;ALT-2019-0042;final;K-90001;c;1;10;19;\n' +
      'X4;;;K-90001;d;1;10;0;\n';
    const response = await post('documents', csv(file));
    expect(response.statusCode).toBe(400);
    expect(response.json().details.map((d: { row: number; field: string }) => [d.row, d.field])).toEqual([
      [2, 'customerNumber'],
      [3, 'unitPrice'],
      [4, 'number'],
      [5, 'exemptionReason'],
    ]);
  });
});
