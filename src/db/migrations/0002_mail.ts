import { sql, type Kysely } from 'kysely';
import { columnTypes, type DialectKind } from '../connection.ts';

/** SMTP settings (one row) and notification templates (Dokumentvorlagen). */
export function mail(dialect: DialectKind) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('mail_settings')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('preset', 'text')
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('port', 'integer', (c) => c.notNull())
        .addColumn('security', 'text', (c) => c.notNull().check(sql`security in ('none', 'starttls', 'tls')`))
        .addColumn('auth_user', 'text')
        .addColumn('password_enc', 'text')
        .addColumn('accept_self_signed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('from_name', 'text', (c) => c.notNull())
        .addColumn('from_email', 'text', (c) => c.notNull())
        .addColumn('reply_to', 'text')
        .addColumn('bcc_archive', 'text')
        .addColumn('helo_name', 'text')
        .addColumn('pool_size', 'integer', (c) => c.notNull().defaultTo(2))
        .addColumn('rate_per_minute', 'integer', (c) => c.notNull())
        .addColumn('rate_per_day', 'integer')
        .addColumn('max_message_bytes', 'integer', (c) => c.notNull())
        .addColumn('dkim_domain', 'text')
        .addColumn('dkim_selector', 'text')
        .addColumn('dkim_key_enc', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('templates')
        .addColumn('id', t.id, t.pk)
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('customerNotification')`))
        .addColumn('language', 'text', (c) => c.notNull().check(sql`language in ('de', 'en')`))
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('templates_name', ['name'])
        .execute();
      await db.schema.createIndex('templates_kind_active').on('templates').columns(['kind', 'active']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('templates').execute();
      await db.schema.dropTable('mail_settings').execute();
    },
  };
}
