/**
 * Senden for a large dispatch: `npx tsx bench/send-queue.ts [count=100000] [sqlite,postgres] [--per-document] [--profile] [--no-analyze]`.
 *
 * Seeds `count` customers with one final invoice each (small archived PDFs: sending is not
 * measured here), creates a draft over all of them and times `sendDispatch` twice:
 * 1. without a template (422 after checking every recipient: the check alone),
 * 2. with a template (check + queueing every delivery in one transaction).
 * `--profile` sums the time of each SQL statement text (Kysely's query log) and prints the top
 * ones, to show where the time goes.
 */
import { performance } from 'node:perf_hooks';
import { Kysely, PostgresDialect, sql, SqliteDialect, type LogEvent } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { SYSTEM_ACTOR } from '../src/commands/context.ts';
import type { Db } from '../src/db/connection.ts';
import type { Database } from '../src/db/schema.ts';
import { createDispatchPorts } from '../src/dispatch/adapters.ts';
import { createDispatch, updateDispatch } from '../src/dispatch/draft.ts';
import { sendDispatch } from '../src/dispatch/send.ts';
import { isAppError } from '../src/domain/errors.ts';
import { configureMail, createTemplate, TEST_SECRET } from '../test/dispatch-support.ts';
import { seedInvoices } from '../test/dispatch-seed.ts';
import { createTestDb } from '../test/helpers/db.ts';

const count = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 100_000);
const dialects = (process.argv.slice(2).find((a) => /^[a-z,]+$/.test(a)) ?? 'sqlite,postgres').split(',').filter((d): d is 'sqlite' | 'postgres' => d === 'sqlite' || d === 'postgres');
const perDocument = process.argv.includes('--per-document');
const profile = process.argv.includes('--profile');
const noAnalyze = process.argv.includes('--no-analyze');

const statements = new Map<string, { n: number; ms: number }>();
const log = (event: LogEvent): void => {
  const key = event.query.sql.replace(/\s+/g, ' ').replace(/(\$\d+|\?)(, (\$\d+|\?))+/g, '…').slice(0, 160);
  const s = statements.get(key) ?? { n: 0, ms: 0 };
  s.n++;
  s.ms += event.queryDurationMillis;
  statements.set(key, s);
};

/** The test database's connection, with Kysely's query log when profiling. */
function profiled(db: Db, target: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string }): Db {
  if (!profile) return db;
  if (target.kind === 'sqlite') {
    const sqlite = new BetterSqlite3(target.file);
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 10000');
    const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }), log });
    return { kysely, dialect: 'sqlite', schema: undefined, close: () => kysely.destroy() };
  }
  const pool = new pg.Pool({ connectionString: target.url, max: 4, options: `-c jit=off -c search_path=${target.schema}` });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
  return { kysely, dialect: 'postgres', schema: target.schema, close: () => kysely.destroy() };
}

/** Wall time, and how far RSS rose above where it started (sampled every 10 ms). */
async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; rssMb: number; result: T | Error }> {
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const t0 = performance.now();
  let result: T | Error;
  try {
    result = await run();
  } catch (error) {
    result = error instanceof Error ? error : new Error(String(error));
  }
  const ms = performance.now() - t0;
  clearInterval(sampler);
  return { ms, rssMb: (Math.max(peak, process.memoryUsage().rss) - rss0) / 2 ** 20, result };
}

const rows: string[] = [];
for (const dialect of dialects) {
  const testDb = await createTestDb(dialect);
  const db = testDb.db;
  try {
    let t0 = performance.now();
    const ids = await seedInvoices(db, count, 64);
    await configureMail(db, 2525);
    const templateId = await createTemplate(db);
    const ports = createDispatchPorts({ secret: TEST_SECRET });
    const { id } = await db.kysely.transaction().execute((trx) => createDispatch({ trx, actor: SYSTEM_ACTOR, selection: { documentIds: ids } }));
    if (perDocument) await db.kysely.transaction().execute((trx) => updateDispatch({ trx, actor: SYSTEM_ACTOR, ports, id, mode: 'perDocument' }));
    console.log(`${dialect}: seeded ${count} invoices and a draft over them in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // What autovacuum does some time after loading this much data; `--no-analyze`: right after it.
    if (dialect === 'postgres' && !noAnalyze) await sql`analyze`.execute(db.kysely);

    const measured = profiled(db, testDb.target);
    statements.clear();
    t0 = performance.now();
    const check = await timed(() => sendDispatch({ db: measured, ports, actor: SYSTEM_ACTOR, id, idempotencyKey: null }));
    const checkCode = check.result instanceof Error ? (isAppError(check.result) ? `${check.result.kind} ${check.result.code}` : check.result.message) : 'queued?!';
    rows.push(`| ${dialect} | ${count} | check only (no template → ${checkCode}) | ${(check.ms / 1000).toFixed(2)} | ${check.rssMb.toFixed(0)} |`);
    const checkProfile = new Map(statements);

    await db.kysely.transaction().execute((trx) => updateDispatch({ trx, actor: SYSTEM_ACTOR, ports, id, templateId }));
    statements.clear();
    const send = await timed(() => sendDispatch({ db: measured, ports, actor: SYSTEM_ACTOR, id, idempotencyKey: 'bench-send-1' }));
    if (send.result instanceof Error) throw send.result;
    rows.push(`| ${dialect} | ${count} | check + queue ${send.result.deliveries} deliveries (${perDocument ? 'per document' : 'per customer'}) | ${(send.ms / 1000).toFixed(2)} | ${send.rssMb.toFixed(0)} |`);
    if (profile) {
      for (const [title, map] of [['check only', checkProfile], ['check + queue', statements]] as const) {
        console.log(`\n${dialect}, ${title}: top statements by total time`);
        for (const [text, s] of [...map.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8)) console.log(`  ${s.ms.toFixed(0).padStart(7)} ms ${String(s.n).padStart(6)}× ${text}`);
      }
    }
    if (measured !== db) await measured.close();
  } finally {
    await testDb.cleanup();
  }
}
console.log('\n| database | recipients | sendDispatch | s | RSS rise MB |\n|---|---:|---|---:|---:|');
for (const r of rows) console.log(r);
