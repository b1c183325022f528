import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { ConfigError, type Config } from './config.ts';
import { SYSTEM_ACTOR } from './commands/context.ts';
import { createUser } from './commands/users.ts';
import { openDatabase, REQUEST_BUSY_TIMEOUT_MS, type Db } from './db/connection.ts';
import { migrateToLatest } from './db/migrate.ts';
import { DEMO_LOGIN, createDemoData } from './demo.ts';
import { buildApp } from './http/app.ts';
import { problemFromAppError, sendProblem } from './http/errors.ts';
import { AppError } from './domain/errors.ts';
import { startDispatchWorker } from './dispatch/index.ts';
import { startBouncePoller } from './mail/bounces/poller.ts';
import type { WorkerLog } from './dispatch/engine/worker.ts';
import { startDemoMail } from './mail/demo.ts';
import { workerTiming } from './worker-timing.ts';

export { workerTiming };

const WEB_DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');

export interface RunningServer {
  app: FastifyInstance;
  db: Db;
  url: string;
  stop(): Promise<void>;
}

async function ensureInitialAdmin(db: Db, config: Config): Promise<void> {
  if (!config.initialAdmin) return;
  const { email, password } = config.initialAdmin;
  const exists = await db.kysely.selectFrom('users').select('id').where('email', '=', email.toLowerCase()).executeTakeFirst();
  if (!exists) await db.kysely.transaction().execute((trx) => createUser({ trx, actor: SYSTEM_ACTOR, data: { email, password, name: 'Admin', role: 'admin' } }));
}

/** Serves the built web app with a fallback to index.html for client-side routes. */
async function serveWebApp(app: FastifyInstance): Promise<void> {
  // The build writes a .br and a .gz beside every asset (web/vite.config.ts); the browser gets the
  // smallest it accepts. Files under /assets/ carry a content hash in their name, so they never
  // change: cached for a year. index.html names the current hashes: revalidated every time.
  await app.register(fastifyStatic, {
    root: WEB_DIST,
    wildcard: false,
    index: ['index.html'],
    preCompressed: true,
    cacheControl: false,
    setHeaders: (reply, path) => {
      reply.header('cache-control', path.startsWith(join(WEB_DIST, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  // A catch-all GET route rather than a second not-found handler: buildApp already sets the root
  // not-found handler, and Fastify refuses a second one for the same prefix (start-up crashed).
  // Specific routes (API, static files) win over the wildcard; unknown /api/ paths stay problem+json.
  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    if (!request.url.startsWith('/api/')) return reply.type('text/html').sendFile('index.html');
    return sendProblem(reply, problemFromAppError(new AppError('notFound', 'route.notFound', `no route ${request.method} ${request.url.split('?')[0]}`)));
  });
}

export function workerLog(app: FastifyInstance): WorkerLog {
  return (level, message, data) => app.log[level](data ?? {}, message);
}

export async function startServer(config: Config, options: { worker: boolean; quiet?: boolean }): Promise<RunningServer> {
  const log = (message: string) => {
    if (!options.quiet) console.log(message);
  };
  // Without the web build the server would answer every page with 404: refuse instead.
  if (!existsSync(join(WEB_DIST, 'index.html'))) {
    throw new ConfigError(`The web app is not built (${join(WEB_DIST, 'index.html')} is missing): run \`npm run build\` first, or \`npm start\`, which builds what is missing.`);
  }
  const db = openDatabase(config.database);
  await migrateToLatest(db);
  await ensureInitialAdmin(db, config);

  if (config.demo) {
    const hasCustomers = await db.kysely.selectFrom('customers').select('id').limit(1).executeTakeFirst();
    if (!hasCustomers) {
      log('Creating demo data (about 200 customers, 600 documents) …');
      await createDemoData(db, { onProgress: (done, total) => log(`  ${done}/${total} documents`) });
    }
  }

  // Start-up may wait for another process's write lock; from now on requests must not (see REQUEST_BUSY_TIMEOUT_MS).
  db.setBusyTimeout?.(REQUEST_BUSY_TIMEOUT_MS);
  const app = await buildApp({ db, config }, { logger: config.logLevel === 'silent' ? false : { level: config.logLevel } });
  await serveWebApp(app);
  // Demo mode only: an SMTP sink on 127.0.0.1 that the mail settings point at, so the whole
  // workflow runs without a mail provider. Never started in a production configuration.
  const catcher = config.demo ? await startDemoMail({ db, secret: config.secret, port: config.mailCatcherPort }) : undefined;
  const worker = options.worker ? startDispatchWorker({ db, config, ...workerTiming(config), log: workerLog(app) }) : undefined;
  // The bounce mailbox is read where the dispatch worker runs (one poller at a time across processes).
  const bounces = options.worker ? startBouncePoller({ db, secret: config.secret, intervalMs: config.worker.bouncePollMs, log: workerLog(app) }) : undefined;

  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  log(`Faktura is running at ${url}; API docs at ${url}/api/docs`);
  if (config.demo) log(`Demo login: ${DEMO_LOGIN.email} / ${DEMO_LOGIN.password}; mails go to the built-in catcher on port ${catcher?.port} (menu: Posteingang)`);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      // Stop claiming first and let SMTP transactions in flight finish, so nothing is left `sending`.
      await worker?.stop({ timeoutMs: 30_000 });
      await bounces?.stop();
      await app.close();
      await catcher?.close();
      await db.close();
    })();
    return stopping;
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void stop().then(() => process.exit(0));
    });
  }
  return { app, db, url, stop };
}
