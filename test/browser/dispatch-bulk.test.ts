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
    // All 500 are counted on "Alle nicht versandfähigen entfernen", not just the first page of 100.
    await expect.poll(() => page.getByTestId('remove-ineligible-count').textContent()).toBe('500');
    await page.getByTestId('blocking-hint').getByText('500 Kunden können so nicht per E-Mail versendet werden').waitFor();
    await screenshot(page, 'dispatch-21-5000-versandauftrag');

    // This draft holds the 5.000 invoices; the next test starts its own (one open draft per document).
    const draftId = /\/dispatch\/(\d+)$/.exec(page.url())?.[1];
    await new Api(page).delete(`/api/dispatches/${draftId ?? 0}`);

    // Back in the list, the applied filter is still there (it lives in the address).
    await page.goBack();
    await page.getByTestId('evaluation-total').getByText('5.000 Dokumente gefunden').waitFor();
  });

  it('unticking one row keeps the other 4.999 selected (Gmail-style) and sends the filter without it', async () => {
    await page.goto('/evaluations/documents?loaded=1&type=invoice&pageSize=250');
    await page.getByTestId('evaluation-total').getByText('5.000 Dokumente gefunden').waitFor();
    await page.getByLabel('Alle 5.000 auswählen').click();
    await expect.poll(() => page.getByTestId('evaluation-selection').textContent()).toBe('5.000 ausgewählt');
    await page.getByRole('button', { name: '2', exact: true }).click();
    await page.waitForURL(/page=2/);
    const rows = page.locator('tbody tr[data-document]');
    // Page 1's rows stay shown until page 2 has arrived (the table is busy meanwhile).
    await page.locator('table[aria-busy="true"]').waitFor({ state: 'detached' });
    await expect.poll(() => rows.count()).toBe(250);
    const unticked = rows.nth(3);
    await unticked.getByRole('checkbox').click();
    await expect.poll(() => page.getByTestId('evaluation-selection').textContent()).toBe('4.999 ausgewählt');
    await page.getByText('Alle 5.000 Dokumente, die zum Filter passen, sind ausgewählt, bis auf eines, das Sie abgewählt haben.').waitFor();
    expect(await unticked.getAttribute('aria-selected')).toBe('false');
    const states = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('aria-selected')));
    expect(states.filter((v) => v === 'true')).toHaveLength(249);
    // The header box is half-ticked now; the other page stays fully selected.
    expect(await page.getByLabel('Alle 5.000 auswählen').evaluate((el) => 'indeterminate' in el && el.indeterminate)).toBe(true);
    await page.getByRole('button', { name: '1', exact: true }).click();
    await page.waitForURL(/page=1/);
    await expect.poll(async () => new Set(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('aria-selected'))))).toEqual(new Set(['true']));
    await screenshot(page, 'dispatch-22-alle-ausser-einer');

    let createBody = '';
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/dispatches')) createBody = r.postData() ?? '';
    });
    const created = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/dispatches'));
    await page.getByRole('button', { name: 'Mehr' }).click();
    await page.getByRole('menuitem', { name: 'Senden aller selektierten Rechnungen' }).click();
    const dispatch = (await (await created).json()) as { id: number };
    await page.waitForURL(/\/dispatch\/\d+$/);
    const body = JSON.parse(createBody) as { filter: unknown; excludeDocumentIds: number[] };
    expect(body.filter).toEqual({ type: ['invoice'] });
    expect(body.excludeDocumentIds).toHaveLength(1);
    const excludedId = body.excludeDocumentIds[0];
    // Every recipient's documents, through the API: 4.999, and the unticked one is not among them.
    const api = new Api(page);
    const documentIds: number[] = [];
    for (let p = 1; ; p++) {
      const part = (await api.get(`/api/dispatches/${dispatch.id}/recipients?pageSize=500&page=${p}`)) as { items: { documents: { id: number }[] }[] };
      for (const r of part.items) documentIds.push(...r.documents.map((d) => d.id));
      if (part.items.length < 500) break;
    }
    expect(documentIds).toHaveLength(DOCUMENTS - 1);
    expect(documentIds).not.toContain(excludedId);
  });
});
