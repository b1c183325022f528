import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer, makeDocument } from './helpers/factories.ts';

const today = () => new Date().toISOString().slice(0, 10);
const company = { name: 'Optik Nummernkreis', street: 'Hauptstraße 1', postcode: '50667', city: 'Köln', taxNumber: '214/5723/0815' };

describe.each(testDialects)('numbering that never collides on %s', (dialect) => {
  let t: TestApp;
  let customerId: number;
  const finalize = async (overrides: Record<string, unknown> = {}, confirm = true) => {
    const draft = await makeDocument(t.staff, customerId, overrides);
    return t.staff.post(`/api/documents/${draft.id}/finalize`, confirm ? { confirmIssueDate: true } : {});
  };
  const importCsv = (text: string) => t.staff.request({ method: 'POST', url: '/api/import/documents', payload: Buffer.from(text), headers: { 'content-type': 'text/csv' } });

  beforeAll(async () => {
    t = await createTestApp(dialect);
    expect((await t.admin.put('/api/company', company)).statusCode).toBe(200);
    customerId = (await makeCustomer(t.staff, { number: 'K-70001' })).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses a credit-note pattern that can produce invoice numbers', async () => {
    const response = await t.admin.put('/api/company', { ...company, creditNoteNumberPattern: 'RE-{YYYY}-{NNNNN}' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'company.numberPatternsCollide', field: 'creditNoteNumberPattern' });
    const wider = await t.admin.put('/api/company', { ...company, quoteNumberPattern: '{YYYY}{NNN}', invoiceNumberPattern: '{NNNNNNN}' });
    expect(wider.json()).toMatchObject({ code: 'company.numberPatternsCollide' });
  });

  it('counts on across years with a pattern without a year', async () => {
    expect((await t.admin.put('/api/company', { ...company, quoteNumberPattern: 'AN{NNNN}' })).statusCode).toBe(200);
    const first = await finalize({ type: 'quote', issueDate: '2026-12-30' });
    const second = await finalize({ type: 'quote', issueDate: '2027-01-02' });
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect([first.json().number, second.json().number]).toEqual(['AN0001', 'AN0002']);
  });

  it('an imported number in the own pattern moves the counter past it', async () => {
    const year = today().slice(0, 4);
    const before = await finalize({ issueDate: today() });
    const counter = Number(String(before.json().number).slice(-5));
    const imported = `RE-${year}-${String(counter + 500).padStart(5, '0')}`;
    const response = await importCsv(`Beleg;Nummer;Status;Kundennummer;Datum;Beschreibung;Menge;Einzelpreis;USt\nI1;${imported};final;K-70001;${today().split('-').reverse().join('.')};Import;1;10,00;19\n`);
    expect(response.statusCode, response.body).toBe(200);
    const after = await finalize({ issueDate: today() });
    expect(after.statusCode, after.body).toBe(200);
    expect(after.json().number).toBe(`RE-${year}-${String(counter + 501).padStart(5, '0')}`);
  });

  it('skips a number that exists already (stored before imports advanced the counter) instead of answering 500', async () => {
    const year = '2029';
    // A document carrying the next number, as an older version could leave behind.
    const draft = await makeDocument(t.staff, customerId, { issueDate: `${year}-05-01` });
    await t.testDb.db.kysely.updateTable('documents').set({ status: 'final', number: `RE-${year}-00001`, finalized_at: new Date().toISOString() }).where('id', '=', draft.id).execute();
    const next = await finalize({ issueDate: `${year}-05-02` });
    expect(next.statusCode, next.body).toBe(200);
    expect(next.json().number).toBe(`RE-${year}-00002`);
  });

  it('asks for confirmation of an issue date in the future or long ago, storing nothing until then', async () => {
    const draft = await makeDocument(t.staff, customerId, { issueDate: '2099-01-01' });
    const refused = await t.staff.post(`/api/documents/${draft.id}/finalize`);
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'document.issueDateInFuture', field: 'issueDate', meta: { issueDate: '2099-01-01' } });
    expect((await t.staff.get(`/api/documents/${draft.id}`)).json()).toMatchObject({ status: 'draft', number: null });
    const old = await finalize({ issueDate: '2020-01-01' }, false);
    expect(old.json()).toMatchObject({ code: 'document.issueDateLongAgo' });
    const confirmed = await t.staff.post(`/api/documents/${draft.id}/finalize`, { confirmIssueDate: true });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json().number).toBe('RE-2099-00001');
    expect((await finalize({ issueDate: today() }, false)).statusCode).toBe(200);
  });
});
