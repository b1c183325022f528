import { sql, type Kysely } from 'kysely';
import { columnTypes, type DialectKind } from '../connection.ts';

/**
 * The dispatch job as a transactional outbox: dispatches, their recipients and documents, one
 * delivery row per e-mail, and the global rate-limit buckets. The rule "a document is in at most
 * one queued/retrying/sending delivery" is a partial unique index, so it holds across processes
 * and machines, not only in code.
 */
export function dispatch(dialect: DialectKind) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('dispatches')
        .addColumn('id', t.id, t.pk)
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('draft', 'sending', 'paused', 'completed', 'cancelled')`))
        .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('perCustomer', 'perDocument')`))
        .addColumn('template_id', 'integer')
        .addColumn('template_snapshot', 'text')
        .addColumn('selection', 'text', (c) => c.notNull())
        .addColumn('created_by_user_id', 'integer')
        .addColumn('created_by_token_id', 'integer')
        .addColumn('send_key', 'text')
        .addColumn('send_requested_at', 'text')
        .addColumn('paused_reason', 'text')
        .addColumn('paused_message', 'text')
        .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('completed_at', 'text')
        .addColumn('cancelled_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('dispatches_status').on('dispatches').columns(['status', 'id']).execute();

      await db.schema
        .createTable('dispatch_recipients')
        .addColumn('id', t.id, t.pk)
        .addColumn('dispatch_id', 'integer', (c) => c.notNull().references('dispatches.id').onDelete('cascade'))
        .addColumn('customer_id', 'integer', (c) => c.notNull().references('customers.id'))
        .addColumn('removed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('dispatch_recipients_customer', ['dispatch_id', 'customer_id'])
        .execute();

      await db.schema
        .createTable('dispatch_documents')
        .addColumn('dispatch_id', 'integer', (c) => c.notNull().references('dispatches.id').onDelete('cascade'))
        .addColumn('recipient_id', 'integer', (c) => c.notNull().references('dispatch_recipients.id').onDelete('cascade'))
        .addColumn('document_id', 'integer', (c) => c.notNull().references('documents.id'))
        .addColumn('excluded', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('dispatch_documents_pk', ['dispatch_id', 'document_id'])
        .execute();
      await db.schema.createIndex('dispatch_documents_recipient').on('dispatch_documents').column('recipient_id').execute();

      await db.schema
        .createTable('deliveries')
        .addColumn('id', t.id, t.pk)
        .addColumn('dispatch_id', 'integer', (c) => c.notNull().references('dispatches.id').onDelete('cascade'))
        .addColumn('recipient_id', 'integer', (c) => c.notNull().references('dispatch_recipients.id'))
        .addColumn('customer_id', 'integer', (c) => c.notNull().references('customers.id'))
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('queued', 'sending', 'sent', 'retrying', 'failed', 'uncertain', 'cancelled')`))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('to_email', 'text', (c) => c.notNull())
        .addColumn('to_name', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text')
        .addColumn('smtp_response', 'text')
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('last_attempt_at', 'text')
        .addColumn('sent_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // The claim query walks one dispatch's due rows of one state in order, without sorting.
      await db.schema.createIndex('deliveries_claim').on('deliveries').columns(['dispatch_id', 'state', 'next_attempt_at', 'id']).execute();
      // The sweep finds `sending` rows whose lease expired.
      await db.schema.createIndex('deliveries_lease').on('deliveries').columns(['state', 'lease_until']).execute();
      await db.schema.createIndex('deliveries_recipient').on('deliveries').column('recipient_id').execute();

      await db.schema
        .createTable('delivery_documents')
        .addColumn('delivery_id', 'integer', (c) => c.notNull().references('deliveries.id').onDelete('cascade'))
        .addColumn('document_id', 'integer', (c) => c.notNull().references('documents.id'))
        .addColumn('dispatch_id', 'integer', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('delivery_documents_pk', ['delivery_id', 'document_id'])
        .execute();
      await db.schema
        .createIndex('delivery_documents_one_active')
        .unique()
        .on('delivery_documents')
        .column('document_id')
        .where(sql.ref('active'), '=', 1)
        .execute();

      await db.schema
        .createTable('dispatch_rate_buckets')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('tokens_milli', t.bigint, (c) => c.notNull())
        .addColumn('updated_ms', t.bigint, (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['dispatch_rate_buckets', 'delivery_documents', 'deliveries', 'dispatch_documents', 'dispatch_recipients', 'dispatches']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
