import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ConfigError, loadConfig } from './config.ts';
import { isAppError } from './domain/errors.ts';

/*
 * Each command imports what it needs when it runs (`await import(…)`): the compiled CLI is split
 * into chunks along these imports (scripts/build.js), so `faktura worker` loads no HTTP server,
 * PDF renderer or spreadsheet reader, and `migrate` loads little more than the database.
 */

const program = new Command('faktura').description('Faktura: send many invoices by e-mail as PDF over your own SMTP server');

async function openFromEnv() {
  const { openDatabase } = await import('./db/connection.ts');
  const config = loadConfig();
  const db = openDatabase(config.database);
  return { config, db };
}
program
  .command('serve')
  .description('start the HTTP API and web app (and, unless --no-worker, the dispatch worker)')
  .option('--no-worker', 'do not run the dispatch worker in this process')
  .option('--demo', 'demo mode: built-in mail catcher, demo data on an empty database')
  .action(async (options: { worker: boolean; demo?: boolean }) => {
    const config = loadConfig();
    const { startServer } = await import('./server.ts');
    await startServer({ ...config, demo: config.demo || options.demo === true }, { worker: options.worker });
  });

program
  .command('worker')
  .description('run only the dispatch worker (any number of them can share one PostgreSQL database)')
  .action(async () => {
    const [{ default: pino }, { migrateToLatest }, { startDispatchWorker }, { workerTiming }, { LOG_REDACT }, { startBouncePoller }] = await Promise.all([
      import('pino'),
      import('./db/migrate.ts'),
      import('./dispatch/index.ts'),
      import('./worker-timing.ts'),
      import('./log-redact.ts'),
      import('./mail/bounces/poller.ts'),
    ]);
    const { config, db } = await openFromEnv();
    await migrateToLatest(db);
    const logger = pino({ level: config.logLevel, redact: LOG_REDACT });
    const worker = startDispatchWorker({ db, config, ...workerTiming(config), log: (level, message, data) => logger[level](data ?? {}, message) });
    logger.info({ worker: worker.id }, 'dispatch worker started');
    const bounces = startBouncePoller({ db, secret: config.secret, intervalMs: config.worker.bouncePollMs, log: (level, message, data) => logger[level](data ?? {}, message) });
    const stop = async () => {
      await worker.stop({ timeoutMs: 30_000 });
      await bounces.stop();
      await db.close();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop());
    process.once('SIGINT', () => void stop());
  });

program
  .command('migrate')
  .description('bring the database schema up to date')
  .action(async () => {
    const { migrateToLatest } = await import('./db/migrate.ts');
    const { db } = await openFromEnv();
    const applied = await migrateToLatest(db);
    console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database is up to date');
    await db.close();
  });

program
  .command('user')
  .description('manage users')
  .command('create')
  .requiredOption('--email <email>')
  .requiredOption('--password <password>')
  .option('--name <name>', 'display name', '')
  .option('--role <role>', 'admin or staff', 'staff')
  .action(async (options: { email: string; password: string; name: string; role: string }) => {
    if (options.role !== 'admin' && options.role !== 'staff') throw new ConfigError('--role must be admin or staff');
    const role = options.role;
    const [{ migrateToLatest }, { createUser }, { SYSTEM_ACTOR }] = await Promise.all([import('./db/migrate.ts'), import('./commands/users.ts'), import('./commands/context.ts')]);
    const { db } = await openFromEnv();
    await migrateToLatest(db);
    const user = await db.kysely.transaction().execute((trx) => createUser({ trx, actor: SYSTEM_ACTOR, data: { email: options.email, password: options.password, name: options.name, role } }));
    console.log(`created ${user.role} ${user.email} (id ${user.id})`);
    await db.close();
  });

program
  .command('import')
  .description('import customers or documents from a CSV file (all rows or none)')
  .argument('<what>', 'customers | documents')
  .argument('<file>', 'CSV file, UTF-8 or Windows-1252, ";" or "," separated')
  .option('--dry-run', 'only check the file')
  .option('--encoding <encoding>', 'auto (UTF-8 if valid, else Windows-1252) | utf-8 | windows-1252', 'auto')
  .action(async (what: string, file: string, options: { dryRun?: boolean; encoding: string }) => {
    if (what !== 'customers' && what !== 'documents') throw new ConfigError('import what? customers or documents');
    const [{ migrateToLatest }, { importCustomers, importDocuments }, { SYSTEM_ACTOR }, { archiveMissingPdfs }] = await Promise.all([
      import('./db/migrate.ts'),
      import('./commands/import.ts'),
      import('./commands/context.ts'),
      import('./pdf/backfill.ts'),
    ]);
    const { CSV_ENCODINGS } = await import('./commands/import-encoding.ts');
    const encoding = CSV_ENCODINGS.find((e) => e === options.encoding.toLowerCase());
    if (!encoding) throw new ConfigError(`--encoding must be one of ${CSV_ENCODINGS.join(', ')}`);
    const { db } = await openFromEnv();
    await migrateToLatest(db);
    const csv = readFileSync(file);
    const run = what === 'customers' ? importCustomers : importDocuments;
    try {
      const report = await db.kysely.transaction().execute((trx) => run({ trx, actor: SYSTEM_ACTOR, csv, dryRun: options.dryRun === true, encoding }));
      if (what === 'documents' && !report.dryRun && report.created > 0) await archiveMissingPdfs({ db: db.kysely });
      for (const e of report.errors) console.error(`  ${e.message}`);
      console.log(report.dryRun ? `checked ${report.rows} rows, ${report.errors.length} problem(s)` : `imported ${report.created} ${what} from ${report.rows} rows`);
      process.exitCode = report.errors.length > 0 ? 1 : 0;
    } finally {
      await db.close();
    }
  });

program
  .command('backup')
  .description('SQLite: write a consistent copy of the database to FILE while Faktura keeps running')
  .argument('<file>')
  .action(async (file: string) => {
    const { db } = await openFromEnv();
    try {
      if (!db.backup) throw new ConfigError('backup is for the embedded SQLite database; for PostgreSQL use pg_dump (see README)');
      await db.backup(file);
      console.log(`backup written to ${file}`);
    } finally {
      await db.close();
    }
  });

program
  .command('demo')
  .description('create a German demo data set (~200 customers, ~600 documents) and print the demo login')
  .option('--customers <n>', 'number of customers', '200')
  .option('--documents <n>', 'number of documents', '600')
  .action(async (options: { customers: string; documents: string }) => {
    const [{ migrateToLatest }, { createDemoData }] = await Promise.all([import('./db/migrate.ts'), import('./demo.ts')]);
    const { db } = await openFromEnv();
    await migrateToLatest(db);
    const summary = await createDemoData(db, { customers: Number(options.customers), documents: Number(options.documents) });
    console.log(`demo data: ${summary.customers} customers, ${summary.documents} documents`);
    console.log(`log in as ${summary.login.email} / ${summary.login.password}`);
    await db.close();
  });

program.parseAsync().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else if (isAppError(error)) {
    console.error(`${error.code}: ${error.message}`);
    for (const d of error.details) console.error(`  ${d.message}`);
  } else console.error(error);
  process.exitCode = 1;
});
