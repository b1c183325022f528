import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createDispatchPorts } from '../../dispatch/adapters.ts';
import { cancelDispatch, resolveDelivery, retryDispatch } from '../../dispatch/control.ts';
import { getDispatch, listDispatches } from '../../dispatch/dispatch-view.ts';
import { discardDispatch, fixRecipientAddress, markResend, removeIneligible, removeRecipients, restoreRecipients, startDispatch, updateDispatch } from '../../dispatch/draft.ts';
import type { DispatchPorts } from '../../dispatch/ports.ts';
import { previewRecipient, sendTestMessage } from '../../dispatch/preview.ts';
import { listRecipientIds, listRecipients } from '../../dispatch/recipients.ts';
import { printBatch, reportCsv } from '../../dispatch/report.ts';
import { sendDispatch } from '../../dispatch/send.ts';
import { DELIVERY_STATES, DISPATCH_MODES } from '../../domain/dispatch.ts';
import { emailSchema } from '../../domain/customer.ts';
import { AppError } from '../../domain/errors.ts';
import { singleLineText } from '../../domain/text-input.ts';
import type { DispatchView, Page, RecipientView } from '../api-types.ts';
import { requireActor, staffOnly } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { ProgressHub } from '../progress-hub.ts';
import { documentSelectionBody, idParams, paging } from '../schemas.ts';

const createBody = documentSelectionBody(100_000);
const customerIdsBody = z.strictObject({ customerIds: z.array(z.number().int().positive()).min(1).max(100_000) });
const recipientParams = z.strictObject({ id: z.coerce.number().int().positive(), customerId: z.coerce.number().int().positive() });
const deliveryParams = z.strictObject({ id: z.coerce.number().int().positive(), deliveryId: z.coerce.number().int().positive() });
const idempotencyHeader = z.object({ 'idempotency-key': singleLineText({ min: 8, max: 200, trim: false }).optional() });

/**
 * Versandauftrag: the "Senden aller selektierten Rechnungen" dialog as an API. Every handler:
 * validate → authorise → one use case → present.
 */
export const dispatchRoutes =
  (deps: AppDeps, ports: DispatchPorts = createDispatchPorts({ secret: deps.config.secret })): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.db;
    const k = db.kysely;
    const tags = ['dispatches'];

    const staleDays = deps.config.draftStaleDays;

    app.post(
      '/api/dispatches',
      {
        preValidation: staffOnly,
        schema: {
          tags,
          summary: 'Create a draft dispatch from document ids or a document filter; when an open draft already holds some of the documents, that draft is answered (200, existing: true) with the selection merged in',
          body: createBody,
        },
      },
      async (request, reply) => {
        const actor = requireActor(request);
        const started = await startDispatch({ db, actor, selection: request.body });
        return reply.status(started.existing ? 200 : 201).send({ ...(await getDispatch(k, started.id, { staleDays })), existing: started.existing, added: started.added, heldByOtherDrafts: started.heldByOtherDrafts });
      },
    );

    app.get(
      '/api/dispatches',
      { preValidation: staffOnly, schema: { tags, summary: 'Dispatch history: drafts apart from sent jobs (kind), stale drafts flagged', querystring: z.strictObject({ page: paging.page, pageSize: paging.pageSize, kind: z.enum(['all', 'drafts', 'sent']).default('all') }) } },
      async (request) => {
        const result = await listDispatches(k, { ...request.query, staleDays });
        return { ...result, staleDays, page: request.query.page, pageSize: request.query.pageSize } satisfies Page<DispatchView> & { staleDrafts: number; staleDays: number };
      },
    );

    app.delete('/api/dispatches/:id', { preValidation: staffOnly, schema: { tags, summary: 'Verwerfen: discard a draft and free its documents', params: idParams } }, async (request) => {
      const actor = requireActor(request);
      const result = await k.transaction().execute((trx) => discardDispatch({ trx, actor, id: request.params.id }));
      return { id: request.params.id, discarded: true, ...result };
    });

    app.post(
      '/api/dispatches/:id/recipients/resend',
      { preValidation: staffOnly, schema: { tags, summary: 'Erneut senden: send these recipients\' already sent documents again, recorded as a re-send (resend: false takes it back)', params: idParams, body: customerIdsBody.extend({ resend: z.boolean().default(true) }) } },
      async (request) => {
        const actor = requireActor(request);
        return k.transaction().execute((trx) => markResend({ trx, actor, id: request.params.id, customerIds: request.body.customerIds, resend: request.body.resend }));
      },
    );

    app.get('/api/dispatches/:id', { preValidation: staffOnly, schema: { tags, summary: 'Status and counts per delivery state', params: idParams } }, async (request) => getDispatch(k, request.params.id, { staleDays }));

    app.patch(
      '/api/dispatches/:id',
      { preValidation: staffOnly, schema: { tags, summary: 'Choose the template (Dokumentvorlage) and mode', params: idParams, body: z.strictObject({ templateId: z.number().int().positive().nullable().optional(), mode: z.enum(DISPATCH_MODES).optional() }) } },
      async (request) => {
        const actor = requireActor(request);
        const { templateId, mode } = request.body;
        await k.transaction().execute((trx) =>
          updateDispatch({ trx, actor, ports, id: request.params.id, ...(templateId !== undefined ? { templateId } : {}), ...(mode !== undefined ? { mode } : {}) }),
        );
        return getDispatch(k, request.params.id, { staleDays });
      },
    );

    app.get(
      '/api/dispatches/:id/recipients',
      {
        preValidation: staffOnly,
        schema: { tags, summary: 'Recipients with documents, issues and delivery state', params: idParams, querystring: z.strictObject({ page: paging.page, pageSize: paging.pageSize, view: z.enum(['all', 'active', 'removed', 'ineligible']).default('all'), state: z.enum(DELIVERY_STATES).optional() }) },
      },
      async (request) => {
        const result = await listRecipients(k, request.params.id, request.query);
        return { ...result, page: request.query.page, pageSize: request.query.pageSize } satisfies Page<RecipientView>;
      },
    );

    app.get(
      '/api/dispatches/:id/recipient-ids',
      { preValidation: staffOnly, schema: { tags, summary: 'Customer ids of every recipient in a view (all pages): what the header check box marks', params: idParams, querystring: z.strictObject({ view: z.enum(['active', 'removed', 'ineligible']).default('active') }) } },
      async (request) => ({ customerIds: await listRecipientIds(k, request.params.id, request.query.view) }),
    );

    app.post('/api/dispatches/:id/recipients/remove', { preValidation: staffOnly, schema: { tags, params: idParams, body: customerIdsBody } }, async (request) => {
      const actor = requireActor(request);
      return k.transaction().execute((trx) => removeRecipients({ trx, actor, id: request.params.id, customerIds: request.body.customerIds }));
    });

    app.post('/api/dispatches/:id/recipients/remove-ineligible', { preValidation: staffOnly, schema: { tags, summary: 'Remove every recipient and document with a blocking issue', params: idParams } }, async (request) => {
      const actor = requireActor(request);
      return k.transaction().execute((trx) => removeIneligible({ trx, actor, id: request.params.id }));
    });

    app.post('/api/dispatches/:id/recipients/restore', { preValidation: staffOnly, schema: { tags, params: idParams, body: customerIdsBody } }, async (request) => {
      const actor = requireActor(request);
      return k.transaction().execute((trx) => restoreRecipients({ trx, actor, id: request.params.id, customerIds: request.body.customerIds }));
    });

    app.patch('/api/dispatches/:id/recipients/:customerId', { preValidation: staffOnly, schema: { tags, summary: "Fix a recipient's e-mail address (updates the customer)", params: recipientParams, body: z.strictObject({ email: emailSchema }) } }, async (request) => {
      const actor = requireActor(request);
      return k.transaction().execute((trx) => fixRecipientAddress({ trx, actor, id: request.params.id, customerId: request.params.customerId, email: request.body.email }));
    });

    app.get('/api/dispatches/:id/preview', { preValidation: staffOnly, schema: { tags, summary: 'The exact message one recipient would get', params: idParams, querystring: z.strictObject({ customerId: z.coerce.number().int().positive().optional(), templateId: z.coerce.number().int().positive().optional() }) } }, async (request) =>
      previewRecipient({
        db,
        ports,
        id: request.params.id,
        ...(request.query.customerId === undefined ? {} : { customerId: request.query.customerId }),
        ...(request.query.templateId === undefined ? {} : { templateId: request.query.templateId }),
      }),
    );

    app.post('/api/dispatches/:id/test', { preValidation: staffOnly, schema: { tags, summary: 'Send the preview to the current user', params: idParams, body: z.strictObject({ customerId: z.number().int().positive().optional() }).optional() } }, async (request) => {
      const actor = requireActor(request);
      const to = request.session?.user.email;
      if (!to) throw new AppError('validation', 'dispatch.testNeedsUser', 'a test message goes to the logged-in user; API tokens have no address');
      const customerId = request.body?.customerId;
      const result = await sendTestMessage({ db, ports, actor, id: request.params.id, to, ...(customerId === undefined ? {} : { customerId }) });
      return { to, messageId: result.messageId };
    });

    app.get('/api/dispatches/:id/print', { preValidation: staffOnly, schema: { tags, summary: 'One merged PDF of the documents of recipients who want paper', params: idParams } }, async (request, reply) => {
      const { pdf } = await printBatch({ db, ports, id: request.params.id });
      return reply.type('application/pdf').header('content-disposition', `attachment; filename="Druckstapel-Versand-${request.params.id}.pdf"`).send(pdf);
    });

    app.post('/api/dispatches/:id/send', { preValidation: staffOnly, schema: { tags, summary: 'Senden: queue every delivery (idempotent with Idempotency-Key)', params: idParams, headers: idempotencyHeader } }, async (request, reply) => {
      const actor = requireActor(request);
      const outcome = await sendDispatch({ db, ports, actor, id: request.params.id, idempotencyKey: request.headers['idempotency-key'] ?? null });
      return reply.status(202).send({ ...(await getDispatch(k, request.params.id, { staleDays })), replay: outcome.replay });
    });

    app.post('/api/dispatches/:id/cancel', { preValidation: staffOnly, schema: { tags, summary: 'Stop what has not started', params: idParams } }, async (request) => {
      const actor = requireActor(request);
      const result = await k.transaction().execute((trx) => cancelDispatch({ trx, actor, id: request.params.id }));
      return { ...(await getDispatch(k, request.params.id, { staleDays })), ...result };
    });

    app.post(
      '/api/dispatches/:id/retry',
      { preValidation: staffOnly, schema: { tags, summary: 'Re-queue failed deliveries (uncertain ones only if asked) and resume a paused dispatch', params: idParams, body: z.strictObject({ includeUncertain: z.boolean().default(false) }).optional() } },
      async (request) => {
        const actor = requireActor(request);
        const result = await k.transaction().execute((trx) => retryDispatch({ trx, actor, id: request.params.id, includeUncertain: request.body?.includeUncertain ?? false }));
        return { ...(await getDispatch(k, request.params.id, { staleDays })), ...result };
      },
    );

    app.post(
      '/api/dispatches/:id/deliveries/:deliveryId/resolve',
      { preValidation: staffOnly, schema: { tags, summary: 'Decide an uncertain delivery: it did arrive (sent) or it did not (failed)', params: deliveryParams, body: z.strictObject({ outcome: z.enum(['sent', 'failed']) }) } },
      async (request) => {
        const actor = requireActor(request);
        await k.transaction().execute((trx) => resolveDelivery({ trx, actor, id: request.params.id, deliveryId: request.params.deliveryId, outcome: request.body.outcome }));
        return getDispatch(k, request.params.id, { staleDays });
      },
    );

    app.get('/api/dispatches/:id/report.csv', { preValidation: staffOnly, schema: { tags, summary: 'Result report, one row per delivery', params: idParams } }, async (request, reply) => {
      await getDispatch(k, request.params.id, { countBlocked: false });
      // Streamed page by page: a report of 100,000 recipients is never held in memory at once.
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="Versand-${request.params.id}.csv"`).send(Readable.from(reportCsv(k, request.params.id)));
    });

    // Progress as Server-Sent Events. The counts are polled from the database, so this works
    // whichever server process the browser talks to and whichever worker does the sending; one
    // poll per dispatch serves all its listeners (src/http/progress-hub.ts).
    const hub = new ProgressHub({
      load: (id: number) => getDispatch(k, id, { countBlocked: false }),
      finalStatus: (view) => (view.status === 'completed' || view.status === 'cancelled' ? view.status : undefined),
      intervalMs: deps.config.progressStreams.intervalMs,
      maxPerClient: deps.config.progressStreams.perUser,
      maxTotal: deps.config.progressStreams.total,
      onError: (error) => app.log.error({ err: { message: error instanceof Error ? error.message : String(error) } }, 'progress stream failed'),
    });
    // Before the server stops listening: end every stream, or close() would wait for them forever.
    app.addHook('preClose', async () => {
      hub.closeAll();
    });
    app.get(
      '/api/dispatches/:id/events',
      {
        preValidation: staffOnly,
        schema: {
          tags,
          summary: 'Progress (Server-Sent Events); at most a few streams per user, polled once per dispatch for all listeners',
          params: idParams,
          // Kept for old clients; the interval is the server's (FAKTURA_PROGRESS_INTERVAL_MS), shared by all listeners.
          querystring: z.strictObject({ intervalMs: z.coerce.number().int().min(100).max(10_000).optional() }),
        },
      },
      async (request, reply) => {
        const actor = requireActor(request);
        const id = request.params.id;
        await getDispatch(k, id, { countBlocked: false });
        const release = hub.reserve(actor.userId !== null ? `user:${actor.userId}` : `token:${actor.tokenId ?? 0}`);
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
        const unsubscribe = hub.subscribe(id, {
          write: (chunk) => {
            if (!res.writableEnded) res.write(chunk);
          },
          end: () => {
            release();
            if (!res.writableEnded) res.end();
          },
        });
        request.raw.on('close', () => {
          unsubscribe();
          release();
        });
      },
    );
  };
