import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { customerAccount, deletePayment, getReceivable, listPayments, paymentInput, recordPayment } from '../../commands/payments.ts';
import { requireActor, staffOnly } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { presentAccount, presentPayment, presentReceivable, type CustomerAccountView, type InvoicePaymentsView, type PaymentView } from '../receivables-views.ts';
import { idParams } from '../schemas.ts';

/** Payments on invoices (manual: cash, card, a transfer booked by hand) and the customer's account. */
export const paymentRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.db.kysely;

    app.get('/api/documents/:id/payments', { preValidation: staffOnly, schema: { tags: ['payments'], summary: "An invoice's payments and its state (open, partly paid, paid, overdue)", params: idParams } }, async (request) => {
      const [receivable, payments] = await Promise.all([getReceivable(db, request.params.id), listPayments(db, request.params.id)]);
      return { receivable: presentReceivable(receivable), payments: payments.map(presentPayment) } satisfies InvoicePaymentsView;
    });

    app.post('/api/documents/:id/payments', { preValidation: staffOnly, schema: { tags: ['payments'], summary: 'Record a payment on a final invoice (negative: a refund)', params: idParams, body: paymentInput } }, async (request, reply) => {
      const actor = requireActor(request);
      const payment = await db.transaction().execute((trx) => recordPayment({ trx, actor, documentId: request.params.id, data: request.body }));
      const receivable = await getReceivable(db, request.params.id);
      return reply.status(201).send({ payment: presentPayment(payment), receivable: presentReceivable(receivable) } satisfies { payment: PaymentView; receivable: ReturnType<typeof presentReceivable> });
    });

    app.delete('/api/payments/:id', { preValidation: staffOnly, schema: { tags: ['payments'], summary: 'Delete a payment (recorded in the audit log; a bank payment goes back to the review list)', params: idParams } }, async (request, reply) => {
      const actor = requireActor(request);
      await db.transaction().execute((trx) => deletePayment({ trx, actor, id: request.params.id }));
      return reply.status(204).send();
    });

    app.get('/api/customers/:id/account', { preValidation: staffOnly, schema: { tags: ['payments'], summary: "The customer's account: invoices with their state, payments, balance", params: idParams } }, async (request) =>
      presentAccount(await customerAccount(db, request.params.id)) satisfies CustomerAccountView,
    );
  };
