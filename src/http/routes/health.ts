import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { AppDeps } from '../deps.ts';

export const healthRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/api/health', { schema: { tags: ['operations'], summary: 'Liveness and database reachability (no login needed)' } }, async (_request, reply) => {
      const started = Date.now();
      try {
        await sql`select 1`.execute(deps.db.kysely);
        return { status: 'ok', database: { status: 'ok', kind: deps.db.dialect, latencyMs: Date.now() - started } };
      } catch {
        return reply.status(503).send({ status: 'degraded', database: { status: 'unreachable', kind: deps.db.dialect } });
      }
    });
  };
