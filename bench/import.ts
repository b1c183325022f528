/**
 * CSV import of 200,000 customer rows (issue 15 item 3): wall time, peak RSS of the process and
 * /api/health latency while the import runs (health asked every 100 ms on the same server).
 *
 *   npx tsx bench/import.ts [--pg] [--rows N]
 *
 * Prints one JSON line; record it in bench/RESULTS.md with the machine's load (`uptime`).
 */
import { performance } from 'node:perf_hooks';
import { createTestApp } from '../test/helpers/app.ts';

const args = process.argv.slice(2);
const dialect = args.includes('--pg') ? 'postgres' : 'sqlite';
const rowsArg = args.indexOf('--rows');
const ROWS = rowsArg >= 0 ? Number(args[rowsArg + 1]) : 200_000;

const lines = ['Kundennummer;Anrede;Vorname;Nachname;Straße;PLZ;Ort;E-Mail;Rechnung per Post'];
for (let i = 1; i <= ROWS; i++) lines.push(`M-${String(i).padStart(7, '0')};Frau;Jörg;Müßig ${i};Hauptstraße ${i};50667;Köln;kunde${i}@example.de;nein`);
const file = Buffer.from(lines.join('\r\n') + '\r\n');
lines.length = 0;

const t = await createTestApp(dialect);
global.gc?.();
const baseRss = process.memoryUsage().rss;
let peakRss = baseRss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

const health: number[] = [];
let importing = true;
const probe = (async () => {
  // Latency as a client sees it: from when the probe was due (100 ms after the last answer),
  // so a blocked event loop (a timer that fires late) counts, not only the request itself.
  let due = performance.now();
  while (importing) {
    const response = await t.anonymous.get('/api/health');
    if (response.statusCode !== 200) throw new Error(`health ${response.statusCode}`);
    const now = performance.now();
    health.push(now - due);
    due = now + 100;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
})();

const started = performance.now();
const response = await t.staff.request({ method: 'POST', url: '/api/import/customers', payload: file, headers: { 'content-type': 'text/csv' } });
const seconds = (performance.now() - started) / 1000;
importing = false;
await probe;
clearInterval(sampler);
if (response.statusCode !== 200) throw new Error(`import ${response.statusCode} ${response.body.slice(0, 300)}`);

const sorted = [...health].sort((a, b) => a - b);
const pct = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
console.log(JSON.stringify({
  dialect,
  rows: ROWS,
  fileMB: +(file.length / 1e6).toFixed(1),
  seconds: +seconds.toFixed(1),
  rowsPerSecond: Math.round(ROWS / seconds),
  baseRssMB: Math.round(baseRss / 1e6),
  peakRssMB: Math.round(peakRss / 1e6),
  extraRssMB: Math.round((peakRss - baseRss) / 1e6),
  health: { probes: sorted.length, p50ms: pct(50), p95ms: pct(95), maxMs: Math.round(sorted.at(-1) ?? 0) },
}));
await t.close();
