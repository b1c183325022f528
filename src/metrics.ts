import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Process-local metrics (this process's SMTP latency and errors) in one registry. Figures that
 * describe the whole cluster (deliveries by state, queue depth) are read from the database when
 * /metrics is scraped, so every process reports the same truth.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'faktura_process_' });

export const smtpSendSeconds = new Histogram({
  name: 'faktura_smtp_send_seconds',
  help: 'Time from handing a message to SMTP until the server accepted or refused it',
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
  registers: [registry],
});

export const smtpErrorsTotal = new Counter({
  name: 'faktura_smtp_errors_total',
  help: 'SMTP errors by class (temporary, permanent, auth, connection, timeout, tls, dns)',
  labelNames: ['class'],
  registers: [registry],
});

export const deliveriesProcessedTotal = new Counter({
  name: 'faktura_deliveries_processed_total',
  help: 'Deliveries this process finished, by resulting state',
  labelNames: ['state'],
  registers: [registry],
});
