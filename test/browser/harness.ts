import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const ADMIN = { email: 'admin@praxis.test', password: 'admin-passwort-1' };
export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'browser');

export interface RunningApp {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * A real `faktura serve` on a fresh SQLite database in a temporary directory, on a free port
 * (or on the data directory given, e.g. a copy of a seeded one; removed on stop unless kept).
 */
export async function startApp(extraEnv: Record<string, string> = {}, options: { dataDir?: string; keepDataDir?: boolean } = {}): Promise<RunningApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'faktura-browser-'));
  const child: ChildProcess = spawn(process.execPath, ['bin/faktura.js', 'serve'], {
    cwd: process.cwd(),
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? dataDir,
      FAKTURA_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      FAKTURA_ADMIN_EMAIL: ADMIN.email,
      FAKTURA_ADMIN_PASSWORD: ADMIN.password,
      FAKTURA_MAIL_CATCHER_PORT: '0',
      LOG_LEVEL: 'silent',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    // A stall, not a budget: creating the demo data prints its progress, and on a loaded machine
    // it takes longer than a minute; only a minute without any output means the start hangs.
    const stalled = () => reject(new Error(`server printed nothing for 60 s while starting:\n${output}`));
    let timer = setTimeout(stalled, 60_000);
    const onData = (chunk: Buffer) => {
      clearTimeout(timer);
      timer = setTimeout(stalled, 60_000);
      output += chunk.toString();
      const match = /running at (http:\/\/[^\s;]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  if (!extraEnv['DATABASE_URL']) giveCompanyTaxNumber(join(dataDir, 'faktura.sqlite'));
  return {
    url,
    dataDir,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      if (!options.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The placeholder company as an admin leaves it after the first set-up, plus a tax number: §14 UStG
 * (EN 16931 BR-CO-26) finalises nothing for a seller without tax number or VAT id. A seeded
 * database keeps its own.
 */
function giveCompanyTaxNumber(file: string): void {
  const Database: typeof import('better-sqlite3') = createRequire(import.meta.url)('better-sqlite3');
  const db = new Database(file);
  try {
    db.prepare(
      `insert into company (id, name, street, postcode, city, country, tax_number, payment_terms_days, invoice_number_pattern, quote_number_pattern, credit_note_number_pattern, embed_einvoice, updated_at)
       values (1, 'Meine Firma', 'Musterstraße 1', '12345', 'Musterstadt', 'DE', '214/5723/0815', 14, 'RE-{YYYY}-{NNNNN}', 'AN-{YYYY}-{NNNNN}', 'GS-{YYYY}-{NNNNN}', 1, ?)
       on conflict (id) do update set tax_number = coalesce(company.tax_number, excluded.tax_number)`,
    ).run(new Date().toISOString());
  } finally {
    db.close();
  }
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function newPage(browser: Browser, baseURL: string, locale = 'de-DE'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, locale, viewport: { width: 1440, height: 900 }, timezoneId: 'Europe/Berlin' });
  // Generous: five test files share two cores in CI, each with its own server and Chromium.
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  return { context, page };
}

/** Saves a full-page screenshot to test-artifacts/browser/NAME.png and fails on a critical or serious axe finding. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Fixed header and menu would otherwise be drawn where the page happens to be scrolled.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  // Every page and dialog a test looks at is also checked for accessibility (issue 16: WCAG 2.1 AA,
  // no critical or serious finding).
  const serious = await seriousAxeFindings(page, name);
  if (serious.length > 0) throw new Error(`axe: ${serious.length} critical/serious accessibility finding(s) on "${name}":\n${JSON.stringify(serious, null, 2)}`);
}

export async function login(page: Page, email = ADMIN.email, password = ADMIN.password): Promise<void> {
  await page.getByLabel(/^(E-Mail|E-mail)/).fill(email);
  await page.getByLabel(/^(Passwort|Password)/).fill(password);
  await page.getByRole('button', { name: /^(Anmelden|Log in)$/ }).click();
}

/** Does the server have this route yet? (Screens for routes other engineers are still writing.) */
export async function hasRoute(page: Page, path: string): Promise<boolean> {
  const response = await page.request.get(path);
  if (response.status() !== 404) return true;
  const body: unknown = await response.json().catch(() => null);
  return !(typeof body === 'object' && body !== null && 'code' in body && body.code === 'route.notFound');
}

/** axe-core's browser bundle, evaluated into the page under test (CDP evaluation is not subject to the page's CSP). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is now (after its transitions have
 * ended, so a fading dialog is not judged half-transparent) and returns every violation; the
 * findings are also written to test-artifacts/browser/axe-NAME.json.
 */
export async function axeFindings(page: Page, name: string): Promise<AxeFinding[]> {
  // Polled through CDP evaluation: waitForFunction with a string would need the page's CSP to allow eval.
  while (!(await page.evaluate(`document.getAnimations().every((a) => a.playState !== 'running')`))) await page.waitForTimeout(50);
  if (!(await page.evaluate(`'axe' in window`))) await page.evaluate(AXE_SOURCE);
  const raw: unknown = await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact ?? 'unknown', help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ': ' + (n.failureSummary ?? '')) })))`);
  const findings = Array.isArray(raw) ? raw.filter(isFinding) : [];
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, `axe-${name}.json`), JSON.stringify(findings, null, 2));
  return findings;
}

function isFinding(value: unknown): value is AxeFinding {
  return typeof value === 'object' && value !== null && 'id' in value && 'impact' in value && 'nodes' in value;
}

/** The critical and serious axe findings (issue 16: there must be none on any page or dialog of the workflow). */
export async function seriousAxeFindings(page: Page, name: string): Promise<AxeFinding[]> {
  return (await axeFindings(page, name)).filter((f) => f.impact === 'critical' || f.impact === 'serious');
}
