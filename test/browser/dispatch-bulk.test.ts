import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, login, newPage, screenshot, startApp, type RunningApp } from './harness.ts';
import { Api } from './dispatch-support.ts';

const CUSTOMERS = 500;
const DOCUMENTS = 5_000;

/** "Alle 5.000 auswählen": the header box selects every matching document on every page, and the dispatch gets the filter. */
describe('select all across pages with 5,000 documents', () => {
  let app: RunningApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    ({ page } = await newPage(browser, app.url));
    await page.goto('/');
    await login(page);
    await page.waitForURL(/\/customers$/);
    // Seeded through the import API (one request each), not through the UI.
    const api = new Api(page);
    const customers = ['Kundennummer;Vorname;Nachname;E-Mail'];
    for (let i = 1; i <= CUSTOMERS; i++) customers.push(`M-${String(i).padStart(4, '0')};Kunde;Nummer ${i};kunde${i}@example.de`);
    await api.send('POST', '/api/import/customers', customers.join('\n'), 'text/csv');
    const documents = ['Beleg;Kundennummer;Beschreibung;Menge;Einzelpreis;USt'];
    for (let i = 1; i <= DOCUMENTS; i++) documents.push(`B${i};M-${String((i % CUSTOMERS) + 1).padStart(4, '0')};Hörgerätebatterien;1;${(10 + (i % 90)).toFixed(2)};19`);
    await api.send('POST', '/api/import/documents', documents.join('\n'), 'text/csv');
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('selects all 5.000, keeps them selected on the next page, and sends the filter, not 5.000 ids', async () => {
    await page.goto('/evaluations/documents?loaded=1&type=invoice&pageSize=250');
    await page.getByTestId('evaluation-total').getByText('5.000 Dokumente gefunden').waitFor();
    await page.getByLabel('Alle 5.000 auswählen').click();
    await expect.poll(() => page.getByTestId('evaluation-selection').textContent()).toBe('5.000 ausgewählt');
    await page.getByText('Alle 5.000 Dokumente, die zum Filter passen, sind ausgewählt').waitFor();
    await screenshot(page, 'dispatch-20-alle-5000');
    await page.getByRole('button', { name: '2', exact: true }).click();
    await page.waitForURL(/page=2/);
    const rows = page.locator('tbody tr[data-document]');
    await expect.poll(() => rows.count()).toBe(250);
    expect(new Set(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('aria-selected'))))).toEqual(new Set(['true']));

    let createBody = '';
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/dispatches')) createBody = r.postData() ?? '';
    });
    await page.getByRole('button', { name: 'Mehr' }).click();
    await page.getByRole('menuitem', { name: 'Senden aller selektierten Rechnungen' }).click();
    await page.waitForURL(/\/dispatch\/\d+$/);
    expect(JSON.parse(createBody)).toEqual({ filter: { type: ['invoice'] } });
    await page.getByText(`Senden aller selektierten Rechnungen – ${CUSTOMERS} Kunden in der Liste`).waitFor();
    // Imported as drafts: every customer is marked, in words, and nothing could be sent.
    await page.locator('tbody tr[data-customer]').first().getByText(/nicht festgeschrieben/).waitFor();
    await screenshot(page, 'dispatch-21-5000-versandauftrag');

    // Back in the list, the applied filter is still there (it lives in the address).
    await page.goBack();
    await page.getByTestId('evaluation-total').getByText('5.000 Dokumente gefunden').waitFor();
  });
});
