import { sql, type Kysely } from 'kysely';
import { columnTypes, type DialectKind } from '../connection.ts';

/**
 * The PDF archive: a final document's PDF exactly as issued, with its SHA-256 (GoBD: issued
 * documents must be stored unchanged and reproducibly). Append-only: triggers reject UPDATE and
 * DELETE, so not even a bug in our code can replace an archived invoice. The foreign key (without
 * cascade) keeps a document with an archived PDF from being deleted.
 */
export function pdfArchive(dialect: DialectKind) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('document_pdfs')
        .addColumn('document_id', t.bigint, (c) => c.primaryKey().references('documents.id'))
        .addColumn('pdf', t.blob, (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      if (dialect === 'sqlite') {
        for (const op of ['UPDATE', 'DELETE']) {
          await sql
            .raw(`CREATE TRIGGER document_pdfs_no_${op.toLowerCase()} BEFORE ${op} ON document_pdfs BEGIN SELECT RAISE(ABORT, 'document_pdfs is append-only (GoBD)'); END`)
            .execute(db);
        }
      } else {
        await sql`CREATE FUNCTION document_pdfs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'document_pdfs is append-only (GoBD)'; END $$`.execute(db);
        await sql`CREATE TRIGGER document_pdfs_append_only BEFORE UPDATE OR DELETE ON document_pdfs FOR EACH ROW EXECUTE FUNCTION document_pdfs_append_only()`.execute(db);
      }
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('document_pdfs').execute();
      if (dialect === 'postgres') await sql`DROP FUNCTION IF EXISTS document_pdfs_append_only()`.execute(db);
    },
  };
}
