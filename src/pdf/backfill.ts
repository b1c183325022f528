import type { Kysely } from 'kysely';
import { buildRenderable } from '../commands/documents.ts';
import type { Database } from '../db/schema.ts';
import type { RenderableDocument } from '../domain/issued-document.ts';
import { databasePdfArchive, type PdfArchive } from './archive.ts';
import { RenderPool, renderAll } from './bulk.ts';

/**
 * Archives the PDF of every issued document that has none yet — documents imported or created
 * in bulk (demo data) without rendering each one inside its finalisation. Rendering uses all
 * cores (worker threads); documents are read in pages of `batchSize`, so memory stays bounded
 * however many there are. Each PDF is rendered from the document's frozen snapshots, and
 * storing never replaces an existing archive entry (GoBD).
 */
export async function archiveMissingPdfs(input: { db: Kysely<Database>; archive?: PdfArchive; pool?: RenderPool; batchSize?: number }): Promise<{ count: number }> {
  const { db } = input;
  const archive = input.archive ?? databasePdfArchive;
  const batchSize = input.batchSize ?? 200;
  const pool = input.pool ?? new RenderPool();
  async function* missing(): AsyncGenerator<RenderableDocument> {
    let after = 0;
    for (;;) {
      const rows = await db
        .selectFrom('documents as d')
        .leftJoin('document_pdfs as p', 'p.document_id', 'd.id')
        .select('d.id')
        .where('d.status', '!=', 'draft')
        .where('d.number', 'is not', null)
        .where('p.document_id', 'is', null)
        .where('d.id', '>', after)
        .orderBy('d.id')
        .limit(batchSize)
        .execute();
      for (const row of rows) yield await buildRenderable(db, row.id);
      const last = rows.at(-1);
      if (!last || rows.length < batchSize) return;
      after = last.id;
    }
  }
  try {
    let created = 0;
    await renderAll(
      missing(),
      async (doc, pdf) => {
        if ((await archive.store(db, doc.id, pdf)).created) created += 1;
      },
      { pool },
    );
    return { count: created };
  } finally {
    if (!input.pool) await pool.close();
  }
}
