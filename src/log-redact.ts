/**
 * Paths of secrets that must never appear in a log line, whatever logs them: the HTTP server's
 * logger and `faktura worker`'s (a module of its own, so the worker loads no HTTP code).
 */
export const LOG_REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.smtpPassword',
  '*.dkimPrivateKey',
];

