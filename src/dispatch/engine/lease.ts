import { sql } from 'kysely';
import type { Db } from '../../db/connection.ts';
import type { WorkerLog } from './types.ts';

/**
 * Lease upkeep: a live worker renews the leases of what it holds, gives back what it will not
 * send, and every worker's sweep turns the `sending` rows of a worker that died into
 * `uncertain` once their lease ran out.
 */

/** A fresh lease on the deliveries this worker still holds (claimed, built, or sending). */
export async function renewLeases(db: Db, input: { owner: string; ids: readonly number[]; until: string }): Promise<void> {
  const { owner, ids, until } = input;
  if (ids.length === 0) return;
  const k = db.kysely;
  const mine = (eb: typeof k) =>
    eb.selectFrom('deliveries').select('id').where('lease_owner', '=', owner).where('id', 'in', [...ids]).where('state', 'in', ['queued', 'retrying', 'sending']);
  // On PostgreSQL, rows the outcome writer has locked are skipped: that transaction gives them a
  // fresh lease or finishes them anyway, and waiting for it while holding other rows' locks
  // deadlocked with it (it locks its `sent` rows, then the rows it marks `sending`).
  if (db.dialect === 'postgres') await k.updateTable('deliveries').set({ lease_until: until }).where('id', 'in', mine(k).forUpdate().skipLocked()).execute();
  else await k.updateTable('deliveries').set({ lease_until: until }).where('id', 'in', mine(k)).execute();
}

/** Gives claimed deliveries that were not marked `sending` back to the queue at once. */
export async function releaseClaims(db: Db, input: { owner: string; ids: readonly number[] }): Promise<void> {
  const { owner, ids } = input;
  if (ids.length === 0) return;
  await db.kysely
    .updateTable('deliveries')
    .set({ lease_owner: null, lease_until: null })
    .where('lease_owner', '=', owner)
    .where('id', 'in', [...ids])
    .where('state', 'in', ['queued', 'retrying'])
    .execute();
}

/** Expired `sending` leases → `uncertain`; dispatches with nothing left to do → `completed`. */
export async function sweepExpired(db: Db, input: { now: string; log: WorkerLog }): Promise<void> {
  const { now, log } = input;
  const k = db.kysely;
  const lost = await k
    .updateTable('deliveries')
    .set({
      state: 'uncertain',
      lease_owner: null,
      lease_until: null,
      error_code: 'delivery.workerLost',
      // What is known: the message was handed to the server, and no outcome was recorded before
      // the lease ran out. The worker died, or it could not write to the database (disk full): a
      // live worker that knows the outcome still records `sent` once it can.
      error_message: "the server's answer to this message was not recorded (the sending process stopped, or the database did not take the write); check the mail server's log before sending again",
      updated_at: now,
    })
    // A literal, not a parameter: SQLite uses the partial index `deliveries_lease` (state =
    // 'sending') only when it can see that the query's condition implies the index's.
    .where(sql<boolean>`state = 'sending'`)
    .where('lease_until', '<', now)
    .returning('id')
    .execute();
  if (lost.length > 0) {
    await k.updateTable('delivery_documents').set({ active: 0 }).where('delivery_id', 'in', lost.map((r) => r.id)).execute();
    log('warn', 'deliveries marked uncertain after a lost worker', { count: lost.length });
  }
  await k
    .updateTable('dispatches')
    .set({ status: 'completed', completed_at: now, updated_at: now })
    .where('status', '=', 'sending')
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('deliveries as x').select('x.id').whereRef('x.dispatch_id', '=', 'dispatches.id').where('x.state', 'in', ['queued', 'retrying', 'sending']))),
    )
    .execute();
}
