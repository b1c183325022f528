/**
 * Dispatch throughput and memory: `npx tsx bench/dispatch.ts [count=10000] [--pg] [--skip-raw | --only-raw] [--rounds=N] [--reply-delay-ms=N]`.
 *
 * 1. Seeds `count` customers with one final invoice each and a ≈30 KiB archived PDF (in a child
 *    process, bench/seed-invoices.ts: this process is the one whose memory is measured).
 * 2. Raw limit: nodemailer's pool (same connections) sends the same messages to the sink (each
 *    customer's rendered subject, text and HTML, a PDF of the same size), no database.
 * 3. Faktura: `sendDispatch` queues everything, one in-process worker sends it; time from the send
 *    request to the sink's last accepted message; peak RSS sampled during this phase.
 * With `--rounds=N`, 2 and 3 alternate N times and the median ratio is printed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { SYSTEM_ACTOR } from '../src/commands/context.ts';
import { openDatabase, type DatabaseTarget, type Db } from '../src/db/connection.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createDispatchPorts } from '../src/dispatch/adapters.ts';
import { createDispatch, updateDispatch } from '../src/dispatch/draft.ts';
import { sendDispatch } from '../src/dispatch/send.ts';
import { startDispatchWorkerWith } from '../src/dispatch/engine/worker.ts';
import { configureMail, createTemplate, TEST_SECRET } from '../test/dispatch-support.ts';
import { buildRawMessages, runRawPool, type Prebuilt } from './raw-limit.ts';
import { seedInvoicesInChild } from './seed-invoices.ts';
import { startSink } from './sink-client.ts';

const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 10_000);
const usePg = process.argv.includes('--pg');
const skipRaw = process.argv.includes('--skip-raw');
/** measures only the raw limit (e.g. to profile it on its own) */
const onlyRaw = process.argv.includes('--only-raw');
/** raw and Faktura alternate this many times (the machine's load varies; the median ratio is the figure) */
const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length) ?? 1);
const POOL = 5;
const PDF_BYTES = 30 * 1024;

/** the sink answers each message after this delay, as a remote server would (0: loopback speed) */
const replyDelay = process.argv.find((a) => a.startsWith('--reply-delay-ms='));
const sink = await startSink(replyDelay ? [replyDelay] : []);
const { port } = sink;

let target: DatabaseTarget;
let cleanup: () => Promise<void>;
if (usePg) {
  const url = process.env['FAKTURA_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  target = { kind: 'postgres', url, schema };
  cleanup = async () => {
    await db.close();
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  };
} else {
  const dir = mkdtempSync(join(tmpdir(), 'faktura-bench-'));
  target = { kind: 'sqlite', file: join(dir, 'bench.sqlite') };
  cleanup = async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  };
}
const db: Db = openDatabase(target);
await migrateToLatest(db);
await configureMail(db, port, { poolSize: POOL, ratePerMinute: 100_000 });
const templateId = await createTemplate(db);
const t0 = Date.now();
await seedInvoicesInChild(target, count, PDF_BYTES);
const ids = (await db.kysely.selectFrom('documents').select('id').orderBy('id').execute()).map((d) => d.id);
console.log(`seeded ${count} invoices with ${PDF_BYTES / 1024} KiB PDFs in ${((Date.now() - t0) / 1000).toFixed(1)} s (${usePg ? 'postgres' : 'sqlite'})`);

// ---- raw limit (bench/raw-limit.ts) ----
const ports = createDispatchPorts({ secret: TEST_SECRET });
async function runRaw(prebuilt: readonly Prebuilt[]): Promise<number> {
  const r = await runRawPool({ sink, pool: POOL, messages: prebuilt, pdfBytes: PDF_BYTES });
  console.log(`raw nodemailer pool (${POOL} connections): ${count} messages in ${r.seconds.toFixed(2)} s = ${r.rate.toFixed(0)} msg/s; sender CPU ${r.senderCpuMs.toFixed(2)} ms/msg, sink CPU ${r.sinkCpuMs.toFixed(2)} ms/msg`);
  return r.rate;
}

// ---- Faktura ----
// Each round is a new dispatch of the same documents (already sent is a warning, not a block).
async function runFaktura(round: number): Promise<number> {
  sink.reset();
  const sinkCpu0 = (await sink.stats()).cpuMs;
  global.gc?.();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  const { id } = await db.kysely.transaction().execute((trx) => createDispatch({ trx, actor: SYSTEM_ACTOR, selection: { documentIds: ids } }));
  await db.kysely.transaction().execute((trx) => updateDispatch({ trx, actor: SYSTEM_ACTOR, ports, id, templateId }));
  const worker = startDispatchWorkerWith({ db, ports, pollMs: 50 });
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  await sendDispatch({ db, ports, actor: SYSTEM_ACTOR, id, idempotencyKey: `bench-${round}` });
  const queuedMs = Date.now() - t0;
  worker.wake();
  const s = await sink.waitFor(count);
  const seconds = (s.lastAt - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  await worker.stop();
  const rate = count / seconds;
  const sent = await db.kysely.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('dispatch_id', '=', id).where('state', '=', 'sent').executeTakeFirstOrThrow();
  console.log(`faktura (${usePg ? 'postgres' : 'sqlite'}, 1 worker, pool ${POOL}): ${count} messages in ${seconds.toFixed(2)} s = ${rate.toFixed(0)} msg/s (send request queued all in ${queuedMs} ms); ${Number(sent.n)} recorded sent; sender CPU ${((cpu.user + cpu.system) / 1000 / count).toFixed(2)} ms/msg, sink CPU ${((s.cpuMs - sinkCpu0) / count).toFixed(2)} ms/msg`);
  console.log(`peak RSS during dispatch: ${(peakRss / 1024 / 1024).toFixed(0)} MB (process max RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; target ≤ 250 MB at 100,000)`);
  return rate;
}

const prebuilt = skipRaw ? [] : await buildRawMessages(db, ids, templateId);
const ratios: number[] = [];
for (let round = 1; round <= rounds; round++) {
  if (rounds > 1) console.log(`-- round ${round} of ${rounds}`);
  const rawRate = skipRaw ? 0 : await runRaw(prebuilt);
  if (onlyRaw) continue;
  const rate = await runFaktura(round);
  if (rawRate > 0) {
    ratios.push(rate / rawRate);
    console.log(`ratio faktura / raw: ${(rate / rawRate).toFixed(2)} (target ≥ 0.80)`);
  }
}
if (ratios.length > 1) {
  const sorted = [...ratios].sort((x, y) => x - y);
  console.log(`ratio over ${sorted.length} rounds: median ${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(2)}, min ${(sorted[0] ?? 0).toFixed(2)}, max ${(sorted.at(-1) ?? 0).toFixed(2)} (target ≥ 0.80)`);
}

sink.exit();
await cleanup();
