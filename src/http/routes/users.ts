import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { singleLineText } from '../../domain/text-input.ts';
import { checkCurrentPassword, createApiToken, createUser, hashPassword, revokeApiToken, updateUser } from '../../commands/users.ts';
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
      schema: {
        tags: ['users'],
        params: idParams,
        // currentPassword: needed when an admin changes their own password here (issue 15 item 14).
        body: z.strictObject({ name: singleLineText({ min: 1, max: 100 }).optional(), role: role.optional(), locale: z.enum(['de', 'en']).optional(), password: z.string().max(500).optional(), currentPassword: z.string().max(500).optional(), disabled: z.boolean().optional() }),
      },
      handler: async (request) => {
        const actor = requireActor(request);
        const { currentPassword, ...patch } = request.body;
        const id = request.params.id;
        await checkCurrentPassword({ db, actor, userId: id, newPassword: patch.password, currentPassword });
        // Hashed before the transaction: no database connection waits on argon2.
        const passwordHash = patch.password !== undefined ? await hashPassword(patch.password) : undefined;
        return presentUser(await db.transaction().execute((trx) => updateUser({ trx, actor, id, patch, ...(passwordHash ? { passwordHash } : {}) })));
      },
    });

    app.get('/api/tokens', { preValidation: adminOnly, schema: { tags: ['tokens'], summary: 'API tokens with who created them, when, when last used and when they expire' } }, async () => {
      const tokens = await db
        .selectFrom('api_tokens as t')
        .innerJoin('users as u', 'u.id', 't.created_by')
        .select(['t.id', 't.name', 't.token_prefix', 't.role', 't.created_at', 't.last_used_at', 't.revoked_at', 't.expires_at', 't.created_by', 'u.name as creator_name', 'u.email as creator_email', 'u.disabled as creator_disabled'])
        .orderBy('t.id', 'desc')
        .execute();
      return { items: tokens.map(presentApiToken) };
    });

    app.post('/api/tokens', {
      preValidation: adminOnly,
      schema: { tags: ['tokens'], summary: 'Create an API token; the token is shown only in this response', body: z.strictObject({ name: singleLineText({ min: 1, max: 100 }), role: role.default('staff'), expiresAt: z.iso.datetime({ offset: true }).nullish() }) },
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
