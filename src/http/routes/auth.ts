import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { singleLineText } from '../../domain/text-input.ts';
import { checkCurrentPassword, hashPassword, login, logout, sha256, updateUser } from '../../commands/users.ts';
import { AppError } from '../../domain/errors.ts';
import type { LoginResult, Me } from '../api-types.ts';
import { SESSION_COOKIE, requireActor } from '../auth.ts';
import { LoginThrottle } from '../login-throttle.ts';
import type { AppDeps } from '../deps.ts';
import { presentUser } from '../presenters.ts';

export const authRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.db.kysely;
    const secureCookie = deps.config.baseUrl?.startsWith('https://') ?? false;

    const throttle = new LoginThrottle();

    app.post('/api/auth/login', {
      schema: { tags: ['auth'], summary: 'Log in; sets an HttpOnly session cookie', body: z.strictObject({ email: singleLineText({ max: 254, trim: false }), password: z.string().max(500) }) },
      handler: async (request, reply) => {
        // request.ip is the socket's address unless FAKTURA_TRUST_PROXY names the proxy in front.
        const address = request.ip;
        const account = request.body.email.trim().toLowerCase();
        const decision = throttle.check(address, account);
        if (!decision.ok) {
          const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
          reply.header('retry-after', String(seconds));
          throw new AppError('rateLimited', 'auth.loginThrottled', `too many failed logins ${decision.reason === 'address' ? 'from this address' : 'for this account'}; try again in ${seconds} s`, { meta: { retryAfterSeconds: seconds } });
        }
        let result;
        try {
          result = await login({ db, email: account, password: request.body.password, sessionHours: deps.config.sessionHours, limit: throttle });
        } catch (error) {
          if (error instanceof AppError && error.code === 'auth.invalidCredentials') throttle.failed(address, account);
          if (error instanceof AppError && error.code === 'auth.busy') reply.header('retry-after', '1');
          throw error;
        }
        throttle.succeeded(address, account);
        const { token, session } = result;
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

    app.patch(
      '/api/auth/me',
      {
        schema: {
          tags: ['auth'],
          summary: 'Change own language, name or password (a new password needs the current one)',
          body: z.strictObject({ locale: z.enum(['de', 'en']).optional(), name: singleLineText({ min: 1, max: 100 }).optional(), password: z.string().max(500).optional(), currentPassword: z.string().max(500).optional() }),
        },
      },
      async (request) => {
        const actor = requireActor(request);
        if (actor.userId === null) throw new AppError('forbidden', 'auth.userRequired', 'only a logged-in user has a profile');
        const userId = actor.userId;
        const { currentPassword, ...patch } = request.body;
        await checkCurrentPassword({ db, actor, userId, newPassword: patch.password, currentPassword, limit: throttle });
        const passwordHash = patch.password !== undefined ? await hashPassword(patch.password) : undefined;
        // The session making the change stays; every other session of the user ends.
        const token = request.cookies[SESSION_COOKIE];
        const keepSessionId = token && request.session ? sha256(token) : undefined;
        const user = await db.transaction().execute((trx) => updateUser({ trx, actor, id: userId, patch, ...(passwordHash ? { passwordHash } : {}), ...(keepSessionId ? { keepSessionId } : {}) }));
        return presentUser(user);
      },
    );
  };
