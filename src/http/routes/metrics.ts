import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { registry } from '../../metrics.ts';
import type { AppDeps } from '../deps.ts';

const DELIVERY_STATES = ['queued', 'sending', 'sent', 'retrying', 'failed', 'uncertain', 'cancelled', 'bounced'] as const;

/** Prometheus text format. Meant for a scraper inside the private network (the reverse proxy should not expose it). */
export const metricsRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      const lines: string[] = [];
      const byState = await sql<{ state: string; n: number }>`select state, count(*) as n from deliveries group by state`.execute(deps.db.kysely);
      const counts = new Map(byState.rows.map((r) => [r.state, Number(r.n)]));
      lines.push('# HELP faktura_deliveries Deliveries in the database by state (whole cluster)', '# TYPE faktura_deliveries gauge');
      for (const state of DELIVERY_STATES) lines.push(`faktura_deliveries{state="${state}"} ${counts.get(state) ?? 0}`);
      const now = new Date().toISOString();
      const due = await sql<{ n: number }>`select count(*) as n from deliveries where state in ('queued', 'retrying') and next_attempt_at <= ${now}`.execute(deps.db.kysely);
      lines.push('# HELP faktura_queue_depth Deliveries due for sending now (whole cluster)', '# TYPE faktura_queue_depth gauge', `faktura_queue_depth ${Number(due.rows[0]?.n ?? 0)}`);
      return reply.type(registry.contentType).send(`${lines.join('\n')}\n${await registry.metrics()}`);
    });
  };
