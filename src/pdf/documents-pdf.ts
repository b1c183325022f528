import { sql } from 'kysely';
import { buildRenderable, filteredDocuments, resolveSearch, type DocumentFilter } from '../commands/documents.ts';
import type { Executor } from '../commands/context.ts';
import { AppError, notFound } from '../domain/errors.ts';
import { databasePdfArchive, type PdfArchive } from './archive.ts';
import { mergePdfsOffThread } from './merge-thread.ts';
import { renderDocumentPdf } from './render.ts';

/** Use cases behind the PDF routes: one document's PDF, and a merged print batch. */

export interface DocumentPdf {
  pdf: Buffer;
  /** set for archived (final) documents: the SHA-256 stored at finalisation */
  sha256: string | null;
  filename: string;
  draft: boolean;
}

/** A print batch is held in memory while pdf-lib writes it; this bounds it (≈ 40 KiB per invoice). */
export const MAX_PRINT_DOCUMENTS = 1000;

const safeFilename = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_');

/**
 * A draft is rendered on the fly (with the ENTWURF watermark); an issued document is served from
 * the archive, byte for byte as issued (GoBD). An issued document without an archived PDF (issued
 * before the archive existed) is rendered once from its frozen snapshots and archived then.
 */
export async function documentPdf(input: { db: Executor; id: number; archive?: PdfArchive }): Promise<DocumentPdf> {
  const { db, id } = input;
  const archive = input.archive ?? databasePdfArchive;
  const doc = await db.selectFrom('documents').select(['id', 'type', 'number', 'status']).where('id', '=', id).executeTakeFirst();
  if (!doc) throw notFound('document', id);
  if (doc.status === 'draft' || doc.number === null) {
    return { pdf: await renderDocumentPdf(await buildRenderable(db, id)), sha256: null, filename: `entwurf-${id}.pdf`, draft: true };
  }
  const filename = `${safeFilename(doc.number)}.pdf`;
  const archived = await archive.load(db, id);
  if (archived) return { pdf: archived.pdf, sha256: archived.sha256, filename, draft: false };
  const rendered = await renderDocumentPdf(await buildRenderable(db, id));
  const { sha256, created } = await archive.store(db, id, rendered);
  if (created) return { pdf: rendered, sha256, filename, draft: false };
  // another request archived it first: serve that one
  const first = await archive.load(db, id);
  if (!first) throw new AppError('unavailable', 'pdf.archiveMissing', `archived PDF of document ${id} vanished`);
  return { pdf: first.pdf, sha256: first.sha256, filename, draft: false };
}

export type PrintSelection = { documentIds: number[] } | { filter: DocumentFilter; excludeDocumentIds?: number[] | undefined };

/**
 * The documents of a selection in print order: by customer (name, then customer number), then
 * document number (drafts last), then id — stable, so the same selection prints the same way.
 */
export async function printOrder(db: Executor, selection: PrintSelection): Promise<number[]> {
  // Free text through the trigram indexes, as in the list (the same documents, without a scan).
  const filter = 'filter' in selection ? selection.filter : {};
  let query = filteredDocuments(db, filter, await resolveSearch(db, filter.q)).select('d.id');
  if ('documentIds' in selection) {
    if (selection.documentIds.length === 0) throw new AppError('validation', 'print.empty', 'select at least one document', { field: 'documentIds' });
    query = query.where('d.id', 'in', selection.documentIds);
  } else if (selection.excludeDocumentIds?.length) {
    query = query.where('d.id', 'not in', [...new Set(selection.excludeDocumentIds)]);
  }
  const rows = await query
    .orderBy(sql`coalesce(c.company_name, c.last_name, c.first_name, '')`)
    .orderBy('c.number')
    .orderBy(sql`case when d.number is null then 1 else 0 end`)
    .orderBy('d.number')
    .orderBy('d.id')
    .limit(MAX_PRINT_DOCUMENTS + 1)
    .execute();
  const ids = rows.map((r) => r.id);
  if ('documentIds' in selection) {
    const found = new Set(ids);
    const missing = [...new Set(selection.documentIds)].filter((id) => !found.has(id));
    if (missing.length > 0) throw new AppError('notFound', 'document.notFound', `documents ${missing.join(', ')} do not exist`, { meta: { documentIds: missing } });
  }
  if (ids.length === 0) throw new AppError('validation', 'print.empty', 'no documents match the selection');
  if (ids.length > MAX_PRINT_DOCUMENTS) {
    throw new AppError('tooLarge', 'print.tooMany', `at most ${MAX_PRINT_DOCUMENTS} documents can be printed at once`, { meta: { max: MAX_PRINT_DOCUMENTS } });
  }
  return ids;
}

/** One PDF for printing; documents are loaded one at a time (archive or on-the-fly render). */
export async function printDocuments(input: { db: Executor; selection: PrintSelection; archive?: PdfArchive }): Promise<{ pdf: Uint8Array; count: number }> {
  const ids = await printOrder(input.db, input.selection);
  async function* pdfs(): AsyncGenerator<Uint8Array> {
    for (const id of ids) yield (await documentPdf({ db: input.db, id, ...(input.archive ? { archive: input.archive } : {}) })).pdf;
  }
  return { pdf: await mergePdfsOffThread(pdfs()), count: ids.length };
}
