import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { startDispatchWorker } from '../../src/dispatch/index.ts';

/**
 * A dispatch worker process for the crash tests, which SIGKILL it at random moments
 * (`node --import tsx test/helpers/worker-process.ts`): `faktura worker` with the test's timing
 * knobs, which production has no use for. Tuning flags (all optional):
 * --lease-ms, --poll-ms, --sweep-ms, --backoff-ms=1000,2000 (comma list).
 */
function flag(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

const num = (name: string): number | undefined => {
  const v = flag(name);
  return v === undefined ? undefined : Number(v);
};

const config = loadConfig();
const db = openDatabase(config.database);
await migrateToLatest(db);
const controller = new AbortController();
const leaseMs = num('lease-ms');
const pollMs = num('poll-ms');
const sweepMs = num('sweep-ms');
const backoff = flag('backoff-ms');
const worker = startDispatchWorker({
  db,
  config,
  signal: controller.signal,
  ...(leaseMs === undefined ? {} : { leaseMs }),
  ...(pollMs === undefined ? {} : { pollMs }),
  ...(sweepMs === undefined ? {} : { sweepMs }),
  ...(backoff === undefined ? {} : { backoffMs: backoff.split(',').map(Number) }),
  log: (level, message, data) => {
    if (level !== 'debug') console.error(JSON.stringify({ level, message, ...data }));
  },
});
console.log(`worker ${worker.id} started`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    controller.abort();
    void worker
      .stop()
      .then(() => db.close())
      .then(() => process.exit(0));
  });
}
