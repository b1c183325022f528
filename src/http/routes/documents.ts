import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DOCUMENT_SORTS, cancelDocument, createDocument, deleteDraft, documentXRechnung, finalizeDocument, getDocument, listDocuments, updateDocument } from '../../commands/documents.ts';
import { documentInput, documentPatch } from '../../domain/inputs.ts';
import { documentSendHistory } from '../../dispatch/history.ts';
import type { DocumentListItem, Page } from '../api-types.ts';
import { requireActor, staffOnly } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { presentDocument } from '../presenters.ts';
import { documentFilterQuery, idParams, paging } from '../schemas.ts';

/** `confirmIssueDate`: the user confirmed an issue date in the future or long ago (answer 422 document.issueDateInFuture / issueDateLongAgo). */
const finalizeBody = z.strictObject({ confirmIssueDate: z.boolean().optional() }).nullish();

export const documentRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.db.kysely;

    app.get('/api/documents', {
      preValidation: staffOnly,
      schema: {
        tags: ['documents'],
        summary: 'List invoices, quotes and credit notes (Auswertungen → Rechnungen, Angebote)',
        querystring: z.strictObject({ ...documentFilterQuery, ...paging, sort: z.enum(DOCUMENT_SORTS).default('issueDate'), order: z.enum(['asc', 'desc']).default('desc') }),
      },
      handler: async (request) => {
        const { page, pageSize, sort, order, ...filter } = request.query;
        const result = await listDocuments(db, filter, { page, pageSize, sort, order });
        return { ...result, page, pageSize } satisfies Page<DocumentListItem>;
      },
    });

    app.get('/api/documents/:id', { preValidation: staffOnly, schema: { tags: ['documents'], params: idParams } }, async (request) =>
      presentDocument(await getDocument(db, request.params.id)),
    );

    app.get('/api/documents/:id/sends', { preValidation: staffOnly, schema: { tags: ['documents'], summary: 'Send history: every e-mail delivery that carried this document', params: idParams } }, async (request) => ({
      items: await documentSendHistory(db, request.params.id),
    }));

    app.post('/api/documents', { preValidation: staffOnly, schema: { tags: ['documents'], summary: 'Create a draft', body: documentInput } }, async (request, reply) => {
      const actor = requireActor(request);
      const doc = await db.transaction().execute((trx) => createDocument({ trx, actor, data: request.body }));
      return reply.status(201).send(presentDocument(doc));
    });

    app.patch('/api/documents/:id', { preValidation: staffOnly, schema: { tags: ['documents'], summary: 'Change a draft', params: idParams, body: documentPatch } }, async (request) => {
      const actor = requireActor(request);
      return presentDocument(await db.transaction().execute((trx) => updateDocument({ trx, actor, id: request.params.id, patch: request.body })));
    });

    app.delete('/api/documents/:id', { preValidation: staffOnly, schema: { tags: ['documents'], summary: 'Delete a draft', params: idParams } }, async (request, reply) => {
      const actor = requireActor(request);
      await db.transaction().execute((trx) => deleteDraft({ trx, actor, id: request.params.id }));
      return reply.status(204).send();
    });

    app.post('/api/documents/:id/finalize', { preValidation: staffOnly, schema: { tags: ['documents'], summary: 'Finalise: assign the number, freeze, archive the PDF', params: idParams, body: finalizeBody } }, async (request) => {
      const actor = requireActor(request);
      const confirmIssueDate = request.body?.confirmIssueDate === true;
      return presentDocument(await db.transaction().execute((trx) => finalizeDocument({ trx, actor, id: request.params.id, confirmIssueDate })));
    });

    app.get(
      '/api/documents/:id/xrechnung.xml',
      { preValidation: staffOnly, schema: { tags: ['documents'], summary: 'The XRechnung 3.0 (CII) of a final invoice or credit note for a customer with a Leitweg-ID', params: idParams } },
      async (request, reply) => {
        const { xml, filename } = await documentXRechnung(db, request.params.id);
        return reply.header('content-type', 'application/xml; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).header('cache-control', 'no-store').send(xml);
      },
    );

    app.post('/api/documents/:id/cancel', { preValidation: staffOnly, schema: { tags: ['documents'], summary: 'Cancel a final invoice with a credit note', params: idParams } }, async (request) => {
      const actor = requireActor(request);
      const result = await db.transaction().execute((trx) => cancelDocument({ trx, actor, id: request.params.id }));
      return { invoice: presentDocument(result.invoice), creditNote: presentDocument(result.creditNote) };
    });
  };
