/**
 * Benchmark (issue 15 item 1): /api/health latency while 64 clients at 64 addresses send wrong
 * passwords at the same time, over real HTTP on 127.0.0.1, on SQLite and PostgreSQL.
 * The server trusts the loopback proxy (FAKTURA_TRUST_PROXY=loopback) so each attacker can name
 * its own address: the worst case, where the per-address limit does not help.
 * Run: npx tsx bench/login.ts [rounds=5] [sqlite,postgres]
 * Record results with `uptime`'s load in bench/RESULTS.md.
 */
import { performance } from 'node:perf_hooks';
import { SYSTEM_ACTOR } from '../src/commands/context.ts';
import { createUser } from '../src/commands/users.ts';
import { loadConfig } from '../src/config.ts';
import { buildApp } from '../src/http/app.ts';
import { createTestDb } from '../test/helpers/db.ts';

const rounds = Number(process.argv[2] ?? 5);
const dialects = (process.argv[3] ?? 'sqlite,postgres').split(',').filter((d): d is 'sqlite' | 'postgres' => d === 'sqlite' || d === 'postgres');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

for (const dialect of dialects) {
  const testDb = await createTestDb(dialect);
  const config = loadConfig({ FAKTURA_DATA_DIR: testDb.env['FAKTURA_DATA_DIR'] ?? '/tmp/faktura-bench-login', FAKTURA_SECRET: 'x'.repeat(40), FAKTURA_TRUST_PROXY: 'loopback' });
  await createUser({ trx: testDb.db.kysely, actor: SYSTEM_ACTOR, data: { email: 'chefin@praxis.test', password: 'richtig-richtig', name: 'Chefin', role: 'admin' } });
  const app = await buildApp({ db: testDb.db, config });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const idle: number[] = [];
  const loaded: number[] = [];
  const loginMs: number[] = [];
  const health = async (into: number[]) => {
    const started = performance.now();
    const response = await fetch(`${base}/api/health`);
    await response.arrayBuffer();
    into.push(performance.now() - started);
  };
  for (let i = 0; i < 20; i++) await health(idle);
  let attacker = 0;
  for (let round = 0; round < rounds; round++) {
    const logins = Array.from({ length: 64 }, async () => {
      const n = attacker++;
      const started = performance.now();
      const response = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` },
        body: JSON.stringify({ email: `rate${n}@praxis.test`, password: 'falsch-falsch-falsch' }),
      });
      await response.arrayBuffer();
      loginMs.push(performance.now() - started);
    });
    // Health checks while the logins are in flight.
    let inFlight = true;
    const all = Promise.all(logins).then(() => {
      inFlight = false;
    });
    while (inFlight) await health(loaded);
    await all;
  }
  idle.sort((a, b) => a - b);
  loaded.sort((a, b) => a - b);
  loginMs.sort((a, b) => a - b);
  console.log(
    `${dialect}: /api/health idle p50 ${percentile(idle, 50).toFixed(1)} ms; during 64 concurrent bad logins p50 ${percentile(loaded, 50).toFixed(1)} ms, p95 ${percentile(loaded, 95).toFixed(1)} ms, max ${percentile(loaded, 100).toFixed(1)} ms (${loaded.length} checks); login answer p50 ${percentile(loginMs, 50).toFixed(0)} ms, max ${percentile(loginMs, 100).toFixed(0)} ms`,
  );
  await app.close();
  await testDb.cleanup();
}
