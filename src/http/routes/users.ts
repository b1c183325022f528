import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { singleLineText } from '../../domain/text-input.ts';
import { createApiToken, createUser, revokeApiToken, updateUser } from '../../commands/users.ts';
import type { CreatedApiToken } from '../api-types.ts';
import { adminOnly, requireActor } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { presentApiToken, presentUser } from '../presenters.ts';
import { idParams } from '../schemas.ts';

const role = z.enum(['admin', 'staff']);

export const userRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.db.kysely;

    app.get('/api/users', { preValidation: adminOnly, schema: { tags: ['users'] } }, async () => {
      const users = await db.selectFrom('users').selectAll().orderBy('email').execute();
      return { items: users.map(presentUser) };
    });

    app.post('/api/users', {
      preValidation: adminOnly,
      schema: { tags: ['users'], body: z.strictObject({ email: singleLineText({ max: 254, trim: false }), name: singleLineText({ max: 100 }).default(''), password: z.string().max(500), role, locale: z.enum(['de', 'en']).default('de') }) },
      handler: async (request, reply) => {
        const actor = requireActor(request);
        const user = await db.transaction().execute((trx) => createUser({ trx, actor, data: request.body }));
        return reply.status(201).send(presentUser(user));
      },
    });

    app.patch('/api/users/:id', {
      preValidation: adminOnly,
      schema: { tags: ['users'], params: idParams, body: z.strictObject({ name: singleLineText({ min: 1, max: 100 }).optional(), role: role.optional(), locale: z.enum(['de', 'en']).optional(), password: z.string().max(500).optional(), disabled: z.boolean().optional() }) },
      handler: async (request) => {
        const actor = requireActor(request);
        return presentUser(await db.transaction().execute((trx) => updateUser({ trx, actor, id: request.params.id, patch: request.body })));
      },
    });

    app.get('/api/tokens', { preValidation: adminOnly, schema: { tags: ['tokens'] } }, async () => {
      const tokens = await db.selectFrom('api_tokens').select(['id', 'name', 'token_prefix', 'role', 'created_at', 'last_used_at', 'revoked_at']).orderBy('id', 'desc').execute();
      return { items: tokens.map(presentApiToken) };
    });

    app.post('/api/tokens', {
      preValidation: adminOnly,
      schema: { tags: ['tokens'], summary: 'Create an API token; the token is shown only in this response', body: z.strictObject({ name: singleLineText({ min: 1, max: 100 }), role: role.default('staff') }) },
      handler: async (request, reply) => {
        const actor = requireActor(request);
        const created = await db.transaction().execute((trx) => createApiToken({ trx, actor, ...request.body }));
        return reply.status(201).send(created satisfies CreatedApiToken);
      },
    });

    app.delete('/api/tokens/:id', { preValidation: adminOnly, schema: { tags: ['tokens'], params: idParams } }, async (request, reply) => {
      const actor = requireActor(request);
      await db.transaction().execute((trx) => revokeApiToken({ trx, actor, id: request.params.id }));
      return reply.status(204).send();
    });
  };
