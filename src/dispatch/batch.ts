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
