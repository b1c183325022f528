import { sql, type Kysely } from 'kysely';
import { columnTypes, type DialectKind } from '../connection.ts';

export function core(dialect: DialectKind) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', t.id, t.pk)
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'staff')`))
        .addColumn('locale', 'text', (c) => c.notNull().defaultTo('de'))
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', t.id, t.pk)
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('token_prefix', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'staff')`))
        .addColumn('created_by', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();

      await db.schema
        .createTable('audit_log')
        .addColumn('id', t.id, t.pk)
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_user_id', 'integer')
        .addColumn('actor_token_id', 'integer')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('entity', 'text', (c) => c.notNull())
        .addColumn('entity_id', 'text')
        .addColumn('details', 'text')
        .execute();
      await db.schema.createIndex('audit_log_entity').on('audit_log').columns(['entity', 'entity_id']).execute();

      await db.schema
        .createTable('company')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('street', 'text', (c) => c.notNull())
        .addColumn('postcode', 'text', (c) => c.notNull())
        .addColumn('city', 'text', (c) => c.notNull())
        .addColumn('country', 'text', (c) => c.notNull().defaultTo('DE'))
        .addColumn('vat_id', 'text')
        .addColumn('tax_number', 'text')
        .addColumn('iban', 'text')
        .addColumn('bic', 'text')
        .addColumn('bank_name', 'text')
        .addColumn('email', 'text')
        .addColumn('phone', 'text')
        .addColumn('website', 'text')
        .addColumn('managing_director', 'text')
        .addColumn('register_court', 'text')
        .addColumn('register_number', 'text')
        .addColumn('payment_terms_days', 'integer', (c) => c.notNull().defaultTo(14))
        .addColumn('invoice_number_pattern', 'text', (c) => c.notNull())
        .addColumn('quote_number_pattern', 'text', (c) => c.notNull())
        .addColumn('credit_note_number_pattern', 'text', (c) => c.notNull())
        .addColumn('embed_einvoice', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('logo', t.blob)
        .addColumn('logo_mime', 'text')
        .addColumn('email_footer', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('customers')
        .addColumn('id', t.id, t.pk)
        .addColumn('number', 'text', (c) => c.notNull().unique())
        .addColumn('salutation', 'text')
        .addColumn('first_name', 'text')
        .addColumn('last_name', 'text')
        .addColumn('company_name', 'text')
        .addColumn('street', 'text')
        .addColumn('postcode', 'text')
        .addColumn('city', 'text')
        .addColumn('country', 'text', (c) => c.notNull().defaultTo('DE'))
        .addColumn('email', 'text')
        .addColumn('invoice_by_post', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('email_consent_at', 'text')
        .addColumn('vat_id', 'text')
        .addColumn('notes', 'text')
        .addColumn('search_text', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('customers_last_name').on('customers').column('last_name').execute();

      await db.schema
        .createTable('number_sequences')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('year', 'integer', (c) => c.notNull())
        .addColumn('last_value', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('number_sequences_pk', ['scope', 'year'])
        .execute();

      await db.schema
        .createTable('documents')
        .addColumn('id', t.id, t.pk)
        .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('invoice', 'quote', 'creditNote')`))
        .addColumn('number', 'text')
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('draft', 'final', 'cancelled')`))
        .addColumn('customer_id', 'integer', (c) => c.notNull().references('customers.id'))
        .addColumn('language', 'text', (c) => c.notNull().defaultTo('de'))
        .addColumn('issue_date', 'text', (c) => c.notNull())
        .addColumn('service_date', 'text')
        .addColumn('due_date', 'text')
        .addColumn('payment_terms_days', 'integer', (c) => c.notNull())
        .addColumn('intro_text', 'text')
        .addColumn('closing_text', 'text')
        .addColumn('cancels_document_id', 'integer', (c) => c.references('documents.id'))
        .addColumn('cancelled_by_document_id', 'integer', (c) => c.references('documents.id'))
        .addColumn('net_cents', t.bigint, (c) => c.notNull())
        .addColumn('vat_cents', t.bigint, (c) => c.notNull())
        .addColumn('gross_cents', t.bigint, (c) => c.notNull())
        .addColumn('customer_snapshot', 'text')
        .addColumn('company_snapshot', 'text')
        .addColumn('last_sent_at', 'text')
        .addColumn('last_sent_to', 'text')
        .addColumn('finalized_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('documents_type_number', ['type', 'number'])
        .execute();
      await db.schema.createIndex('documents_customer').on('documents').column('customer_id').execute();
      await db.schema.createIndex('documents_issue_date').on('documents').columns(['issue_date', 'id']).execute();
      await db.schema.createIndex('documents_status_type').on('documents').columns(['status', 'type', 'issue_date']).execute();
      await db.schema.createIndex('documents_number').on('documents').column('number').execute();

      await db.schema
        .createTable('document_lines')
        .addColumn('id', t.id, t.pk)
        .addColumn('document_id', 'integer', (c) => c.notNull().references('documents.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('quantity_milli', t.bigint, (c) => c.notNull())
        .addColumn('unit', 'text', (c) => c.notNull())
        .addColumn('unit_price_cents', t.bigint, (c) => c.notNull())
        .addColumn('vat_rate', 'integer', (c) => c.notNull())
        .addColumn('exemption_reason', 'text')
        .addColumn('discount_bp', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('net_cents', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('document_lines_document').on('document_lines').columns(['document_id', 'position']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['document_lines', 'documents', 'number_sequences', 'customers', 'company', 'audit_log', 'api_tokens', 'sessions', 'users']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
