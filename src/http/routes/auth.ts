import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { singleLineText } from '../../domain/text-input.ts';
import { login, logout, updateUser } from '../../commands/users.ts';
import { AppError } from '../../domain/errors.ts';
import type { LoginResult, Me } from '../api-types.ts';
import { SESSION_COOKIE, requireActor } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { presentUser } from '../presenters.ts';

export const authRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.db.kysely;
    const secureCookie = deps.config.baseUrl?.startsWith('https://') ?? false;

    app.post('/api/auth/login', {
      // Slows down password guessing per client address.
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: { tags: ['auth'], summary: 'Log in; sets an HttpOnly session cookie', body: z.strictObject({ email: singleLineText({ max: 254, trim: false }), password: z.string().max(500) }) },
      handler: async (request, reply) => {
        const { token, session } = await db.transaction().execute((trx) => login({ trx, ...request.body, sessionHours: deps.config.sessionHours }));
        reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookie, expires: new Date(session.expiresAt) });
        return { user: presentUser(session.user), csrfToken: session.csrfToken, expiresAt: session.expiresAt } satisfies LoginResult;
      },
    });

    app.post('/api/auth/logout', { schema: { tags: ['auth'] } }, async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE];
      if (token) await logout(db, token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send();
    });

    app.get('/api/auth/me', { schema: { tags: ['auth'], summary: 'The current user and the CSRF token for writes' } }, async (request) => {
      const actor = requireActor(request);
      if (!request.session) return { user: null, tokenId: actor.tokenId, role: actor.role, csrfToken: null } satisfies Me;
      return { user: presentUser(request.session.user), role: actor.role, csrfToken: request.session.csrfToken, expiresAt: request.session.expiresAt } satisfies Me;
    });

    app.patch('/api/auth/me', { schema: { tags: ['auth'], summary: 'Change own language, name or password', body: z.strictObject({ locale: z.enum(['de', 'en']).optional(), name: singleLineText({ min: 1, max: 100 }).optional(), password: z.string().max(500).optional() }) } }, async (request) => {
      const actor = requireActor(request);
      if (actor.userId === null) throw new AppError('forbidden', 'auth.userRequired', 'only a logged-in user has a profile');
      const userId = actor.userId;
      const user = await db.transaction().execute((trx) => updateUser({ trx, actor, id: userId, patch: request.body }));
      return presentUser(user);
    });
  };
