import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { AppError } from '../domain/errors.ts';

/**
 * Where a final document's PDF is kept as issued (GoBD: unchanged, reproducible, for the
 * retention period). The database is the default store; a file or object store can implement the
 * same interface. `db` is the caller's transaction, so archiving commits or rolls back together
 * with the finalisation it belongs to.
 */
export interface PdfArchive {
  /**
   * Stores the PDF unless one is archived for the document already; then the first one stays
   * (never replaced) and its hash is returned with `created: false`.
   */
  store(db: Kysely<Database>, documentId: number, bytes: Uint8Array): Promise<{ sha256: string; created: boolean }>;
  load(db: Kysely<Database>, documentId: number): Promise<{ pdf: Buffer; sha256: string } | undefined>;
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** better-sqlite3 and pg both return a Buffer for blob/bytea; other drivers may give a Uint8Array. */
function toBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

export const databasePdfArchive: PdfArchive = {
  async store(db, documentId, bytes) {
    const sha256 = sha256Hex(bytes);
    // ON CONFLICT DO NOTHING on both SQLite and PostgreSQL: a second store (a retry, a concurrent
    // finalisation) can never overwrite what was issued; the table's triggers forbid UPDATE anyway.
    const inserted = await db
      .insertInto('document_pdfs')
      .values({ document_id: documentId, pdf: toBuffer(bytes), sha256, size: bytes.byteLength, created_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('document_id').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return { sha256, created: true };
    const existing = await db.selectFrom('document_pdfs').select('sha256').where('document_id', '=', documentId).executeTakeFirstOrThrow();
    return { sha256: existing.sha256, created: false };
  },

  async load(db, documentId) {
    const row = await db.selectFrom('document_pdfs').select(['pdf', 'sha256']).where('document_id', '=', documentId).executeTakeFirst();
    if (!row) return undefined;
    const pdf = toBuffer(row.pdf);
    // Integrity check on every read: what we hand out is provably what was archived.
    if (sha256Hex(pdf) !== row.sha256) {
      throw new AppError('conflict', 'pdf.archiveCorrupt', `archived PDF of document ${documentId} does not match its SHA-256`);
    }
    return { pdf, sha256: row.sha256 };
  },
};
