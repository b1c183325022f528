import { sql, type Kysely } from 'kysely';
import type { DialectKind } from '../db/connection.ts';
import type { Database } from '../db/schema.ts';

/**
 * The worker's hot writes for several deliveries in one statement each. A batch holds the
 * deliveries whose SMTP transactions ended (or that are about to start) within the same few
 * milliseconds; per-row values travel as one JSON parameter.
 *
 * Written as SQL text rather than with the query builder: these run once or twice per message,
 * and building and compiling a Kysely query cost more CPU than SQLite needed to execute it
 * (≈ 90 µs of ≈ 180 µs per statement, measured on the 2-core bench machine).
 */

export interface SentRow {
  id: number;
  dispatchId: number;
  toEmail: string;
  messageId: string;
  response: string;
  documentIds: readonly number[];
}

/**
 * Records `sent` (message id, server reply), releases the documents for later dispatches, stamps
 * each document's lastSentAt/To and resets the dispatches' failure streak. Run inside the
 * caller's transaction so these writes commit together.
 */
export async function recordSentRows(trx: Kysely<Database>, dialect: DialectKind, rows: readonly SentRow[], now: string): Promise<void> {
  if (rows.length === 0) return;
  const deliveries = JSON.stringify(rows.map((r) => ({ id: r.id, mid: r.messageId, resp: r.response.slice(0, 1000) })));
  const documents = JSON.stringify(rows.flatMap((r) => r.documentIds.map((id) => ({ id, to: r.toEmail }))));
  if (dialect === 'postgres') {
    await sql`update deliveries as d set state = 'sent', message_id = v.mid, smtp_response = v.resp, sent_at = ${now}, lease_owner = null, lease_until = null,
        error_code = null, error_message = null, updated_at = ${now}
      from json_to_recordset(cast(${deliveries} as json)) as v(id bigint, mid text, resp text)
      where d.id = v.id and d.state <> 'sent'`.execute(trx);
    if (documents !== '[]') {
      await sql`update documents as doc set last_sent_at = ${now}, last_sent_to = v.to
        from json_to_recordset(cast(${documents} as json)) as v(id bigint, "to" text) where doc.id = v.id`.execute(trx);
    }
  } else {
    await sql`update deliveries set state = 'sent', message_id = v.mid, smtp_response = v.resp, sent_at = ${now}, lease_owner = null, lease_until = null,
        error_code = null, error_message = null, updated_at = ${now}
      from (select json_extract(value, '$.id') as id, json_extract(value, '$.mid') as mid, json_extract(value, '$.resp') as resp from json_each(${deliveries})) as v
      where deliveries.id = v.id and deliveries.state <> 'sent'`.execute(trx);
    if (documents !== '[]') {
      await sql`update documents set last_sent_at = ${now}, last_sent_to = v."to"
        from (select json_extract(value, '$.id') as id, json_extract(value, '$.to') as "to" from json_each(${documents})) as v where documents.id = v.id`.execute(trx);
    }
  }
  const ids = sql.join(rows.map((r) => r.id));
  await sql`update delivery_documents set active = 0 where delivery_id in (${ids})`.execute(trx);
  const dispatchIds = sql.join([...new Set(rows.map((r) => r.dispatchId))]);
  await sql`update dispatches set consecutive_failures = 0 where id in (${dispatchIds}) and consecutive_failures > 0`.execute(trx);
}

/**
 * State before side effect: marks claimed deliveries `sending` (attempt counted) if this worker
 * still holds their lease and their dispatch is still sending (not paused or cancelled). Returns
 * the ids that were marked; only those may be handed to SMTP.
 */
export async function markSendingRows(trx: Kysely<Database>, ids: readonly number[], owner: string, now: string, leaseUntil: string): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const { rows } = await sql<{ id: number }>`update deliveries set state = 'sending', attempts = attempts + 1, last_attempt_at = ${now}, lease_until = ${leaseUntil}, updated_at = ${now}
    where id in (${sql.join([...ids])}) and lease_owner = ${owner} and state in ('queued', 'retrying')
      and dispatch_id in (select id from dispatches where status = 'sending')
    returning id`.execute(trx);
  return new Set(rows.map((r) => Number(r.id)));
}

/**
 * One commit of the outcome writer: `sent` for `rows`, then `sending` for `marks`, atomically.
 * On PostgreSQL it is a single statement (data-modifying CTEs, one implicit transaction), so a
 * commit costs one network round trip instead of seven while the lanes wait for it; SQLite runs
 * the same writes as a transaction in-process.
 */
export async function commitOutcomes(
  db: Kysely<Database>,
  dialect: DialectKind,
  input: { sent: readonly SentRow[]; marks: readonly number[]; owner: string; now: string; leaseUntil: string },
): Promise<Set<number>> {
  const { sent, marks, owner, now, leaseUntil } = input;
  if (dialect !== 'postgres') {
    return db.transaction().execute(async (trx) => {
      // `sent` first: the server has those messages; recording them must not wait for anything else.
      await recordSentRows(trx, dialect, sent, now);
      return markSendingRows(trx, marks, owner, now, leaseUntil);
    });
  }
  const ids = sent.map((r) => r.id);
  const documentIds = sent.flatMap((r) => r.documentIds);
  const documentTo = sent.flatMap((r) => r.documentIds.map(() => r.toEmail));
  // Per-row values as arrays (`unnest`), not JSON: the planner sizes an array parameter correctly
  // and looks the rows up by primary key, while `json_to_recordset` counts as 100 rows and got
  // hash joins over whole tables (9 ms per commit at 10,000 deliveries, growing with the table).
  // All parts see the same snapshot and touch different rows (the `sent` rows are this worker's
  // `sending` ones, the marked rows its claimed `queued`/`retrying` ones).
  const { rows } = await sql<{ id: number }>`with
      sent as (update deliveries as d set state = 'sent', message_id = v.mid, smtp_response = v.resp, sent_at = ${now}, lease_owner = null, lease_until = null,
          error_code = null, error_message = null, updated_at = ${now}
        from unnest(cast(${ids} as bigint[]), cast(${sent.map((r) => r.messageId)} as text[]), cast(${sent.map((r) => r.response.slice(0, 1000))} as text[])) as v(id, mid, resp)
        where d.id = v.id and d.id = any(cast(${ids} as bigint[])) and d.state <> 'sent' returning d.id),
      released as (update delivery_documents set active = 0 where delivery_id = any(cast(${ids} as bigint[])) returning delivery_id),
      stamped as (update documents as doc set last_sent_at = ${now}, last_sent_to = x.sent_to
        from unnest(cast(${documentIds} as bigint[]), cast(${documentTo} as text[])) as x(id, sent_to)
        where doc.id = x.id and doc.id = any(cast(${documentIds} as bigint[])) returning doc.id),
      streak as (update dispatches set consecutive_failures = 0 where id = any(cast(${[...new Set(sent.map((r) => r.dispatchId))]} as bigint[])) and consecutive_failures > 0 returning id),
      marked as (update deliveries set state = 'sending', attempts = attempts + 1, last_attempt_at = ${now}, lease_until = ${leaseUntil}, updated_at = ${now}
        where id = any(cast(${[...marks]} as bigint[])) and lease_owner = ${owner} and state in ('queued', 'retrying')
          and dispatch_id in (select id from dispatches where status = 'sending')
        returning id)
    select id from marked`.execute(db);
  return new Set(rows.map((r) => Number(r.id)));
}
