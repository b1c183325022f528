import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, login, screenshot, startApp, type RunningApp } from './harness.ts';
import { Api, startSmtp, type TestSmtp } from './dispatch-support.ts';

/** The laptop and desktop sizes of issue 16. */
const SIZES = [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
  { width: 1920, height: 1080 },
] as const;

const LONG_NAME = 'Gemeinschaftspraxis für Hörakustik, Audiologie und Pädakustik Dr. med. Maximiliane Schönberg-Kleinschmidt und Partner – Zweigstelle Nordrhein-Westfalen, Fachbereich Kinder und Jugend – Verwaltung, Süd';
if (LONG_NAME.length !== 200) throw new Error(`the long name has ${LONG_NAME.length} characters`);
const LONG_EMAIL = 'buchhaltung.rechnungseingang.zweigstelle-nord@gemeinschaftspraxis-hoerakustik-schoenberg.example';

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Geometry of a table: the headers' boxes, the rows' heights and the viewport width. */
async function tableGeometry(page: Page, rowSelector: string): Promise<{ headers: { text: string; box: Box }[]; rowHeights: number[]; viewport: number }> {
  return page.evaluate(`(() => {
    const box = (el) => { const r = el.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom }; };
    const table = document.querySelector(${JSON.stringify(rowSelector)}).closest('table');
    return {
      headers: [...table.querySelectorAll('thead th')].map((th) => ({ text: th.textContent.trim(), box: box(th) })),
      rowHeights: [...table.querySelectorAll(${JSON.stringify(rowSelector)})].map((tr) => tr.getBoundingClientRect().height),
      viewport: document.documentElement.clientWidth,
    };
  })()`);
}

/** Is the element's text cut with "…" (wider than its box) and is the full text its title? */
async function truncatedWithTitle(page: Page, selector: string, full: string): Promise<{ cut: boolean; title: string | null }> {
  return page.evaluate(`(() => {
    const el = document.querySelector(${JSON.stringify(selector)});
    return { cut: el.scrollWidth > el.clientWidth, title: el.getAttribute('title') };
  })()`).then((r) => {
    const v = r as { cut: boolean; title: string | null };
    return { cut: v.cut, title: v.title === full ? full : v.title };
  });
}

/**
 * Issue 16, "fits the screen": Auswertungen, the Versandauftrag and its result at 1280×720,
 * 1440×900 and 1920×1080 — every column on screen, rows one line high (≤ 40 px), a 200-character
 * company name and a long e-mail address cut with the full text on hover. Screenshots in
 * test-artifacts/browser/screen-*.png.
 */
describe('the lists fit laptop and desktop screens', () => {
  let app: RunningApp;
  let browser: Browser;
  let smtp: TestSmtp;
  let context: BrowserContext;
  let page: Page;
  let longNumber = '';

  beforeAll(async () => {
    [app, browser, smtp] = await Promise.all([startApp(), launchBrowser(), startSmtp()]);
    context = await browser.newContext({ baseURL: app.url, locale: 'de-DE', viewport: SIZES[0], timezoneId: 'Europe/Berlin' });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    await page.goto('/');
    await login(page);
    await page.waitForURL(/\/customers$/);
    const api = new Api(page);
    // What the e-invoice check at finalisation needs: the company's tax number, the customers' addresses.
    await api.send('PUT', '/api/company', { name: 'Hörakustik Sonnenschein GmbH', street: 'Lindenallee 5', postcode: '50667', city: 'Köln', taxNumber: '214/5678/9012', iban: 'DE89 3704 0044 0532 0130 00', paymentTermsDays: 14 });
    await api.mailSettings(smtp.port);
    await api.template('Rechnungsversand', 'Ihre Rechnung', 'Guten Tag {{ customer.name }},\n\nanbei Ihre Rechnung.');
    const address = { street: 'Hauptstraße 1', postcode: '50667', city: 'Köln' };
    const long = await api.customer({ companyName: LONG_NAME, email: LONG_EMAIL, ...address });
    longNumber = (await api.invoice(long, 'Hörgerät rechts', 148_000)).number;
    for (const [first, last] of [['Anna', 'Schäfer'], ['Tom', 'Fischer'], ['Lea', 'Wagner'], ['Jonas', 'Becker']] as const) {
      const id = await api.customer({ firstName: first, lastName: last, email: `${first.toLowerCase()}.${last.toLowerCase()}@example.de`, ...address });
      await api.invoice(id, 'Hörgerätebatterien', 2_490);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await smtp?.close();
  });

  it('Auswertungen shows every column, one line per row, long texts cut with a title', async () => {
    await page.goto('/evaluations/documents?loaded=1&type=invoice&status=final');
    await page.getByTestId('evaluation-total').getByText('5 Dokumente gefunden').waitFor();
    for (const size of SIZES) {
      await page.setViewportSize(size);
      const geometry = await tableGeometry(page, 'tbody tr[data-document]');
      expect(geometry.headers.map((h) => h.text)).toEqual(['', 'Nummer', 'Typ', 'Datum', 'Kunde', 'E-Mail', 'Post', 'Betrag', 'Status', 'Zuletzt versendet']);
      for (const h of geometry.headers) expect(h.box.right, `column "${h.text}" at ${size.width}×${size.height}`).toBeLessThanOrEqual(geometry.viewport);
      for (const height of geometry.rowHeights) expect(height).toBeLessThanOrEqual(40);
      const row = `tbody tr[data-document="${longNumber}"]`;
      expect(await truncatedWithTitle(page, `${row} td:nth-child(5)`, LONG_NAME)).toEqual({ cut: true, title: LONG_NAME });
      expect(await truncatedWithTitle(page, `${row} td:nth-child(6)`, LONG_EMAIL)).toEqual({ cut: true, title: LONG_EMAIL });
      // The invoice number is whole, on one line.
      expect(await page.locator(`${row} td:nth-child(2) a`).evaluate((a) => a.scrollWidth <= (a.parentElement?.clientWidth ?? 0))).toBe(true);
      await screenshot(page, `screen-auswertungen-${size.width}`);
    }
  });

  it('Mehr → CSV export saves the German CSV the server writes for the selection', async () => {
    await page.getByLabel('Alle 5 auswählen').click();
    await page.getByRole('button', { name: 'Mehr' }).click();
    const download = page.waitForEvent('download');
    await page.getByRole('menuitem', { name: 'Ausgewählte als CSV exportieren' }).click();
    const file = await (await download).path();
    const csv = readFileSync(file, 'utf8');
    expect(csv.startsWith('\uFEFFNummer;Typ;Datum;')).toBe(true);
    expect(csv.trim().split('\r\n')).toHaveLength(6);
    expect(csv).toContain(`${longNumber};Rechnung;`);
    expect(csv).toContain(';1761,20;Festgeschrieben;');
    await page.getByRole('button', { name: 'Auswahl aufheben' }).first().click();
  });

  it('the Versandauftrag and its result show every column and cut the long name', async () => {
    await page.setViewportSize(SIZES[1]);
    await page.getByLabel('Alle 5 auswählen').click();
    await page.getByRole('button', { name: 'Mehr' }).click();
    await page.getByRole('menuitem', { name: 'Senden aller selektierten Rechnungen' }).click();
    await page.waitForURL(/\/dispatch\/\d+$/);
    const row = `tbody tr[data-customer="${LONG_NAME}"]`;
    await page.locator(row).waitFor();
    for (const size of SIZES) {
      await page.setViewportSize(size);
      const geometry = await tableGeometry(page, 'tbody tr[data-customer]');
      expect(geometry.headers.map((h) => h.text)).toContain('Hinweise');
      for (const h of geometry.headers) expect(h.box.right, `column "${h.text}" at ${size.width}×${size.height}`).toBeLessThanOrEqual(geometry.viewport);
      expect(await truncatedWithTitle(page, `${row} td:nth-child(2)`, LONG_NAME)).toEqual({ cut: true, title: LONG_NAME });
      await screenshot(page, `screen-versandauftrag-${size.width}`);
    }

    await page.getByRole('button', { name: 'Dokumentvorlage suchen' }).click();
    await page.getByRole('option', { name: /Rechnungsversand/ }).click();
    await page.getByRole('button', { name: 'Übernehmen' }).click();
    await page.locator('[role=dialog]').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Senden', exact: true }).click();
    await page.getByTestId('dispatch-progress-text').getByText('5 von 5 E-Mails erledigt (100 %)').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.locator('[data-delivery-state=sent]').count(), { timeout: 60_000 }).toBe(5);
    for (const size of SIZES) {
      await page.setViewportSize(size);
      const geometry = await tableGeometry(page, 'tbody tr[data-customer]');
      for (const h of geometry.headers) expect(h.box.right, `column "${h.text}" at ${size.width}×${size.height}`).toBeLessThanOrEqual(geometry.viewport);
      expect(await truncatedWithTitle(page, `tbody tr[data-customer="${LONG_NAME}"] td:first-child p`, LONG_NAME)).toEqual({ cut: true, title: LONG_NAME });
      await screenshot(page, `screen-ergebnis-${size.width}`);
    }
  });
});
