import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { AppDeps } from '../deps.ts';
import { loadMailSettingsRow } from '../../mail/settings.ts';
import { probeSmtp, type Reachability } from '../../mail/reachability.ts';

export const healthRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/api/health', { schema: { tags: ['operations'], summary: 'Liveness, database and SMTP reachability (no login needed)' } }, async (_request, reply) => {
      const started = Date.now();
      try {
        await sql`select 1`.execute(deps.db.kysely);
      } catch {
        return reply.status(503).send({ status: 'down', database: { status: 'unreachable', kind: deps.db.dialect }, smtp: { status: 'unknown' } });
      }
      const database = { status: 'ok', kind: deps.db.dialect, latencyMs: Date.now() - started };
      const smtp = await smtpReachability();
      // An unreachable SMTP server does not make this process unhealthy (it still serves the UI),
      // but it is reported so that monitoring can alert before a dispatch fails.
      return { status: smtp.status === 'unreachable' ? 'degraded' : 'ok', database, smtp };
    });

    let cached: { at: number; value: Reachability } | undefined;
    /** Cached for 30 s, so that frequent probes do not open a connection to the provider each time. */
    async function smtpReachability(): Promise<Reachability> {
      if (cached && Date.now() - cached.at < 30_000) return cached.value;
      const row = await loadMailSettingsRow(deps.db.kysely);
      const value: Reachability = row ? await probeSmtp(row.host, row.port) : { status: 'notConfigured' };
      cached = { at: Date.now(), value };
      return value;
    }
  };
