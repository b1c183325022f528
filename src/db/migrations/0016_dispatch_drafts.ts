import type { Kysely } from 'kysely';

/**
 * Issue 13, "no invoice e-mailed twice by accident":
 * - `dispatch_draft_documents`: one row per document held by an open draft, keyed by the document,
 *   so two open drafts can never hold the same document — the database refuses it across
 *   processes and machines, like delivery_documents_one_active does for deliveries. Rows are
 *   written when a draft takes documents and deleted when it is sent or discarded.
 * - `dispatch_recipients.resend`: a person chose "Erneut senden" for this recipient, whose
 *   documents were sent before; without it such a recipient blocks Senden.
 * - `deliveries.resend`: the delivery is such a deliberate re-send ("erneut gesendet" in the
 *   report and the document's send history).
 */
export const dispatchDrafts = {
  async up<DB>(db: Kysely<DB>): Promise<void> {
    await db.schema
      .createTable('dispatch_draft_documents')
      .addColumn('document_id', 'integer', (c) => c.primaryKey().references('documents.id'))
      .addColumn('dispatch_id', 'integer', (c) => c.notNull().references('dispatches.id').onDelete('cascade'))
      .execute();
    await db.schema.createIndex('dispatch_draft_documents_dispatch').on('dispatch_draft_documents').column('dispatch_id').execute();
    await db.schema.alterTable('dispatch_recipients').addColumn('resend', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('deliveries').addColumn('resend', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  },
  async down<DB>(db: Kysely<DB>): Promise<void> {
    await db.schema.alterTable('deliveries').dropColumn('resend').execute();
    await db.schema.alterTable('dispatch_recipients').dropColumn('resend').execute();
    await db.schema.dropTable('dispatch_draft_documents').execute();
  },
};
