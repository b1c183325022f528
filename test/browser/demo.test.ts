import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, login, newPage, screenshot, startApp, type RunningApp } from './harness.ts';

/**
 * Demo mode (`npm start`): ~600 documents, the built-in mail catcher as SMTP server and its
 * Posteingang. Covers selecting everything matching a filter across pages, a Shift-click range,
 * and a real dispatch whose mails arrive in the Posteingang.
 */
describe('demo mode: select across pages, send, read the Posteingang', () => {
  let app: RunningApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp({ FAKTURA_DEMO: '1' }), launchBrowser()]);
    ({ page } = await newPage(browser, app.url));
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('sends every unsent invoice of a period, selected across pages, and shows the mails in the Posteingang', async () => {
    await page.goto('/');
    await login(page, 'demo@faktura.test', 'demo-passwort');
    await page.waitForURL(/\/customers$/);
    await page.getByRole('link', { name: 'Posteingang (Demo)' }).waitFor();

    const me: unknown = await (await page.request.get('/api/auth/me')).json();
    const csrf = typeof me === 'object' && me !== null && 'csrfToken' in me && typeof me.csrfToken === 'string' ? me.csrfToken : '';
    const created = await page.request.post('/api/templates', {
      headers: { 'x-csrf-token': csrf },
      data: { name: 'Rechnung per E-Mail', kind: 'customerNotification', language: 'de', subject: 'Ihre Rechnung', body: '{{ customer.greeting }},\nanbei Ihre Rechnung über {{ total | money }}.' },
    });
    expect(created.status()).toBe(201);

    // A period with more than one page (50 rows) of unsent final invoices.
    let dateFrom = '';
    let total = 0;
    for (const days of [14, 21, 30, 45, 60, 90, 120, 180, 365]) {
      const from = new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
      const result: unknown = await (await page.request.get(`/api/documents?type=invoice&status=final&sent=false&dateFrom=${from}&pageSize=1`)).json();
      total = typeof result === 'object' && result !== null && 'total' in result && typeof result.total === 'number' ? result.total : 0;
      dateFrom = from;
      if (total > 50) break;
    }
    expect(total).toBeGreaterThan(50);

    await page.goto(`/evaluations/documents?loaded=1&type=invoice&status=final&sent=false&dateFrom=${dateFrom}&pageSize=50`);
    await page.getByTestId('evaluation-total').getByText(`${total} Dokumente gefunden`).waitFor();
    const rows = page.locator('tbody tr[data-document]');
    await expect.poll(() => rows.count()).toBe(50);
    const badge = page.getByTestId('evaluation-selection');

    // Ctrl-click one row, Shift-click another: a range as in a desktop app.
    await rows.nth(1).locator('td').nth(4).click({ modifiers: ['Control'] });
    await rows.nth(4).locator('td').nth(4).click({ modifiers: ['Shift'] });
    await expect.poll(() => badge.textContent()).toBe('4 ausgewählt');
    await page.getByRole('button', { name: 'Auswahl aufheben' }).click();
    await expect.poll(() => badge.textContent()).toBe('0 ausgewählt');

    // The header box selects everything matching the filter, on every page.
    await page.getByLabel(`Alle ${total} auswählen`).click();
    await expect.poll(() => badge.textContent()).toBe(`${total} ausgewählt`);
    await page.getByTestId('all-matching').waitFor();
    await page.getByRole('button', { name: '2', exact: true }).click();
    await page.waitForURL(/page=2/);
    expect(new Set(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('aria-selected'))))).toEqual(new Set(['true']));
    await screenshot(page, '50-demo-alle-ausgewaehlt');
    await page.getByRole('button', { name: 'Mehr' }).click();
    await page.getByRole('menuitem', { name: 'Senden aller selektierten Rechnungen' }).click();
    await page.waitForURL(/\/dispatch\/\d+$/);
    await page.getByRole('button', { name: 'Alle nicht versandfähigen entfernen' }).click();
    await page.getByTestId('blocking-hint').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Dokumentvorlage suchen' }).click();
    const picker = page.getByRole('dialog', { name: 'Dokumentvorlage suchen' });
    await picker.getByRole('option', { name: /Rechnung per E-Mail/ }).click();
    await picker.getByRole('button', { name: 'Übernehmen' }).click();
    await expect.poll(() => page.getByTestId('dispatch-message-text').textContent()).toContain('anbei Ihre Rechnung über');
    await screenshot(page, '51-demo-versandauftrag');
    await page.getByRole('button', { name: 'Senden', exact: true }).click();
    await expect.poll(() => page.getByTestId('dispatch-status').textContent(), { timeout: 60_000 }).toBe('Abgeschlossen');
    await screenshot(page, '52-demo-ergebnis');
    const sent = Number(await page.getByTestId('dispatch-counts').locator('[data-state="sent"]').getAttribute('data-count'));
    expect(sent).toBeGreaterThan(0);

    await page.getByRole('link', { name: 'Posteingang (Demo)' }).click();
    await expect.poll(() => page.getByRole('navigation', { name: 'Posteingang (Demo)' }).getByRole('button').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(sent);
    await page.getByText('anbei Ihre Rechnung über').waitFor();
    await page.getByRole('link', { name: /\.pdf$/ }).first().waitFor();
    await screenshot(page, '53-demo-posteingang');
  });
});
