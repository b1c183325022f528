import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve, join } from 'node:path';
import { z } from 'zod';

/**
 * The only module that reads `process.env`. Everything else receives a `Config`.
 * Invalid values fail start-up with a message naming the variable.
 */
const envSchema = z.object({
  FAKTURA_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// (leave unset for the embedded SQLite file)')
    .optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  FAKTURA_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  FAKTURA_BASE_URL: z.url('must be a URL such as https://faktura.example.de').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  FAKTURA_ADMIN_EMAIL: z.email('must be an e-mail address').optional(),
  FAKTURA_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  FAKTURA_DEMO: z.enum(['0', '1', 'true', 'false']).optional(),
  FAKTURA_MAIL_CATCHER_PORT: z.coerce.number().int().min(0).max(65535).default(2525),
  FAKTURA_SESSION_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  // A session unused for this long ends, even before FAKTURA_SESSION_HOURS are over.
  FAKTURA_SESSION_IDLE_MINUTES: z.coerce.number().int().min(5).max(24 * 60 * 30).default(60),
  FAKTURA_WORKER_LEASE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  // The length of the "per minute" rate-limit window. Only tests shorten it, to check pacing quickly.
  FAKTURA_RATE_MINUTE_MS: z.coerce.number().int().min(1000).max(60_000).default(60_000),
  // How often the worker reads the bounce mailbox (when one is configured); 0 switches it off.
  FAKTURA_BOUNCE_POLL_MS: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
  // Which reverse proxies may tell the client's address in X-Forwarded-For: a hop count or a
  // list of addresses/subnets. Unset: none (the socket's address is the client's).
  FAKTURA_TRUST_PROXY: z
    .string()
    .refine((value) => parseTrustProxy(value) !== undefined, 'must be a hop count (e.g. 1) or a comma-separated list of proxy addresses or subnets (e.g. 127.0.0.1,10.0.0.0/8)')
    .optional(),
  // Progress streams (SSE) of dispatches: poll interval (shared per dispatch) and caps.
  FAKTURA_PROGRESS_INTERVAL_MS: z.coerce.number().int().min(250).max(10_000).default(1000),
  FAKTURA_PROGRESS_STREAMS_PER_USER: z.coerce.number().int().min(1).max(100).default(5),
  FAKTURA_PROGRESS_STREAMS_TOTAL: z.coerce.number().int().min(1).max(10_000).default(100),
  // A bearer token that opens /metrics to scrapers elsewhere; without it /metrics answers only on loopback.
  FAKTURA_METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters').max(500).optional(),
  // Drafts of a Versandauftrag older than this many days are listed as stale in the history.
  FAKTURA_DRAFT_STALE_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
});

/**
 * `FAKTURA_TRUST_PROXY`: a number of proxy hops, or addresses/subnets (and proxy-addr's names
 * loopback, linklocal, uniquelocal). Never `true`: trusting every hop lets a client pick its own
 * address by sending X-Forwarded-For, which defeats every limit keyed by address.
 */
export function parseTrustProxy(value: string): number | string[] | undefined {
  const trimmed = value.trim();
  if (/^\d{1,2}$/.test(trimmed)) return Number(trimmed);
  const parts = trimmed.split(',').map((part) => part.trim()).filter((part) => part.length > 0);
  if (parts.length === 0) return undefined;
  const valid = parts.every((part) => {
    if (part === 'loopback' || part === 'linklocal' || part === 'uniquelocal') return true;
    const [address, bits, ...rest] = part.split('/');
    if (rest.length > 0 || address === undefined) return false;
    const family = isIP(address);
    if (family === 0) return false;
    if (bits === undefined) return true;
    return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
  });
  return valid ? parts : undefined;
}

export interface Config {
  dataDir: string;
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };
  port: number;
  host: string;
  secret: string;
  baseUrl: string | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  initialAdmin: { email: string; password: string } | undefined;
  demo: boolean;
  mailCatcherPort: number;
  sessionHours: number;
  /** Idle timeout of a browser session (besides the absolute sessionHours). */
  sessionIdleMinutes: number;
  worker: { leaseMs: number; rateMinuteMs: number; bouncePollMs: number };
  /** Fastify's `trustProxy`: false (default), a hop count, or proxy addresses/subnets. */
  trustProxy: false | number | string[];
  /** Opens /metrics beyond loopback to `Authorization: Bearer <token>`; undefined: loopback only. */
  metricsToken: string | undefined;
  /** Progress streams (SSE): shared poll interval per dispatch, caps per user/token and per process. */
  progressStreams: { intervalMs: number; perUser: number; total: number };
  /** drafts older than this many days are stale (listed as such in the dispatch history) */
  draftStaleDays: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable (`DATABASE_URL=` in an env file) means "not set", as in most tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if ((e.FAKTURA_ADMIN_EMAIL === undefined) !== (e.FAKTURA_ADMIN_PASSWORD === undefined)) {
    throw new ConfigError('Invalid configuration:\n  FAKTURA_ADMIN_EMAIL and FAKTURA_ADMIN_PASSWORD must be set together');
  }
  const dataDir = resolve(e.FAKTURA_DATA_DIR);
  // Private to the service's user (issue 15 item 15): the database, the secret and imports live here.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return {
    dataDir,
    database: e.DATABASE_URL ? { kind: 'postgres', url: e.DATABASE_URL } : { kind: 'sqlite', file: join(dataDir, 'faktura.sqlite') },
    port: e.PORT,
    host: e.HOST,
    secret: e.FAKTURA_SECRET ?? readOrCreateSecret(dataDir),
    baseUrl: e.FAKTURA_BASE_URL,
    logLevel: e.LOG_LEVEL,
    initialAdmin:
      e.FAKTURA_ADMIN_EMAIL && e.FAKTURA_ADMIN_PASSWORD
        ? { email: e.FAKTURA_ADMIN_EMAIL, password: e.FAKTURA_ADMIN_PASSWORD }
        : undefined,
    demo: e.FAKTURA_DEMO === '1' || e.FAKTURA_DEMO === 'true',
    mailCatcherPort: e.FAKTURA_MAIL_CATCHER_PORT,
    sessionHours: e.FAKTURA_SESSION_HOURS,
    sessionIdleMinutes: e.FAKTURA_SESSION_IDLE_MINUTES,
    worker: { leaseMs: e.FAKTURA_WORKER_LEASE_MS, rateMinuteMs: e.FAKTURA_RATE_MINUTE_MS, bouncePollMs: e.FAKTURA_BOUNCE_POLL_MS },
    trustProxy: e.FAKTURA_TRUST_PROXY === undefined ? false : (parseTrustProxy(e.FAKTURA_TRUST_PROXY) ?? false),
    metricsToken: e.FAKTURA_METRICS_TOKEN,
    progressStreams: { intervalMs: e.FAKTURA_PROGRESS_INTERVAL_MS, perUser: e.FAKTURA_PROGRESS_STREAMS_PER_USER, total: e.FAKTURA_PROGRESS_STREAMS_TOTAL },
    draftStaleDays: e.FAKTURA_DRAFT_STALE_DAYS,
  };
}

/** A secret generated once per installation, readable only by the owner (mode 0600). */
function readOrCreateSecret(dataDir: string): string {
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}
