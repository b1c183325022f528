/**
 * Memory and start-up of the processes a user runs (issue 19):
 * `npx tsx bench/runtime.ts [--dispatch=N] [--starts=5] [--idle-s=10]`.
 *
 * Everything is measured on the real command, `node bin/faktura.js …` (the compiled build when
 * there is one: run `npm run build` first), in a process of its own, read from
 * /proc/<pid>/status (VmRSS: the whole process, its threads included):
 * 1. idle `faktura worker` on a migrated SQLite database: RSS after `--idle-s` seconds with
 *    nothing to do (target ≤ 90 MB);
 * 2. start-up: spawning `faktura serve --no-worker` on that database until it prints that it
 *    listens, median of `--starts` (target ≤ 0.5 s);
 * 3. with `--dispatch=N`: N customers with one final invoice and a ≈30 KiB PDF each are seeded
 *    and queued (in other processes), then `faktura worker` sends them to the benchmarks' SMTP
 *    sink; peak RSS of the worker process while it sends (target ≤ 180 MB at 100,000).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEM_ACTOR } from '../src/commands/context.ts';
import { openDatabase } from '../src/db/connection.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createDispatchPorts } from '../src/dispatch/adapters.ts';
import { createDispatch, updateDispatch } from '../src/dispatch/draft.ts';
import { sendDispatch } from '../src/dispatch/send.ts';
import { configureMail, createTemplate, TEST_SECRET } from '../test/dispatch-support.ts';
import { seedInvoicesInChild } from './seed-invoices.ts';
import { startSink } from './sink-client.ts';

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const dispatchCount = Number(arg('dispatch') ?? 0);
const starts = Number(arg('starts') ?? 5);
const idleSeconds = Number(arg('idle-s') ?? 10);
const BIN = join(import.meta.dirname, '..', 'bin', 'faktura.js');
const PDF_BYTES = 30 * 1024;

const dataDir = mkdtempSync(join(tmpdir(), 'faktura-bench-runtime-'));
const env = { ...process.env, FAKTURA_DATA_DIR: dataDir, FAKTURA_SECRET: TEST_SECRET, DATABASE_URL: '', LOG_LEVEL: 'info', FAKTURA_BOUNCE_POLL_MS: '0' };

const mb = (kib: number) => `${(kib / 1024).toFixed(0)} MB`;
function status(pid: number): { rss: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function start(args: string[], until: RegExp): { child: ChildProcess; ready: Promise<number> } {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (until.test(output)) resolve(performance.now() - started);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`faktura ${args.join(' ')} exited with ${code}:\n${output}`)));
  });
  return { child, ready };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

console.log(`bin: ${BIN}; node ${process.version}; load ${load()}`);

// 1. idle worker
{
  const { child, ready } = start(['worker'], /dispatch worker started/);
  const ms = await ready;
  await sleep(idleSeconds * 1000);
  const s = status(child.pid ?? 0);
  console.log(`idle faktura worker: RSS ${mb(s.rss)} after ${idleSeconds} s (peak ${mb(s.hwm)}; started in ${ms.toFixed(0)} ms; target ≤ 90 MB); load ${load()}`);
  await stop(child);
}

// 2. start-up to listening
{
  const times: number[] = [];
  let rss = 0;
  for (let i = 0; i < starts; i++) {
    const { child, ready } = start(['serve', '--no-worker'], /running at http/);
    times.push(await ready);
    rss = status(child.pid ?? 0).rss;
    await stop(child);
  }
  times.sort((a, b) => a - b);
  console.log(`start-up of faktura serve --no-worker to listening: median ${(times[Math.floor(times.length / 2)] ?? 0).toFixed(0)} ms, min ${(times[0] ?? 0).toFixed(0)}, max ${(times.at(-1) ?? 0).toFixed(0)} (${starts} starts; target ≤ 500 ms); RSS right after listening ${mb(rss)}; load ${load()}`);
}

// 3. a dispatch of N recipients sent by `faktura worker`
if (dispatchCount > 0) {
  const sink = await startSink();
  const target = { kind: 'sqlite' as const, file: join(dataDir, 'faktura.sqlite') };
  const t0 = Date.now();
  await seedInvoicesInChild(target, dispatchCount, PDF_BYTES);
  const db = openDatabase(target);
  await migrateToLatest(db);
  await configureMail(db, sink.port, { poolSize: 5, ratePerMinute: 100_000 });
  const templateId = await createTemplate(db);
  const ports = createDispatchPorts({ secret: TEST_SECRET });
  const ids = (await db.kysely.selectFrom('documents').select('id').orderBy('id').execute()).map((d) => d.id);
  const { id } = await db.kysely.transaction().execute((trx) => createDispatch({ trx, actor: SYSTEM_ACTOR, selection: { documentIds: ids } }));
  await db.kysely.transaction().execute((trx) => updateDispatch({ trx, actor: SYSTEM_ACTOR, ports, id, templateId }));
  await sendDispatch({ db, ports, actor: SYSTEM_ACTOR, id, idempotencyKey: 'bench-runtime' });
  await db.close();
  console.log(`seeded and queued ${dispatchCount} deliveries in ${((Date.now() - t0) / 1000).toFixed(0)} s; load ${load()}`);

  sink.reset();
  const { child, ready } = start(['worker'], /dispatch worker started/);
  const sent0 = Date.now();
  await ready;
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, status(child.pid ?? 0).rss);
    } catch {
      // the process has just exited
    }
  }, 100);
  const s = await sink.waitFor(dispatchCount);
  clearInterval(sampler);
  const hwm = status(child.pid ?? 0).hwm;
  const seconds = (s.lastAt - sent0) / 1000;
  console.log(`faktura worker sent ${dispatchCount} messages in ${seconds.toFixed(0)} s = ${(dispatchCount / seconds).toFixed(0)} msg/s; peak RSS ${mb(peak)} (sampled every 100 ms; VmHWM ${mb(hwm)}; target ≤ 180 MB at 100,000); load ${load()}`);
  await stop(child);
  sink.exit();
}

rmSync(dataDir, { recursive: true, force: true });
