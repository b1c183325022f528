import { sql, type Kysely } from 'kysely';

/**
 * The sweep looks for `sending` deliveries whose lease expired; only those belong in its index.
 * Indexing every delivery by (state, lease_until) cost two extra index updates per message (the
 * claim sets a lease on a queued row, `sent` clears it): ≈ 15 % of the worker's SQLite time in
 * bench/dispatch.ts. The partial index changes only when a row enters or leaves `sending`.
 */
export const deliveryLeaseIndex = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('deliveries_lease').execute();
    await db.schema.createIndex('deliveries_lease').on('deliveries').column('lease_until').where(sql.ref('state'), '=', 'sending').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('deliveries_lease').execute();
    await db.schema.createIndex('deliveries_lease').on('deliveries').columns(['state', 'lease_until']).execute();
  },
};
