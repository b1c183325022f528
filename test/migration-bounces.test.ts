import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { bounces } from '../src/db/migrations/0013_bounces.ts';
import { configureMail, createTemplate, TEST_SECRET } from './dispatch-support.ts';
import { seedInvoices, startDispatchOf } from './dispatch-seed.ts';
import { createTestDb, testDialects, type TestDb } from './helpers/db.ts';

/**
 * Migration 0013 rewrites the CHECK on deliveries.state; on SQLite that rebuilds the table. Rows,
 * their documents (a foreign key with ON DELETE CASCADE points at deliveries) and the indexes must
 * survive both directions.
 */
describe.each(testDialects)('migration 0013_bounces with deliveries in the table on %s', (dialect) => {
  let t: TestDb | undefined;
  afterAll(async () => {
    await t?.cleanup();
  });

  it('keeps every delivery and its documents down and up, and allows `bounced` only when up', async () => {
    t = await createTestDb(dialect);
    const k = t.db.kysely;
    await configureMail(t.db, 2525);
    const documentIds = await seedInvoices(t.db, 3);
    await startDispatchOf(t.db, documentIds, await createTemplate(t.db), TEST_SECRET);
    const deliveries = await k.selectFrom('deliveries').select(['id', 'state']).orderBy('id').execute();
    expect(deliveries).toHaveLength(3);
    const [first] = deliveries;
    if (!first) throw new Error('no delivery');
    await k.updateTable('deliveries').set({ state: 'bounced', bounce_status: '5.1.1' }).where('id', '=', first.id).execute();
    const documentsBefore = await k.selectFrom('delivery_documents').selectAll().orderBy('delivery_id').execute();
    const indexesBefore = await indexNames(t);

    const migration = bounces(dialect);
    await migration.down(k);
    expect(await k.selectFrom('deliveries').select(['id', 'state']).orderBy('id').execute()).toEqual([{ id: first.id, state: 'sent' }, ...deliveries.slice(1)]);
    expect(await k.selectFrom('delivery_documents').selectAll().orderBy('delivery_id').execute()).toEqual(documentsBefore);
    await expect(k.updateTable('deliveries').set({ state: 'bounced' }).where('id', '=', first.id).execute()).rejects.toThrow(/check/i);

    await migration.up(k);
    expect(await k.selectFrom('deliveries').select('id').orderBy('id').execute()).toEqual(deliveries.map((d) => ({ id: d.id })));
    expect(await k.selectFrom('delivery_documents').selectAll().orderBy('delivery_id').execute()).toEqual(documentsBefore);
    expect(await indexNames(t)).toEqual(indexesBefore);
    await k.updateTable('deliveries').set({ state: 'bounced' }).where('id', '=', first.id).execute();
    await expect(sql`update deliveries set state = 'lost' where id = ${first.id}`.execute(k)).rejects.toThrow(/check/i);
    // the foreign keys still hold (and still cascade) after the rebuild
    await expect(k.insertInto('delivery_documents').values({ delivery_id: 999_999, document_id: documentIds[0] ?? 0, dispatch_id: 1, active: 0 }).execute()).rejects.toThrow(/foreign key/i);
  });
});

async function indexNames(t: TestDb): Promise<string[]> {
  if (t.dialect === 'sqlite') {
    const rows = await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'deliveries' and sql is not null order by name`.execute(t.db.kysely);
    return rows.rows.map((r) => r.name);
  }
  const rows = await sql<{ indexname: string }>`select indexname from pg_indexes where tablename = 'deliveries' and schemaname = current_schema() order by indexname`.execute(t.db.kysely);
  return rows.rows.map((r) => r.indexname);
}
