import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';

/**
 * Issue 15 item 3: more than 32,766 numbered rows failed with 500 ("too many SQL variables": the
 * existing-number check put every number in one `IN (…)` list); all or nothing holds for a large
 * file whose last row is bad.
 */
const ROWS = 33_500;

function customerFile(rows: number, last?: string): Buffer {
  const lines = ['Kundennummer;Nachname;Ort;E-Mail'];
  for (let i = 1; i <= rows; i++) lines.push(`G-${String(i).padStart(6, '0')};Großkunde ${i};Köln;kunde${i}@example.de`);
  if (last !== undefined) lines.push(last);
  return Buffer.from(lines.join('\r\n') + '\r\n');
}

describe.each(testDialects)('large CSV import on %s', (dialect) => {
  let t: TestApp;
  const post = (body: Buffer, query = '') => t.staff.request({ method: 'POST', url: `/api/import/customers${query}`, payload: body, headers: { 'content-type': 'text/csv' } });
  const countCustomers = async () => Number((await t.testDb.db.kysely.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  it(`a bad row at the end of ${ROWS} numbered rows leaves nothing stored`, async () => {
    const response = await post(customerFile(ROWS, 'G-999999;Kaputt;Köln;keine-adresse'));
    expect(response.statusCode, response.body.slice(0, 300)).toBe(400);
    expect(response.json()).toMatchObject({ code: 'import.rowsInvalid', row: ROWS + 2, field: 'email' });
    expect(await countCustomers()).toBe(0);
  }, 600_000);

  it(`imports ${ROWS} numbered rows, and a second time finds every number taken`, async () => {
    const file = customerFile(ROWS);
    const response = await post(file);
    expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
    expect(response.json()).toMatchObject({ created: ROWS, rows: ROWS });
    expect(await countCustomers()).toBe(ROWS);
    const again = await post(file, '?dryRun=true');
    expect(again.statusCode).toBe(200);
    expect(again.json().errors).toHaveLength(ROWS);
    expect(again.json().errors[ROWS - 1]).toMatchObject({ code: 'customer.numberTaken', row: ROWS + 1 });
  }, 600_000);
});
