import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError } from '../../domain/errors.ts';
import { sql } from 'kysely';
import { registry } from '../../metrics.ts';
import type { AppDeps } from '../deps.ts';

const DELIVERY_STATES = ['queued', 'sending', 'sent', 'retrying', 'failed', 'uncertain', 'cancelled', 'bounced'] as const;

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function tokenMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const given = createHash('sha256').update(header.slice(7).trim()).digest();
  return timingSafeEqual(given, createHash('sha256').update(token).digest());
}

/**
 * Who may read /metrics (issue 15 item 17): a caller on this machine (loopback, and not relayed by
 * a proxy: a request that carries X-Forwarded-For / Forwarded came from elsewhere), or anyone with
 * FAKTURA_METRICS_TOKEN as a bearer token. request.ip honours FAKTURA_TRUST_PROXY.
 */
export function mayReadMetrics(request: FastifyRequest, token: string | undefined): boolean {
  if (token !== undefined && tokenMatches(request.headers.authorization, token)) return true;
  const relayed = request.headers['x-forwarded-for'] !== undefined || request.headers['forwarded'] !== undefined;
  return isLoopback(request.ip) && !relayed;
}

/** Prometheus text format, for a scraper on this machine or one that knows FAKTURA_METRICS_TOKEN. */
export const metricsRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (!mayReadMetrics(request, deps.config.metricsToken)) {
        throw new AppError('forbidden', 'metrics.forbidden', 'metrics are served on loopback only, or with the metrics token (FAKTURA_METRICS_TOKEN)');
      }
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
