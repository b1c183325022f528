import { sql } from 'kysely';
import type { Db } from '../../db/connection.ts';
import type { DbRateLimiter } from './rate-limit.ts';
import type { Claimed } from './types.ts';

/**
 * Claiming due deliveries: a lease for this worker on up to `limit` rows of one dispatch in one
 * state. On PostgreSQL with `FOR UPDATE SKIP LOCKED`, so any number of workers on any number of
 * machines share the queue; on SQLite as one UPDATE … WHERE id IN (SELECT …) statement, atomic
 * under SQLite's write lock, also across processes.
 */
export async function claimDue(
  db: Db,
  input: { owner: string; dispatchId: number; state: 'queued' | 'retrying'; now: string; until: string; limit: number },
): Promise<Claimed[]> {
  const { owner, dispatchId, state, now, until, limit } = input;
  const k = db.kysely;
  let rows: Claimed[];
  if (db.dialect === 'postgres') {
    const due = () =>
      k
        .selectFrom('deliveries')
        .select('id')
        .where('dispatch_id', '=', dispatchId)
        .where('state', '=', state)
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit);
    // A CTE is evaluated once. `WHERE id IN (SELECT … SKIP LOCKED LIMIT n)` may be re-run by
    // the planner, and each run can skip to other rows, claiming more than n.
    rows = await k
      .with('due', () => due().forUpdate().skipLocked())
      .updateTable('deliveries')
      .from('due')
      .set({ lease_owner: owner, lease_until: until })
      .whereRef('deliveries.id', '=', 'due.id')
      .where('deliveries.state', '=', state)
      .returning(['deliveries.id', 'deliveries.dispatch_id', 'deliveries.recipient_id', 'deliveries.customer_id', 'deliveries.attempts', 'deliveries.to_email', 'deliveries.to_name', 'deliveries.next_attempt_at'])
      .execute();
  } else {
    // One statement: atomic under SQLite's write lock, also across processes, so the inner
    // SELECT's conditions still hold when the rows are updated. (A repeated `state = ?` on
    // the outer UPDATE made SQLite scan every row of that state through the lease index
    // instead of looking up the ids: quadratic over a 100,000-recipient dispatch.)
    const result = await sql<Claimed>`update deliveries set lease_owner = ${owner}, lease_until = ${until}
      where id in (select id from deliveries where dispatch_id = ${dispatchId} and state = ${state} and next_attempt_at <= ${now}
        and (lease_until is null or lease_until < ${now}) order by next_attempt_at, id limit ${limit})
      returning id, dispatch_id, recipient_id, customer_id, attempts, to_email, to_name, next_attempt_at`.execute(k);
    rows = result.rows;
  }
  // RETURNING gives no order; send in queue order (next attempt, then id).
  return rows.sort(queueOrder);
}

/**
 * The queue's order: next attempt, then id. Re-queued deliveries (a person's "retry" after a
 * pause) get a fresh next attempt, so the recipients that never had a turn go before them, instead
 * of the known-bad ones first, pausing the dispatch again before the good ones are reached.
 */
export function queueOrder(a: Claimed, b: Claimed): number {
  return a.next_attempt_at < b.next_attempt_at ? -1 : a.next_attempt_at > b.next_attempt_at ? 1 : a.id - b.id;
}

/**
 * Up to `want` due deliveries across the dispatches that are sending, oldest dispatch first,
 * each paid for with a rate-limit token (unused tokens go back). `waitMs`: when to look again
 * if nothing was claimed.
 */
export async function claimBatch(
  db: Db,
  limiter: DbRateLimiter,
  input: { owner: string; want: number; now: string; until: string; pollMs: number },
): Promise<{ claimed: Claimed[]; waitMs: number }> {
  const { owner, want, now, until, pollMs } = input;
  if (want <= 0) return { claimed: [], waitMs: pollMs };
  const dispatches = await db.kysely.selectFrom('dispatches').select('id').where('status', '=', 'sending').orderBy('id').execute();
  if (dispatches.length === 0) return { claimed: [], waitMs: pollMs };
  const tokens = await limiter.take(want);
  if (tokens.granted === 0) return { claimed: [], waitMs: tokens.waitMs };
  const claimed: Claimed[] = [];
  for (const d of dispatches) {
    const mine: Claimed[] = [];
    for (const state of ['retrying', 'queued'] as const) {
      const left = tokens.granted - claimed.length - mine.length;
      if (left <= 0) break;
      mine.push(...(await claimDue(db, { owner, dispatchId: d.id, state, now, until, limit: left })));
    }
    claimed.push(...mine.sort(queueOrder));
    if (claimed.length >= tokens.granted) break;
  }
  await limiter.refund(tokens.granted - claimed.length);
  return { claimed, waitMs: claimed.length > 0 ? 0 : pollMs };
}
