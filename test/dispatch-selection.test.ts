import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer, makeFinalInvoice } from './helpers/factories.ts';

/** "All matching, except these": the filter goes to the server with the ids unticked in the list. */
describe.each(testDialects)('dispatch and print: all matching except some on %s', (dialect) => {
  let t: TestApp;
  const invoiceIds: number[] = [];

  beforeAll(async () => {
    t = await createTestApp(dialect);
    for (let i = 0; i < 6; i++) {
      const c = await makeCustomer(t.staff, { lastName: `Ausnahme ${i}`, email: `ausnahme${i}@example.de` });
      for (let n = 0; n < (i === 0 ? 2 : 1); n++) invoiceIds.push((await makeFinalInvoice(t.staff, c.id)).id);
    }
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const draftDocumentIds = async (id: number): Promise<number[]> =>
    (await t.testDb.db.kysely.selectFrom('dispatch_documents').select('document_id').where('dispatch_id', '=', id).execute()).map((r) => r.document_id).sort((a, b) => a - b);

  it('leaves the excluded documents out of the draft, and a customer whose documents are all excluded', async () => {
    const filter = { type: ['invoice'], status: ['final'] };
    const all = await t.staff.post('/api/dispatches', { filter });
    expect(all.statusCode, all.body).toBe(201);
    const everything = await draftDocumentIds(all.json().id);
    expect(everything).toEqual(expect.arrayContaining(invoiceIds));
    // A document is held by one open draft at a time: discard it before the next selection.
    expect((await t.staff.delete(`/api/dispatches/${all.json().id}`)).statusCode).toBe(200);

    // invoiceIds[2] is the only invoice of customer 1; invoiceIds[0] one of customer 0's two.
    const [first, , onlyOfSecond] = invoiceIds;
    const excluded = [first, onlyOfSecond, onlyOfSecond];
    const created = await t.staff.post('/api/dispatches', { filter, excludeDocumentIds: excluded });
    expect(created.statusCode, created.body).toBe(201);
    const ids = await draftDocumentIds(created.json().id);
    expect(ids).toEqual(everything.filter((id) => id !== first && id !== onlyOfSecond));
    expect(created.json().recipients.total).toBe(all.json().recipients.total - 1);
    expect((await t.staff.delete(`/api/dispatches/${created.json().id}`)).statusCode).toBe(200);

    // An empty exclusion list is the plain filter.
    const none = await t.staff.post('/api/dispatches', { filter, excludeDocumentIds: [] });
    expect(none.statusCode, none.body).toBe(201);
    expect(await draftDocumentIds(none.json().id)).toEqual(everything);
  });

  it('rejects an exclusion that leaves nothing, and malformed ids with the field', async () => {
    const nothing = await t.staff.post('/api/dispatches', { filter: { customerId: 999_999 }, excludeDocumentIds: [1] });
    expect(nothing.statusCode).toBe(400);
    expect(nothing.json()).toMatchObject({ code: 'dispatch.emptySelection' });
    for (const bad of [[0], [-3], [1.5], ['7'], Array.from({ length: 10_001 }, (_, i) => i + 1)]) {
      const response = await t.staff.post('/api/dispatches', { filter: {}, excludeDocumentIds: bad });
      expect(response.statusCode, JSON.stringify(bad).slice(0, 40)).toBe(400);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.json().field, response.body).toMatch(/^excludeDocumentIds/);
    }
    // Excluding goes with a filter only.
    const mixed = await t.staff.post('/api/dispatches', { documentIds: [invoiceIds[0]], excludeDocumentIds: [invoiceIds[1]] });
    expect(mixed.statusCode).toBe(400);
  });

  it('prints all matching except the excluded documents', async () => {
    const filter = { type: ['invoice'], status: ['final'] };
    const all = await t.staff.post('/api/documents/print', { filter });
    expect(all.statusCode, all.body).toBe(200);
    const printed = await t.staff.post('/api/documents/print', { filter, excludeDocumentIds: [invoiceIds[1]] });
    expect(printed.statusCode, printed.body).toBe(200);
    expect(Number(printed.headers['x-document-count'])).toBe(Number(all.headers['x-document-count']) - 1);
  });
});
