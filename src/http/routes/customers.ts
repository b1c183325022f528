import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { clearEmailBounce } from '../../commands/bounces.ts';
import { CUSTOMER_SORTS, createCustomer, deleteCustomer, getCustomer, listCustomers, updateCustomer } from '../../commands/customers.ts';
import { customerInput, customerPatch } from '../../domain/inputs.ts';
import { singleLineText } from '../../domain/text-input.ts';
import type { CustomerView, Page } from '../api-types.ts';
import { requireActor, staffOnly } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { presentCustomer } from '../presenters.ts';
import { booleanQuery, idParams, paging } from '../schemas.ts';

export const customerRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.db.kysely;

    app.get('/api/customers', {
      preValidation: staffOnly,
      schema: {
        tags: ['customers'],
        summary: 'Search customers by name, number, e-mail or city',
        querystring: z.strictObject({
          q: singleLineText({ max: 200, trim: false }).optional(),
          invoiceByPost: booleanQuery.optional(),
          hasEmail: booleanQuery.optional(),
          ...paging,
          sort: z.enum(CUSTOMER_SORTS).default('number'),
        }),
      },
      handler: async (request) => {
        const { items, total } = await listCustomers(db, request.query);
        return { items: items.map(presentCustomer), total, page: request.query.page, pageSize: request.query.pageSize } satisfies Page<CustomerView>;
      },
    });

    app.get('/api/customers/:id', { preValidation: staffOnly, schema: { tags: ['customers'], params: idParams } }, async (request) =>
      presentCustomer(await getCustomer(db, request.params.id)),
    );

    app.post('/api/customers', { preValidation: staffOnly, schema: { tags: ['customers'], body: customerInput } }, async (request, reply) => {
      const actor = requireActor(request);
      const row = await db.transaction().execute((trx) => createCustomer({ trx, actor, data: request.body }));
      return reply.status(201).send(presentCustomer(row));
    });

    app.patch('/api/customers/:id', { preValidation: staffOnly, schema: { tags: ['customers'], params: idParams, body: customerPatch } }, async (request) => {
      const actor = requireActor(request);
      const row = await db.transaction().execute((trx) => updateCustomer({ trx, actor, id: request.params.id, patch: request.body }));
      return presentCustomer(row);
    });

    app.delete('/api/customers/:id/email-bounce', { preValidation: staffOnly, schema: { tags: ['customers'], summary: 'Clear the "E-Mail unzustellbar" flag of the customer\'s address', params: idParams } }, async (request) => {
      const actor = requireActor(request);
      return presentCustomer(await db.transaction().execute((trx) => clearEmailBounce({ trx, actor, id: request.params.id })));
    });

    app.delete('/api/customers/:id', { preValidation: staffOnly, schema: { tags: ['customers'], params: idParams } }, async (request, reply) => {
      const actor = requireActor(request);
      await db.transaction().execute((trx) => deleteCustomer({ trx, actor, id: request.params.id }));
      return reply.status(204).send();
    });
  };
