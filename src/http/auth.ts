import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.ts';
import type { Actor } from '../commands/context.ts';
import { actorFromApiToken, sessionFromToken, type SessionInfo } from '../commands/users.ts';
import type { AppDeps } from './deps.ts';

export const SESSION_COOKIE = 'faktura_session';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
    session: SessionInfo | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves who is calling: a session cookie (browser) or a bearer token (integrations).
 * Cookie-authenticated writes must carry the session's CSRF token in a header, which a
 * cross-site form or image cannot set; bearer tokens are not sent automatically by browsers,
 * so they need no CSRF token.
 */
export function registerAuth(app: FastifyInstance, deps: AppDeps): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('session', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    // /metrics checks its own bearer token (FAKTURA_METRICS_TOKEN), which is not an API token.
    if (header?.startsWith('Bearer ') && request.routeOptions.url !== '/metrics') {
      const actor = await actorFromApiToken(deps.db.kysely, header.slice(7).trim());
      if (!actor) throw new AppError('unauthenticated', 'auth.tokenInvalid', 'API token is invalid or revoked');
      request.actor = actor;
      return;
    }
    const token = request.cookies[SESSION_COOKIE];
    if (!token) return;
    const session = await sessionFromToken(deps.db.kysely, token, deps.config.sessionIdleMinutes);
    if (!session) return;
    request.session = session;
    request.actor = { userId: session.user.id, tokenId: null, role: session.user.role };
    if (!SAFE_METHODS.has(request.method) && request.url !== '/api/auth/login' && request.headers[CSRF_HEADER] !== session.csrfToken) {
      throw new AppError('forbidden', 'auth.csrfInvalid', 'missing or wrong CSRF token');
    }
  });
}

export function requireActor(request: FastifyRequest): Actor {
  if (!request.actor) throw new AppError('unauthenticated', 'auth.required', 'log in or send an API token');
  return request.actor;
}

/** preValidation hook (runs before body validation, so an anonymous caller learns nothing about the schema): any authenticated user or token (staff and admin). */
export async function staffOnly(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  requireActor(request);
}

/** preValidation hook: admins only (company, users, tokens, mail settings, template writes). */
export async function adminOnly(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const actor = requireActor(request);
  if (actor.role !== 'admin') throw new AppError('forbidden', 'auth.adminRequired', 'only an admin may do this');
}
