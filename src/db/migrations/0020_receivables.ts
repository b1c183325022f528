import { sql, type Kysely, type SqlBool } from 'kysely';
import { columnTypes, type DialectKind } from '../connection.ts';

/**
 * Receivables (issue 18): payments on invoices and the bank statements they come from.
 *
 * - `payments`: one row per amount booked on one invoice (a bank credit paying two invoices is two
 *   rows with the same `bank_entry_id`); manual payments (cash, card) have no bank entry.
 * - `bank_statements` / `bank_entries`: every imported statement and each of its entries, keyed by
 *   the bank's own ids (camt.053 `Stmt/Id`, `AcctSvcrRef`) or, where a bank gives none, by a hash
 *   of what identifies the entry. The unique keys are what makes a re-import book nothing twice.
 * - `documents.paid_cents`: the sum of the invoice's payments, kept in the same transaction as
 *   every payment write, so Auswertungen can filter "offen" and "überfällig" over 100,000 invoices
 *   without summing payments per row. The state itself is derived (src/domain/receivables.ts).
 */
export function receivables(dialect: DialectKind) {
  const t = columnTypes(dialect);
  return {
    async up<DB>(db: Kysely<DB>): Promise<void> {
      await db.schema.alterTable('documents').addColumn('paid_cents', t.bigint, (c) => c.notNull().defaultTo(0)).execute();
      // "offen" / "überfällig seit mehr als N Tagen": only open final invoices are in this index.
      await db.schema
        .createIndex('documents_open_due')
        .on('documents')
        .column('due_date')
        .where(sql<SqlBool>`type = 'invoice' and status = 'final' and gross_cents > paid_cents`)
        .execute();

      await db.schema
        .createTable('bank_statements')
        .addColumn('id', t.id, t.pk)
        .addColumn('format', 'text', (c) => c.notNull().check(sql`format in ('camt053', 'csv')`))
        /** the account and the bank's statement id (camt.053), or the file's SHA-256 (CSV) */
        .addColumn('statement_key', 'text', (c) => c.notNull().unique())
        .addColumn('account_iban', 'text')
        .addColumn('statement_ref', 'text')
        .addColumn('from_date', 'text')
        .addColumn('to_date', 'text')
        .addColumn('file_name', 'text')
        .addColumn('imported_at', 'text', (c) => c.notNull())
        .addColumn('imported_by_user_id', 'integer')
        .addColumn('imported_by_token_id', 'integer')
        .execute();

      await db.schema
        .createTable('bank_entries')
        .addColumn('id', t.id, t.pk)
        .addColumn('statement_id', 'integer', (c) => c.notNull().references('bank_statements.id'))
        /** account + the bank's reference for the entry, or a hash of its content and its place among equal entries */
        .addColumn('entry_key', 'text', (c) => c.notNull().unique())
        .addColumn('booking_date', 'text', (c) => c.notNull())
        .addColumn('value_date', 'text')
        /** credits positive, debits negative */
        .addColumn('amount_cents', t.bigint, (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('counterparty_name', 'text')
        .addColumn('counterparty_iban', 'text')
        .addColumn('remittance', 'text')
        .addColumn('end_to_end_id', 'text')
        .addColumn('bank_reference', 'text')
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('booked', 'review', 'rejected', 'ignored')`))
        /** why it needs review, or how it was matched: a stable code (`bank.match.*`) */
        .addColumn('match_code', 'text')
        /** JSON: proposed allocations [{ documentId, amountCents }] and candidates for the review list */
        .addColumn('proposal', 'text')
        .addColumn('decided_at', 'text')
        .addColumn('decided_by_user_id', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('bank_entries_statement').on('bank_entries').column('statement_id').execute();
      await db.schema.createIndex('bank_entries_status').on('bank_entries').column('status').execute();

      await db.schema
        .createTable('payments')
        .addColumn('id', t.id, t.pk)
        .addColumn('document_id', 'integer', (c) => c.notNull().references('documents.id'))
        .addColumn('customer_id', 'integer', (c) => c.notNull().references('customers.id'))
        .addColumn('paid_on', 'text', (c) => c.notNull())
        .addColumn('amount_cents', t.bigint, (c) => c.notNull())
        .addColumn('reference', 'text')
        .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('bank', 'cash', 'card', 'manual')`))
        .addColumn('bank_entry_id', 'integer', (c) => c.references('bank_entries.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by_user_id', 'integer')
        .addColumn('created_by_token_id', 'integer')
        // one bank entry books at most once on each invoice
        .addUniqueConstraint('payments_entry_document', ['bank_entry_id', 'document_id'])
        .execute();
      await db.schema.createIndex('payments_document').on('payments').column('document_id').execute();
      await db.schema.createIndex('payments_customer').on('payments').column('customer_id').execute();
    },
    async down<DB>(db: Kysely<DB>): Promise<void> {
      await db.schema.dropTable('payments').execute();
      await db.schema.dropTable('bank_entries').execute();
      await db.schema.dropTable('bank_statements').execute();
      await db.schema.dropIndex('documents_open_due').execute();
      await db.schema.alterTable('documents').dropColumn('paid_cents').execute();
    },
  };
}
