import type { Executor } from '../commands/context.ts';
import type { Db } from '../db/connection.ts';
import { customerDisplayName } from '../domain/customer.ts';
import { CSV_BOM, csvRecord } from '../domain/csv.ts';
import { AppError } from '../domain/errors.ts';
import { MAX_PRINT_DOCUMENTS } from '../pdf/documents-pdf.ts';
import { CHUNK } from './chunks.ts';
import { loadDispatch } from './dispatch-row.ts';
import type { DispatchPorts } from './ports.ts';

/** What a dispatch leaves behind: the result report, and one PDF to print for customers who want paper. */

/** The result report, one row per delivery (or per recipient without one), streamed in pages. */
export async function* reportCsv(db: Executor, id: number): AsyncGenerator<string> {
  await loadDispatch(db, id);
  // BOM + semicolons: what German Excel opens correctly by double-click (src/domain/csv.ts).
  yield CSV_BOM + csvRecord(['Kundennummer', 'Kunde', 'E-Mail', 'Dokumente', 'Status', 'Versuche', 'Zeit', 'Message-ID', 'Server', 'SMTP-Antwort / Fehler', 'Hinweis']);
  let lastNumber = '';
  let lastId = 0;
  for (;;) {
    const page = await db
      .selectFrom('dispatch_recipients as r')
      .innerJoin('customers as c', 'c.id', 'r.customer_id')
      .select(['r.id', 'r.removed', 'c.number', 'c.salutation', 'c.first_name', 'c.last_name', 'c.company_name', 'c.email'])
      .where('r.dispatch_id', '=', id)
      .where((eb) => eb.or([eb('c.number', '>', lastNumber), eb.and([eb('c.number', '=', lastNumber), eb('r.id', '>', lastId)])]))
      .orderBy('c.number')
      .orderBy('r.id')
      .limit(CHUNK)
      .execute();
    if (page.length === 0) return;
    const ids = page.map((r) => r.id);
    const deliveries = await db
      .selectFrom('deliveries')
      .select(['id', 'recipient_id', 'state', 'attempts', 'to_email', 'sent_at', 'last_attempt_at', 'updated_at', 'message_id', 'smtp_server', 'smtp_response', 'error_message', 'bounce_diagnostic', 'resend'])
      .where('recipient_id', 'in', ids)
      .orderBy('id')
      .execute();
    const docs = await db
      .selectFrom('dispatch_documents as dd')
      .innerJoin('documents as d', 'd.id', 'dd.document_id')
      .leftJoin('delivery_documents as ld', (j) => j.onRef('ld.document_id', '=', 'dd.document_id').onRef('ld.dispatch_id', '=', 'dd.dispatch_id'))
      .select(['dd.recipient_id', 'dd.excluded', 'd.number', 'd.id', 'ld.delivery_id'])
      .where('dd.recipient_id', 'in', ids)
      .orderBy('d.number')
      .execute();
    let out = '';
    for (const r of page) {
      const name = customerDisplayName({ salutation: r.salutation, firstName: r.first_name, lastName: r.last_name, companyName: r.company_name });
      const mine = deliveries.filter((x) => x.recipient_id === r.id);
      if (mine.length === 0) {
        const numbers = docs.filter((x) => x.recipient_id === r.id && x.excluded === 0).map((x) => x.number ?? `#${x.id}`);
        out += csvRecord([r.number, name, r.email, numbers.join(' '), r.removed ? 'removed' : 'notSent', 0, null, null, null, null, null]);
      }
      for (const x of mine) {
        const numbers = docs.filter((doc) => doc.delivery_id === x.id).map((doc) => doc.number ?? `#${doc.id}`);
        out += csvRecord([r.number, name, x.to_email, numbers.join(' '), x.state, x.attempts, x.sent_at ?? x.last_attempt_at ?? x.updated_at, x.message_id, x.smtp_server, x.bounce_diagnostic ?? x.error_message ?? x.smtp_response, x.resend === 1 ? 'erneut gesendet' : null]);
      }
    }
    yield out;
    const last = page[page.length - 1];
    if (!last) return;
    lastNumber = last.number;
    lastId = last.id;
  }
}

/** Documents of recipients who want paper, as one PDF to print, so no customer falls through. */
export async function printBatch(input: { db: Db; ports: DispatchPorts; id: number }): Promise<{ pdf: Buffer; documents: number }> {
  const { db, ports, id } = input;
  await loadDispatch(db.kysely, id);
  const docs = await db.kysely
    .selectFrom('dispatch_documents as dd')
    .innerJoin('dispatch_recipients as r', 'r.id', 'dd.recipient_id')
    .innerJoin('customers as c', 'c.id', 'r.customer_id')
    .innerJoin('documents as d', 'd.id', 'dd.document_id')
    .select(['d.id'])
    .where('dd.dispatch_id', '=', id)
    .where('c.invoice_by_post', '=', 1)
    .where('d.status', '<>', 'draft')
    .orderBy('c.number')
    .orderBy('d.number')
    .limit(MAX_PRINT_DOCUMENTS + 1)
    .execute();
  if (docs.length === 0) throw new AppError('notFound', 'dispatch.noPrintBatch', 'no recipient of this dispatch wants paper invoices');
  // The same bound as /api/documents/print: one print file holds at most this many documents.
  if (docs.length > MAX_PRINT_DOCUMENTS) {
    throw new AppError('tooLarge', 'print.tooMany', `at most ${MAX_PRINT_DOCUMENTS} documents can be printed at once; print this dispatch's documents from Auswertungen in parts`, { meta: { max: MAX_PRINT_DOCUMENTS } });
  }
  const pdfs: Buffer[] = [];
  for (const d of docs) {
    const archived = await ports.loadPdf(db.kysely, d.id);
    if (!archived) throw new AppError('conflict', 'document.pdfMissing', `document ${d.id} has no archived PDF`, { meta: { documentId: d.id } });
    pdfs.push(archived.pdf);
  }
  return { pdf: await ports.mergePdfs(pdfs), documents: docs.length };
}
