import { PDFDocument } from 'pdf-lib';

/**
 * Merges PDFs into one, in the order given, for printing (customers who want their invoices by
 * post). Sources are pulled one at a time from an (async) iterable, so at any moment only one
 * source document is parsed besides the growing output; the caller can stream them from the
 * archive instead of loading all first. pdf-lib writes the result in one piece, so the output
 * itself is held in memory — a print batch is bounded by the number of documents selected.
 *
 * The merged file is a print job, not an archived document: it is not PDF/A and carries no
 * embedded e-invoices (pages are copied, catalog-level attachments are not).
 */
export async function mergePdfs(sources: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const merged = await PDFDocument.create({ updateMetadata: false });
  merged.setProducer('Faktura');
  merged.setCreator('Faktura');
  let pages = 0;
  for await (const bytes of sources) {
    const source = await PDFDocument.load(bytes, { updateMetadata: false });
    const copied = await merged.copyPages(source, source.getPageIndices());
    for (const page of copied) merged.addPage(page);
    pages += copied.length;
  }
  if (pages === 0) throw new Error('mergePdfs: no pages to merge');
  return merged.save({ useObjectStreams: true });
}
