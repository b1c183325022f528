/**
 * Benchmark: GET /api/documents with filters on 100,000 documents (p50/p95), on SQLite and
 * PostgreSQL; and the start-up time of `faktura serve` with an existing database.
 * Run: npx tsx bench/list.ts [documents=100000] [sqlite,postgres]
 * Fixed inputs (seeded data); prints a table. Record results in bench/RESULTS.md.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { SYSTEM_ACTOR } from '../src/commands/context.ts';
import { createUser } from '../src/commands/users.ts';
import { loadConfig } from '../src/config.ts';
import { buildApp } from '../src/http/app.ts';
import { createTestDb } from '../test/helpers/db.ts';

const documentCount = Number(process.argv[2] ?? 100_000);
const dialects = (process.argv[3] ?? 'sqlite,postgres').split(',').filter((d): d is 'sqlite' | 'postgres' => d === 'sqlite' || d === 'postgres');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function seed(db: Awaited<ReturnType<typeof createTestDb>>['db'], count: number): Promise<void> {
  const k = db.kysely;
  const now = new Date().toISOString();
  const customers = Math.max(100, Math.floor(count / 5));
  for (let start = 0; start < customers; start += 1000) {
    await k
      .insertInto('customers')
      .values(
        Array.from({ length: Math.min(1000, customers - start) }, (_, j) => {
          const i = start + j;
          const last = `Kunde${i}`;
          return { number: `K-${String(i + 1).padStart(6, '0')}`, last_name: last, first_name: 'Erika', country: 'DE', email: i % 12 === 0 ? null : `k${i}@example.de`, invoice_by_post: i % 10 === 0 ? 1 : 0, search_text: `k-${i + 1} erika ${last.toLowerCase()} k${i}@example.de`, created_at: now, updated_at: now } as const;
        }),
      )
      .execute();
  }
  const batch = dialectBatch(db.dialect);
  for (let start = 0; start < count; start += batch) {
    await k
      .insertInto('documents')
      .values(
        Array.from({ length: Math.min(batch, count - start) }, (_, j) => {
          const i = start + j;
          const day = new Date(Date.UTC(2025, 0, 1) + (i % 700) * 86_400_000).toISOString().slice(0, 10);
          const final = i % 7 !== 0;
          return {
            type: i % 9 === 0 ? 'quote' : 'invoice',
            number: final ? `${i % 9 === 0 ? 'AN' : 'RE'}-${day.slice(0, 4)}-${String(i + 1).padStart(6, '0')}` : null,
            status: final ? 'final' : 'draft',
            customer_id: 1 + (i % customers),
            language: 'de',
            issue_date: day,
            service_date: day,
            due_date: day,
            payment_terms_days: 14,
            intro_text: null,
            closing_text: null,
            cancels_document_id: null,
            cancelled_by_document_id: null,
            net_cents: 1000 + ((i * 7919) % 500_000),
            vat_cents: 190,
            gross_cents: 1190 + ((i * 7919) % 500_000),
            customer_snapshot: null,
            company_snapshot: null,
            last_sent_at: i % 3 === 0 ? now : null,
            last_sent_to: null,
            finalized_at: final ? now : null,
            created_at: now,
            updated_at: now,
          } as const;
        }),
      )
      .execute();
  }
  // A production database has fresh statistics (autovacuum / our start-up ANALYZE); a bulk-loaded one does not yet.
  await sql`analyze`.execute(k);
}

// SQLite allows at most 32766 bound parameters per statement; 24 columns per row.
const dialectBatch = (dialect: string) => (dialect === 'sqlite' ? 1000 : 2000);

const QUERIES = [
  ['first page, newest first', '/api/documents?pageSize=50'],
  ['final invoices, not sent', '/api/documents?type=invoice&status=final&sent=false&pageSize=50'],
  ['date range (1 month)', '/api/documents?dateFrom=2025-06-01&dateTo=2025-06-30&pageSize=50'],
  ['free text (customer name)', '/api/documents?q=kunde1234&pageSize=50'],
  ['amount range, sorted by total', '/api/documents?amountMinCents=100000&amountMaxCents=200000&sort=total&pageSize=50'],
  ['page 200 of all', '/api/documents?page=200&pageSize=50'],
] as const;

async function benchList(dialect: 'sqlite' | 'postgres'): Promise<void> {
  const t = await createTestDb(dialect);
  try {
    const seedStart = performance.now();
    await seed(t.db, documentCount);
    console.log(`${dialect}: seeded ${documentCount} documents in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
    const config = loadConfig({ FAKTURA_DATA_DIR: t.env['FAKTURA_DATA_DIR'] ?? '/tmp/faktura-bench', FAKTURA_SECRET: 'b'.repeat(40) });
    const app = await buildApp({ db: t.db, config });
    await createUser({ trx: t.db.kysely, actor: SYSTEM_ACTOR, data: { email: 'bench@faktura.test', password: 'bench-passwort', name: 'Bench', role: 'staff' } });
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'bench@faktura.test', password: 'bench-passwort' } });
    const cookie = `faktura_session=${login.cookies.find((c) => c.name === 'faktura_session')?.value}`;
    console.log(`| database | query | total rows | p50 ms | p95 ms |`);
    console.log(`|---|---|---:|---:|---:|`);
    for (const [name, url] of QUERIES) {
      const times: number[] = [];
      let total = 0;
      for (let i = 0; i < 40; i++) {
        const started = performance.now();
        const response = await app.inject({ method: 'GET', url, headers: { cookie } });
        times.push(performance.now() - started);
        total = response.json().total;
      }
      times.sort((a, b) => a - b);
      console.log(`| ${dialect} | ${name} | ${total} | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 95).toFixed(1)} |`);
    }
    // Creating a draft dispatch from a filter ("select all matching") that matches ≈50,000 documents.
    const csrf = login.json().csrfToken;
    const filter = { type: ['invoice'], status: ['final'], dateFrom: '2025-04-14' };
    const matching = (await app.inject({ method: 'GET', url: '/api/documents?type=invoice&status=final&dateFrom=2025-04-14&pageSize=1', headers: { cookie } })).json().total;
    const draftStarted = performance.now();
    const draft = await app.inject({ method: 'POST', url: '/api/dispatches', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, payload: JSON.stringify({ filter }) });
    const draftMs = performance.now() - draftStarted;
    console.log(`| ${dialect} | draft dispatch from a filter matching ${matching} documents (HTTP ${draft.statusCode}, ${draft.json().recipients?.total} recipients) | — | ${draftMs.toFixed(0)} | — |`);
    await app.close();
    if (dialect === 'sqlite') await benchStartup(t.env['FAKTURA_DATA_DIR'] ?? '');
  } finally {
    await t.cleanup();
  }
}

/** Time from spawning `faktura serve` on the existing database until /api/health answers. */
async function benchStartup(dataDir: string): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'bin', 'faktura.js'), 'serve', '--no-worker'], {
      env: { ...process.env, FAKTURA_DATA_DIR: dataDir, PORT: String(3900 + i), LOG_LEVEL: 'silent' },
      stdio: 'ignore',
    });
    for (;;) {
      try {
        const response = await fetch(`http://127.0.0.1:${3900 + i}/api/health`);
        if (response.ok) break;
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    times.push(performance.now() - started);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  times.sort((a, b) => a - b);
  console.log(`\nstart-up of faktura serve (SQLite, ${documentCount} documents): median ${percentile(times, 50).toFixed(0)} ms, max ${times.at(-1)?.toFixed(0)} ms`);
}

for (const dialect of dialects) await benchList(dialect);
