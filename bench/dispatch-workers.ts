/**
 * Scale-out: PostgreSQL with 1, 2 and 4 `faktura worker` processes sending one dispatch.
 * `npx tsx bench/dispatch-workers.ts [count=10000] [workers=1,2,4]`
 *
 * Each round: a fresh schema, `count` customers with one final invoice (≈30 KiB PDF) each, the
 * dispatch queued in this process (as `faktura serve` would), then N worker processes started
 * with `node bin/faktura.js worker`. Timed from the workers' start to the sink's last accepted
 * message (includes the workers' start-up, ≈1 s), and from the first to the last message.
 * Before the workers, the raw limit with the same number of connections in total (5 per worker)
 * to the same sink (bench/raw-limit.ts); the ratio compares it with the steady rate.
 * The sink runs in its own process (bench/dispatch-sink.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/db/connection.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { configureMail, createTemplate, TEST_SECRET } from '../test/dispatch-support.ts';
import { seedInvoices, startDispatchOf } from '../test/dispatch-seed.ts';
import { buildRawMessages, runRawPool } from './raw-limit.ts';
import { startSink } from './sink-client.ts';

const count = Number(process.argv[2] ?? 10_000);
const rounds = (process.argv[3] ?? '1,2,4').split(',').map(Number);
const url = process.env['FAKTURA_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const POOL = 5;

const sink = await startSink();

const results: string[] = [];
for (const workers of rounds) {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const db = openDatabase({ kind: 'postgres', url, schema });
  await migrateToLatest(db);
  await configureMail(db, sink.port, { poolSize: POOL, ratePerMinute: 100_000, ratePerDay: null });
  const templateId = await createTemplate(db);
  const ids = await seedInvoices(db, count, 30 * 1024);
  // The raw limit in the same round, to the same sink (bench/raw-limit.ts).
  const raw = await runRawPool({ sink, pool: POOL * workers, messages: await buildRawMessages(db, ids, templateId), pdfBytes: 30 * 1024 });
  sink.reset();
  await startDispatchOf(db, ids, templateId, TEST_SECRET);

  const workerUrl = new URL(url);
  workerUrl.searchParams.set('options', `-c search_path=${schema}`);
  const started = Date.now();
  const children: ChildProcess[] = Array.from({ length: workers }, () =>
    spawn(process.execPath, [join(import.meta.dirname, '..', 'bin', 'faktura.js'), 'worker'], {
      env: { ...process.env, DATABASE_URL: workerUrl.toString(), FAKTURA_SECRET: TEST_SECRET, LOG_LEVEL: 'silent', FAKTURA_DATA_DIR: '/tmp/faktura-bench-workers' },
      stdio: 'ignore',
    }),
  );
  let firstAt = 0;
  let s = await sink.stats();
  while (s.count < count) {
    if (!firstAt && s.count > 0) firstAt = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    s = await sink.stats();
  }
  const total = (s.lastAt - started) / 1000;
  const steady = (s.lastAt - firstAt) / 1000;
  results.push(`| ${workers} | ${count} | ${total.toFixed(1)} | ${(count / total).toFixed(0)} | ${(count / steady).toFixed(0)} | ${raw.rate.toFixed(0)} | ${(count / steady / raw.rate).toFixed(2)} |`);
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))));
  await db.close();
  await admin.query(`drop schema ${schema} cascade`);
  await admin.end();
}
sink.exit();
console.log(`PostgreSQL, ${count} recipients, pool ${POOL} per worker, sink in its own process`);
console.log('| worker processes | messages | seconds (incl. start-up) | msg/s | msg/s from first message | raw msg/s (same connections) | ratio |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const row of results) console.log(row);
