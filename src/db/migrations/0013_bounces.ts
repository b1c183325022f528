import { sql, type Kysely } from 'kysely';
import { columnTypes, type DialectKind } from '../connection.ts';

/**
 * Bounces through the practice's own mailbox (issue 17):
 * - the IMAP mailbox in the mail settings (password sealed like the SMTP one), VERP, the copy to
 *   the Sent folder and the daily bounce e-mail to the admins;
 * - the delivery state `bounced` (after `sent`: the server took the message, the recipient's
 *   server later returned it) with the report's status, text and time;
 * - the customer's address flag "unzustellbar seit …": it holds for the address that bounced, so
 *   it ends by itself when the address is corrected, or when a person clears it;
 * - every recognised report (bounces and delay notices) for the result page and the daily e-mail;
 * - a lease so that one poller at a time reads the mailbox, across all processes.
 *
 * Adding `bounced` to the deliveries' state CHECK: PostgreSQL replaces the constraint; SQLite
 * cannot alter a CHECK, so the table is rebuilt the way SQLite documents it
 * (https://www.sqlite.org/lang_altertable.html#otheralter), from its own stored definition, so
 * columns and indexes other migrations added are kept.
 */
export function bounces(dialect: DialectKind) {
  const t = columnTypes(dialect);
  return {
    // generic in the schema so a test can run it on the app's typed connection
    async up<DB>(db: Kysely<DB>): Promise<void> {
      for (const [name, type] of IMAP_COLUMNS) await db.schema.alterTable('mail_settings').addColumn(name, type).execute();
      await db.schema.alterTable('mail_settings').addColumn('imap_accept_self_signed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('mail_settings').addColumn('verp', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('mail_settings').addColumn('save_sent_copy', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('mail_settings').addColumn('bounce_digest', 'integer', (c) => c.notNull().defaultTo(0)).execute();

      for (const column of ['bounced_at', 'bounce_status', 'bounce_diagnostic'] as const) {
        await db.schema.alterTable('deliveries').addColumn(column, 'text').execute();
      }
      await setDeliveryStates(db, dialect, (states) => (states.includes('bounced') ? states : [...states, 'bounced']));

      for (const column of ['email_bounced_at', 'email_bounce_address', 'email_bounce_reason'] as const) {
        await db.schema.alterTable('customers').addColumn(column, 'text').execute();
      }

      await db.schema
        .createTable('mail_bounces')
        .addColumn('id', t.id, t.pk)
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('permanent', 'delayed')`))
        /** the report's Message-ID, or a hash of its bytes when it has none: processing a report twice changes nothing */
        .addColumn('report_key', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('delivery_id', 'integer')
        .addColumn('dispatch_id', 'integer')
        .addColumn('customer_id', 'integer')
        .addColumn('matched_by', 'text', (c) => c.notNull().check(sql`matched_by in ('verp', 'messageId', 'envelopeId')`))
        .addColumn('status', 'text')
        .addColumn('diagnostic', 'text')
        .addColumn('reported_at', 'text', (c) => c.notNull())
        .addColumn('processed_at', 'text', (c) => c.notNull())
        .addColumn('digest_sent_at', 'text')
        .addUniqueConstraint('mail_bounces_report', ['report_key', 'address'])
        .execute();
      await db.schema.createIndex('mail_bounces_delivery').on('mail_bounces').column('delivery_id').execute();
      await db.schema.createIndex('mail_bounces_dispatch').on('mail_bounces').column('dispatch_id').execute();
      await db.schema.createIndex('mail_bounces_digest').on('mail_bounces').columns(['digest_sent_at', 'kind']).execute();

      await db.schema
        .createTable('mailbox_state')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('uid_validity', 'text')
        .addColumn('last_uid', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_polled_at', 'text')
        .addColumn('last_result', 'text')
        .addColumn('last_error', 'text')
        .addColumn('last_digest_at', 'text')
        .execute();

      await db.schema
        .createTable('singleton_leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('lease_until_ms', t.bigint, (c) => c.notNull())
        .execute();
    },
    async down<DB>(db: Kysely<DB>): Promise<void> {
      await db.schema.dropTable('singleton_leases').execute();
      await db.schema.dropTable('mailbox_state').execute();
      await db.schema.dropTable('mail_bounces').execute();
      for (const column of ['email_bounced_at', 'email_bounce_address', 'email_bounce_reason']) {
        await db.schema.alterTable('customers').dropColumn(column).execute();
      }
      await sql`update deliveries set state = 'sent' where state = 'bounced'`.execute(db);
      await setDeliveryStates(db, dialect, (states) => states.filter((s) => s !== 'bounced'));
      for (const column of ['bounced_at', 'bounce_status', 'bounce_diagnostic']) {
        await db.schema.alterTable('deliveries').dropColumn(column).execute();
      }
      for (const column of ['bounce_digest', 'save_sent_copy', 'verp', 'imap_accept_self_signed', ...IMAP_COLUMNS.map(([name]) => name)]) {
        await db.schema.alterTable('mail_settings').dropColumn(column).execute();
      }
    },
  };
}

const IMAP_COLUMNS = [
  ['imap_host', 'text'],
  ['imap_port', 'integer'],
  ['imap_security', 'text'],
  ['imap_user', 'text'],
  /** AES-256-GCM like password_enc (secret-box purpose `imapPassword`) */
  ['imap_password_enc', 'text'],
  ['imap_folder', 'text'],
  ['imap_processed_folder', 'text'],
  ['imap_sent_folder', 'text'],
] as const;

/** Rewrites the CHECK on deliveries.state to the list `change` makes of the current one. */
async function setDeliveryStates<DB>(db: Kysely<DB>, dialect: DialectKind, change: (states: string[]) => string[]): Promise<void> {
  if (dialect === 'postgres') {
    const found = await sql<{ conname: string; def: string }>`
      select conname, pg_get_constraintdef(oid) as def from pg_constraint
      where conrelid = 'deliveries'::regclass and contype = 'c' and pg_get_constraintdef(oid) like '%state%'`.execute(db);
    const current = found.rows[0];
    if (!current) throw new Error('deliveries: no CHECK constraint on state found');
    const states = [...current.def.matchAll(/'([a-z]+)'::text/g)].map((m) => m[1] ?? '');
    const list = change(states).map((s) => `'${s}'`).join(', ');
    await sql`alter table deliveries drop constraint ${sql.id(current.conname)}`.execute(db);
    await sql`alter table deliveries add constraint ${sql.id(current.conname)} check (state in (${sql.raw(list)}))`.execute(db);
    return;
  }
  const master = await sql<{ type: string; name: string; sql: string | null }>`select type, name, sql from sqlite_master where tbl_name = 'deliveries'`.execute(db);
  const table = master.rows.find((r) => r.type === 'table')?.sql;
  if (!table) throw new Error('deliveries: table not found');
  const check = /check\s*\(\s*"?state"?\s+in\s*\(([^)]*)\)\s*\)/i.exec(table);
  if (!check?.[1]) throw new Error('deliveries: no CHECK constraint on state found');
  const states = [...check[1].matchAll(/'([a-z]+)'/g)].map((m) => m[1] ?? '');
  const list = change(states).map((s) => `'${s}'`).join(', ');
  const rebuilt = table.replace(check[0], `check (state in (${list}))`).replace(/^create table\s+"?deliveries"?/i, 'create table "deliveries_rebuilt"');
  const others = master.rows.filter((r) => r.type !== 'table' && r.sql !== null).map((r) => r.sql ?? '');
  // Foreign keys off while the table is swapped: dropping `deliveries` would otherwise cascade
  // into delivery_documents. The pragma has no effect inside a transaction, so it comes first.
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await db.transaction().execute(async (trx) => {
      await sql.raw(rebuilt).execute(trx);
      await sql`insert into deliveries_rebuilt select * from deliveries`.execute(trx);
      await sql`drop table deliveries`.execute(trx);
      await sql`alter table deliveries_rebuilt rename to deliveries`.execute(trx);
      for (const statement of others) await sql.raw(statement).execute(trx);
      const broken = await sql`pragma foreign_key_check`.execute(trx);
      if (broken.rows.length > 0) throw new Error('deliveries: foreign keys broken by the rebuild');
    });
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}
