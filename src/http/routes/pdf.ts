import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { documentPdf, printDocuments, MAX_PRINT_DOCUMENTS } from '../../pdf/documents-pdf.ts';
import { staffOnly } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { documentSelectionBody, idParams } from '../schemas.ts';

export const pdfRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.db.kysely;

    app.get(
      '/api/documents/:id/pdf',
      {
        preValidation: staffOnly,
        schema: { tags: ['documents'], summary: 'The document as PDF: drafts rendered with an ENTWURF watermark, final documents exactly as archived', params: idParams },
      },
      async (request, reply) => {
        // A missing archive entry is written on first download, so this runs in a transaction.
        const result = await db.transaction().execute((trx) => documentPdf({ db: trx, id: request.params.id }));
        reply.header('content-type', 'application/pdf').header('content-disposition', `inline; filename="${result.filename}"`);
        if (result.sha256) reply.header('etag', `"${result.sha256}"`).header('cache-control', 'private, max-age=0, must-revalidate');
        else reply.header('cache-control', 'no-store');
        return reply.send(result.pdf);
      },
    );

    app.post(
      '/api/documents/print',
      {
        preValidation: staffOnly,
        schema: {
          tags: ['documents'],
          summary: 'One merged PDF to print (customers who want post), ordered by customer, then document number',
          body: documentSelectionBody(MAX_PRINT_DOCUMENTS),
        },
      },
      async (request, reply) => {
        const { pdf, count } = await db.transaction().execute((trx) => printDocuments({ db: trx, selection: request.body }));
        return reply
          .header('content-type', 'application/pdf')
          .header('content-disposition', `inline; filename="druck-${new Date().toISOString().slice(0, 10)}.pdf"`)
          .header('x-document-count', String(count))
          .header('cache-control', 'no-store')
          .send(Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength));
      },
    );
  };
