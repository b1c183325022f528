import { sql } from 'kysely';
import type { Db, SqliteHandle } from '../../db/connection.ts';

/**
 * The worker's hot writes for several deliveries in one statement each. A batch holds the
 * deliveries whose SMTP transactions ended (or that are about to start) within the same few
 * milliseconds; per-row values travel as one JSON parameter.
 *
 * Written as SQL text rather than with the query builder: these run once or twice per message,
 * and building and compiling a Kysely query cost more CPU than SQLite needed to execute it
 * (≈ 90 µs of ≈ 180 µs per statement, measured on the 2-core bench machine). On SQLite they even
 * bypass Kysely's asynchronous execution (see `commitOutcomesSqlite`).
 */

export interface SentRow {
  id: number;
  dispatchId: number;
  toEmail: string;
  messageId: string;
  response: string;
  documentIds: readonly number[];
}

// The SQLite statements of one commit. Fixed SQL text (row values travel as one JSON parameter),
// so each is compiled once and reused.
const SQLITE_SENT = `update deliveries set state = 'sent', message_id = v.mid, smtp_response = v.resp, sent_at = ?, lease_owner = null, lease_until = null,
    error_code = null, error_message = null, updated_at = ?
  from (select json_extract(value, '$.id') as id, json_extract(value, '$.mid') as mid, json_extract(value, '$.resp') as resp from json_each(?)) as v
  where deliveries.id = v.id and deliveries.state <> 'sent'`;
const SQLITE_STAMP = `update documents set last_sent_at = ?, last_sent_to = v."to"
  from (select json_extract(value, '$.id') as id, json_extract(value, '$.to') as "to" from json_each(?)) as v where documents.id = v.id`;
const SQLITE_RELEASE = `update delivery_documents set active = 0 where delivery_id in (select value from json_each(?))`;
const SQLITE_STREAK = `update dispatches set consecutive_failures = 0 where id in (select value from json_each(?)) and consecutive_failures > 0`;
// `ver`: the mail settings version the message's SMTP pool was opened with; null = not checked.
const SQLITE_MARK = `update deliveries set state = 'sending', attempts = attempts + 1, last_attempt_at = ?, lease_until = ?, updated_at = ?,
    message_id = v.mid, smtp_server = v.srv
  from (select json_extract(value, '$.id') as id, json_extract(value, '$.mid') as mid, json_extract(value, '$.srv') as srv, json_extract(value, '$.ver') as ver
    from json_each(?)) as v
  where deliveries.id = v.id and lease_owner = ? and state in ('queued', 'retrying')
    and dispatch_id in (select id from dispatches where status = 'sending')
    and (v.ver is null or v.ver = (select version from mail_settings where id = 1))
  returning deliveries.id`;
const SQLITE_VERSION = `select version from mail_settings where id = 1`;

/** A claimed delivery about to be handed to SMTP, with what its mark records. */
export interface MarkRow {
  id: number;
  /** the deterministic Message-ID the message carries */
  messageId: string;
  /** host:port of the server it goes to */
  server: string | null;
  /** the mail settings version its SMTP pool was opened with; null = not checked */
  settingsVersion: number | null;
}

export interface CommitResult {
  /** the deliveries marked `sending` */
  marked: Set<number>;
  /** the stored mail settings version seen by the commit (null: no settings) */
  settingsVersion: number | null;
}

const markJson = (marks: readonly MarkRow[]) => JSON.stringify(marks.map((m) => ({ id: m.id, mid: m.messageId, srv: m.server, ver: m.settingsVersion })));

/**
 * SQLite: the same writes as one synchronous transaction on the connection handle. Run through
 * Kysely, each of the seven statements was an asynchronous round of its own, with a statement
 * built per call (ids inlined as `in (?, ?, …)`): a commit cost about 0.5 ms of CPU on the bench
 * machine, and every lane waits for one commit per message.
 */
function commitOutcomesSqlite(handle: SqliteHandle, input: { sent: readonly SentRow[]; marks: readonly MarkRow[]; owner: string; now: string; leaseUntil: string }): CommitResult {
  const { sent, marks, owner, now, leaseUntil } = input;
  return handle.inTransaction(() => {
    // `sent` first: the server has those messages; recording them must not wait for anything else.
    if (sent.length > 0) {
      handle.prepare(SQLITE_SENT).run(now, now, JSON.stringify(sent.map((r) => ({ id: r.id, mid: r.messageId, resp: r.response.slice(0, 1000) }))));
      const documents = sent.flatMap((r) => r.documentIds.map((id) => ({ id, to: r.toEmail })));
      if (documents.length > 0) handle.prepare(SQLITE_STAMP).run(now, JSON.stringify(documents));
      handle.prepare(SQLITE_RELEASE).run(JSON.stringify(sent.map((r) => r.id)));
      handle.prepare(SQLITE_STREAK).run(JSON.stringify([...new Set(sent.map((r) => r.dispatchId))]));
    }
    if (marks.length === 0) return { marked: new Set<number>(), settingsVersion: null };
    // Inside the write transaction: no save can come between this read and the marks.
    const version = handle.prepare(SQLITE_VERSION).get() as { version: number } | undefined;
    const rows = handle.prepare(SQLITE_MARK).all(now, leaseUntil, now, markJson(marks), owner) as { id: number }[];
    return { marked: new Set(rows.map((r) => Number(r.id))), settingsVersion: version ? Number(version.version) : null };
  });
}

/**
 * One commit of the outcome writer: `sent` for `rows`, then `sending` for `marks`, atomically.
 * On PostgreSQL it is a single statement (data-modifying CTEs, one implicit transaction), so a
 * commit costs one network round trip instead of seven while the lanes wait for it; SQLite runs
 * the same writes as a transaction in-process.
 */
export async function commitOutcomes(db: Db, input: { sent: readonly SentRow[]; marks: readonly MarkRow[]; owner: string; now: string; leaseUntil: string }): Promise<CommitResult> {
  const { sent, marks, owner, now, leaseUntil } = input;
  if (db.dialect === 'sqlite') {
    if (!db.withSqliteHandle) throw new Error('SQLite database without its connection handle');
    return db.withSqliteHandle((handle) => commitOutcomesSqlite(handle, input));
  }
  const ids = sent.map((r) => r.id);
  const documentIds = sent.flatMap((r) => r.documentIds);
  const documentTo = sent.flatMap((r) => r.documentIds.map(() => r.toEmail));
  // Per-row values as arrays (`unnest`), not JSON: the planner sizes an array parameter correctly
  // and looks the rows up by primary key, while `json_to_recordset` counts as 100 rows and got
  // hash joins over whole tables (9 ms per commit at 10,000 deliveries, growing with the table).
  // All parts see the same snapshot and touch different rows (the `sent` rows are this worker's
  // `sending` ones, the marked rows its claimed `queued`/`retrying` ones).
  const markIds = marks.map((m) => m.id);
  // `settings … for share`: a save of the mail settings that has not committed yet makes the marks
  // wait for it and then see its version (READ COMMITTED re-reads a locked row's newest version),
  // and a save waits for marks that already read it. So a mark is either committed before the
  // save or sees the new version: no message goes to the old server after the save returned.
  const { rows } = await sql<{ version: number | null; ids: (number | string)[] | null }>`with
      settings as (select version from mail_settings where id = 1 for share),
      sent as (update deliveries as d set state = 'sent', message_id = v.mid, smtp_response = v.resp, sent_at = ${now}, lease_owner = null, lease_until = null,
          error_code = null, error_message = null, updated_at = ${now}
        from unnest(cast(${ids} as bigint[]), cast(${sent.map((r) => r.messageId)} as text[]), cast(${sent.map((r) => r.response.slice(0, 1000))} as text[])) as v(id, mid, resp)
        where d.id = v.id and d.id = any(cast(${ids} as bigint[])) and d.state <> 'sent' returning d.id),
      released as (update delivery_documents set active = 0 where delivery_id = any(cast(${ids} as bigint[])) returning delivery_id),
      stamped as (update documents as doc set last_sent_at = ${now}, last_sent_to = x.sent_to
        from unnest(cast(${documentIds} as bigint[]), cast(${documentTo} as text[])) as x(id, sent_to)
        where doc.id = x.id and doc.id = any(cast(${documentIds} as bigint[])) returning doc.id),
      streak as (update dispatches set consecutive_failures = 0 where id = any(cast(${[...new Set(sent.map((r) => r.dispatchId))]} as bigint[])) and consecutive_failures > 0 returning id),
      marked as (update deliveries as d set state = 'sending', attempts = d.attempts + 1, last_attempt_at = ${now}, lease_until = ${leaseUntil}, updated_at = ${now},
          message_id = m.mid, smtp_server = m.srv
        from unnest(cast(${markIds} as bigint[]), cast(${marks.map((m) => m.messageId)} as text[]), cast(${marks.map((m) => m.server)} as text[]),
          cast(${marks.map((m) => m.settingsVersion)} as bigint[])) as m(id, mid, srv, ver)
        where d.id = m.id and d.id = any(cast(${markIds} as bigint[])) and d.lease_owner = ${owner} and d.state in ('queued', 'retrying')
          and d.dispatch_id in (select id from dispatches where status = 'sending')
          and (m.ver is null or m.ver = (select version from settings))
        returning d.id)
    select ${marks.length > 0 ? sql`(select version from settings)` : sql`cast(null as integer)`} as version, (select array_agg(id) from marked) as ids`.execute(db.kysely);
  const row = rows[0];
  return { marked: new Set((row?.ids ?? []).map(Number)), settingsVersion: row?.version === null || row?.version === undefined ? null : Number(row.version) };
}
