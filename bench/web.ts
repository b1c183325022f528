/**
 * Benchmark: the seed workflow in the built web app, clicked through in Debian's Chromium
 * (playwright-core, headless) against a real `faktura serve` on a seeded SQLite database.
 *
 * For every step it measures the time from the input (the `pointerdown`/`keydown` event's own
 * time stamp, taken in the page) to the first painted frame that shows the step's result (the
 * condition is checked in each animation frame; "painted" is the task right after that frame).
 * It also prints the renderer's script and layout time per step (CDP `Performance.getMetrics`),
 * which says where the time went, and the cold start: server start, then the login page loaded
 * until usable, with the compressed bytes of JavaScript and CSS it fetched.
 *
 * Data: 10,000 customers with one final invoice each dated 2026-11-02 and 1,000 more dated
 * 2026-10-01; every 20th customer has no e-mail address, every 25th wants post. Every round runs
 * on a fresh copy of that database, in a fresh browser context (cold cache).
 *
 * Run: npm run build && npx tsx bench/web.ts [--rounds=5] [--trace=DIR]
 *   --trace=DIR  writes a Chromium performance trace of round 1 (open it in DevTools → Performance)
 * Prints the median of the rounds per step; record the figures with `uptime` in bench/RESULTS.md.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execSync } from 'node:child_process';
import { sql } from 'kysely';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { openDatabase } from '../src/db/connection.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { seedInvoices } from '../test/dispatch-seed.ts';
import { Api } from '../test/browser/dispatch-support.ts';
import { launchBrowser, login, startApp, type RunningApp } from '../test/browser/harness.ts';
import { startSink } from './sink-client.ts';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const rounds = Number(arg('rounds') ?? 5);
const traceDir = arg('trace');
const BIG = 10_000;
const SMALL = 1_000;
const BIG_DATE = '2026-11-02';
const SMALL_DATE = '2026-10-01';
const VIEWPORT = { width: 1440, height: 900 };

if (!existsSync('web/dist/index.html')) throw new Error('no web build: run `npm run build` first');

/** Seeds the database once (then copied for every round), with the mail settings and two templates. */
async function prepare(sinkPort: number, browser: Browser): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'faktura-bench-web-'));
  const db = openDatabase({ kind: 'sqlite', file: join(dataDir, 'faktura.sqlite') });
  await migrateToLatest(db);
  await seedInvoices(db, BIG, 2048);
  const small = await seedInvoices(db, SMALL, 2048);
  await db.kysely.updateTable('documents').set({ issue_date: SMALL_DATE }).where('id', 'in', small).execute();
  await sql`UPDATE customers SET email = NULL WHERE id % 20 = 0`.execute(db.kysely);
  await sql`UPDATE customers SET invoice_by_post = 1 WHERE id % 25 = 0`.execute(db.kysely);
  await db.close();

  const app = await startApp({}, { dataDir, keepDataDir: true });
  const context = await browser.newContext({ baseURL: app.url, locale: 'de-DE', viewport: VIEWPORT, timezoneId: 'Europe/Berlin' });
  const page = await context.newPage();
  await page.goto('/login');
  await login(page);
  await page.waitForURL(/\/customers$/);
  const api = new Api(page);
  await api.mailSettings(sinkPort);
  await api.template('Rechnungsversand', 'Ihre Rechnung {{ documents[0].number }}', 'Guten Tag {{ customer.name }},\n\nanbei Ihre Rechnung.\n\nMit freundlichen Grüßen\nIhre Praxis');
  await api.template('Rechnungsversand (Sammel)', 'Ihre Rechnungen', 'Sammelversand-Text: Guten Tag {{ customer.name }},\n\nanbei Ihre Rechnungen.\n\nMit freundlichen Grüßen\nIhre Praxis');
  await context.close();
  await app.stop();
  return dataDir;
}

/** Marks `pointerdown`/`keydown` time stamps (page clock) for the step that is armed. */
const INPUT_PROBE = `(() => {
  for (const type of ['pointerdown', 'keydown']) {
    addEventListener(type, (e) => { if (window.__benchArmed) { window.__benchArmed = false; window.__benchInput = e.timeStamp; } }, { capture: true });
  }
})()`;

/** Resolves in the page once `done` holds after the input: { input, frame, painted } in page ms. */
const waitForResult = (done: string) => `new Promise((resolve, reject) => {
  const done = ${done};
  const started = performance.now();
  const check = () => {
    const input = window.__benchInput;
    if (input !== undefined && done()) {
      const frame = performance.now();
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve({ input, frame, painted: performance.now() });
      channel.port2.postMessage(null);
      return;
    }
    if (performance.now() - started > 30000) return reject(new Error('step timed out: ' + ${JSON.stringify(done)}));
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})`;

interface Sample {
  ms: number;
  scriptMs: number;
  layoutMs: number;
}
const samples = new Map<string, Sample[]>();
const record = (name: string, sample: Sample) => samples.set(name, [...(samples.get(name) ?? []), sample]);

async function metrics(cdp: CDPSession): Promise<{ script: number; layout: number }> {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  const get = (name: string) => (list.find((m) => m.name === name)?.value ?? 0) * 1000;
  return { script: get('ScriptDuration'), layout: get('LayoutDuration') + get('RecalcStyleDuration') };
}

/** One timed step: arm the probe, act (the input), wait for the result's painted frame. */
async function step(page: Page, cdp: CDPSession, name: string, act: () => Promise<void>, done: string): Promise<void> {
  await page.evaluate('window.__benchInput = undefined; window.__benchArmed = true');
  const before = await metrics(cdp);
  const result = page.evaluate<{ input: number; painted: number }>(waitForResult(done)).then((r) => r, (error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  const failed = async (error: unknown) => {
    const file = join(tmpdir(), `bench-web-failed-${name.replace(/[^\w]+/g, '-')}.png`);
    await page.screenshot({ path: file });
    return new Error(`step "${name}" failed (screenshot ${file})`, { cause: error });
  };
  await act().catch(async (error: unknown) => {
    throw await failed(error);
  });
  const outcome = await result;
  if (outcome instanceof Error) throw await failed(outcome);
  const { input, painted } = outcome;
  const after = await metrics(cdp);
  record(name, { ms: painted - input, scriptMs: after.script - before.script, layoutMs: after.layout - before.layout });
}

const rowsReady = (n: number) => `() => document.querySelectorAll('tbody tr[data-document]').length === ${n} && !document.querySelector('button[type=submit][data-loading]')`;
const allRowsSelected = `() => { const rows = [...document.querySelectorAll('tbody tr[data-document]')]; return rows.length > 0 && rows.every((r) => r.getAttribute('aria-selected') === 'true'); }`;
const recipientsReady = `() => /\\/dispatch\\/\\d+$/.test(location.pathname) && document.querySelector('tbody tr[data-customer]') !== null && document.querySelector('[data-testid=remove-ineligible-count]') !== null`;
const recipientSelected = (name: string) => `() => document.querySelector(${JSON.stringify(`tbody tr[data-customer="${name}"]`)})?.getAttribute('aria-selected') === 'true'`;
const recipientGone = (name: string) => `() => document.querySelector(${JSON.stringify(`tbody tr[data-customer="${name}"]`)}) === null`;
const noIneligible = `() => document.querySelector('[data-testid=remove-ineligible-count]') === null && document.querySelector('[data-testid=blocking-hint]') === null && document.querySelector('tbody tr[data-customer]') !== null`;

/** Auswertungen: filter for one issue date, Laden, header box, Strg-click, Mehr → Senden. Returns the draft's path. */
async function evaluationsToDispatch(page: Page, cdp: CDPSession, label: string, date: string, total: number): Promise<string> {
  await page.getByRole('navigation').getByRole('link', { name: 'Rechnungen, Angebote' }).click();
  await page.waitForURL(/\/evaluations\/documents/);
  for (const label of ['Datum von', 'Datum bis']) {
    const input = page.getByLabel(label, { exact: true });
    // A native date input takes ISO; a text date field the German form.
    await input.fill((await input.getAttribute('type')) === 'date' ? date : date.split('-').reverse().join('.'));
  }
  await step(page, cdp, `Laden (100 von ${label})`, () => page.getByRole('button', { name: 'Laden' }).click(), rowsReady(100));
  const formatted = total.toLocaleString('de-DE');
  await step(page, cdp, `Kopf-Checkbox (alle ${label})`, () => page.getByLabel(`Alle ${formatted} auswählen`).click(), allRowsSelected);
  const row = page.locator('tbody tr[data-document]').nth(2);
  const cell = row.locator('td').nth(3);
  await step(page, cdp, 'Strg-Klick', () => cell.click({ modifiers: ['Control'] }), `() => document.querySelectorAll('tbody tr[data-document]')[2]?.getAttribute('aria-selected') === 'false'`);
  await cell.click({ modifiers: ['Control'] });
  while (!(await page.evaluate(`document.querySelectorAll('tbody tr[data-document]')[2]?.getAttribute('aria-selected') === 'true'`))) await page.waitForTimeout(20);
  await step(page, cdp, 'Mehr öffnen', () => page.getByRole('button', { name: 'Mehr' }).click(), `() => document.querySelector('[role=menuitem]') !== null`);
  await step(page, cdp, `Senden → Versandauftrag (${label} Kunden)`, () => page.getByRole('menuitem', { name: 'Senden aller selektierten Rechnungen' }).click(), recipientsReady);
  return new URL(page.url()).pathname;
}

/** In the Versandauftrag: click a row, Entfernen, Alle nicht versandfähigen entfernen. */
async function cleanUp(page: Page, cdp: CDPSession, label: string): Promise<void> {
  const name = await page.locator('tbody tr[data-customer]').nth(1).getAttribute('data-customer');
  if (!name) throw new Error('no recipient row');
  const row = page.locator(`tbody tr[data-customer="${name}"]`);
  await step(page, cdp, `Zeile wählen (${label})`, () => row.locator('td').nth(5).click(), recipientSelected(name));
  await step(page, cdp, `Entfernen (${label})`, () => page.getByRole('button', { name: 'Entfernen', exact: true }).click(), recipientGone(name));
  await step(page, cdp, `Alle nicht versandfähigen entfernen (${label})`, () => page.getByRole('button', { name: /^Alle nicht versandfähigen entfernen/ }).click(), noIneligible);
}

async function round(browser: Browser, seeded: string, index: number): Promise<{ startMs: number; loginPageMs: number; jsKiB: number; cssKiB: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'faktura-bench-web-round-'));
  rmSync(dataDir, { recursive: true });
  cpSync(seeded, dataDir, { recursive: true });
  const spawned = performance.now();
  let app: RunningApp | undefined;
  try {
    app = await startApp({}, { dataDir });
    const startMs = performance.now() - spawned;
    const context = await browser.newContext({ baseURL: app.url, locale: 'de-DE', viewport: VIEWPORT, timezoneId: 'Europe/Berlin' });
    context.setDefaultTimeout(120_000);
    await context.addInitScript(INPUT_PROBE);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    if (traceDir && index === 0) {
      mkdirSync(traceDir, { recursive: true });
      await browser.startTracing(page, { path: join(traceDir, 'web-round1.json'), screenshots: false });
    }

    await page.goto('/login');
    // Usable: the login button painted (time since navigation start, the page's time origin).
    const loginPageMs = await page.evaluate<number>(`new Promise((resolve) => {
      const check = () => document.querySelector('button[type=submit]') ? requestAnimationFrame(() => resolve(performance.now())) : requestAnimationFrame(check);
      check();
    })`);
    const transferred = await page.evaluate<{ js: number; css: number }>(`(() => {
      const entries = performance.getEntriesByType('resource');
      const sum = (ext) => entries.filter((e) => new URL(e.name).pathname.endsWith(ext)).reduce((s, e) => s + e.transferSize, 0);
      return { js: sum('.js'), css: sum('.css') };
    })()`);

    await page.getByLabel(/^E-Mail/).fill('admin@praxis.test');
    await page.getByLabel(/^Passwort/).fill('admin-passwort-1');
    await step(page, cdp, 'Anmelden → Kunden', () => page.getByRole('button', { name: 'Anmelden' }).click(), `() => location.pathname === '/customers' && document.querySelectorAll('main table tbody tr').length >= 10`);

    // 10,000 customers: open, clean up.
    await evaluationsToDispatch(page, cdp, '10.000', BIG_DATE, BIG);
    await cleanUp(page, cdp, '10.000');

    // 1,000 customers: open, clean up, Lupe → Übernehmen, Senden.
    await evaluationsToDispatch(page, cdp, '1.000', SMALL_DATE, SMALL);
    await cleanUp(page, cdp, '1.000');
    await step(page, cdp, 'Lupe öffnen', () => page.getByRole('button', { name: 'Dokumentvorlage suchen' }).click(), `() => document.querySelectorAll('[role=dialog] [role=option]').length >= 2`);
    const option = page.getByRole('option', { name: /Sammel/ });
    await step(page, cdp, 'Vorlage anklicken', () => option.click(), `() => [...document.querySelectorAll('[role=option]')].some((o) => o.textContent.includes('Sammel') && o.getAttribute('aria-selected') === 'true') && (document.querySelector('[data-testid=template-picker-preview]')?.textContent ?? '').includes('Sammelversand-Text')`);
    await step(page, cdp, 'Übernehmen', () => page.getByRole('button', { name: 'Übernehmen' }).click(), `() => (document.querySelector('[data-testid=dispatch-message-text]')?.textContent ?? '').includes('Sammelversand-Text')`);
    await page.locator('[role=dialog]').waitFor({ state: 'detached' });
    await step(page, cdp, 'Senden → erster Fortschritt', () => page.getByRole('button', { name: 'Senden', exact: true }).click(), `() => document.querySelector('[data-testid=dispatch-progress]') !== null`);

    if (traceDir && index === 0) await browser.stopTracing();
    await context.close();
    return { startMs, loginPageMs, jsKiB: transferred.js / 1024, cssKiB: transferred.css / 1024 };
  } finally {
    await app?.stop();
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

const load = () => execSync('uptime').toString().trim().replace(/^.*load average:\s*/, '');
console.log(`bench/web.ts: ${rounds} rounds, commit ${execSync('git rev-parse --short HEAD').toString().trim()}, load before ${load()}`);
const sink = await startSink();
const browser = await launchBrowser();
const cold: { startMs: number; loginPageMs: number; jsKiB: number; cssKiB: number }[] = [];
let seeded: string | undefined;
try {
  const t = performance.now();
  seeded = await prepare(sink.port, browser);
  console.log(`seeded ${BIG + SMALL} customers and invoices in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  for (let i = 0; i < rounds; i++) {
    cold.push(await round(browser, seeded, i));
    process.stderr.write(`  round ${i + 1}/${rounds} done (load ${load()})\n`);
  }
} finally {
  await browser.close();
  sink.exit();
  if (seeded) rmSync(seeded, { recursive: true, force: true });
}

const fmt = (n: number) => n.toFixed(0).padStart(7);
console.log(`\n${'step'.padEnd(48)} ${'median'.padStart(7)} ${'min'.padStart(7)} ${'max'.padStart(7)} ${'script'.padStart(7)} ${'layout'.padStart(7)}   (ms, input → painted result; script/layout: renderer, median)`);
for (const [name, list] of samples) {
  const ms = list.map((s) => s.ms);
  console.log(`${name.padEnd(48)} ${fmt(median(ms))} ${fmt(Math.min(...ms))} ${fmt(Math.max(...ms))} ${fmt(median(list.map((s) => s.scriptMs)))} ${fmt(median(list.map((s) => s.layoutMs)))}`);
}
console.log(`\ncold start: server ${median(cold.map((c) => c.startMs)).toFixed(0)} ms + login page usable ${median(cold.map((c) => c.loginPageMs)).toFixed(0)} ms after navigation (median)`);
console.log(`login page transferred: JS ${median(cold.map((c) => c.jsKiB)).toFixed(1)} KiB, CSS ${median(cold.map((c) => c.cssKiB)).toFixed(1)} KiB`);
console.log(`load after: ${load()}`);
