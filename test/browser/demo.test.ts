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

    // A period with more than one page of unsent final invoices.
    let dateFrom = '';
    let total = 0;
    for (const days of [10, 14, 21, 30, 45, 60]) {
      const from = new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
      const result: unknown = await (await page.request.get(`/api/documents?type=invoice&status=final&sent=false&dateFrom=${from}&pageSize=1`)).json();
      total = typeof result === 'object' && result !== null && 'total' in result && typeof result.total === 'number' ? result.total : 0;
      dateFrom = from;
      if (total > 25) break;
    }
    expect(total).toBeGreaterThan(25);

    await page.goto(`/documents?type=invoice&status=final&sent=false&dateFrom=${dateFrom}&pageSize=25`);
    const rows = page.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(25);

    // Ctrl-click one row, Shift-click another: a range as in a desktop app.
    await rows.nth(1).locator('td').nth(3).click({ modifiers: ['Control'] });
    await rows.nth(4).locator('td').nth(3).click({ modifiers: ['Shift'] });
    await expect.poll(() => page.getByTestId('selection-count').textContent()).toBe('4 ausgewählt');
    await page.getByRole('button', { name: 'Auswahl aufheben' }).click();

    await page.getByLabel('Alle Dokumente dieser Seite auswählen').check();
    await page.getByRole('button', { name: `Alle ${total} auswählen` }).click();
    await expect.poll(() => page.getByTestId('selection-count').textContent()).toBe(`${total} ausgewählt`);
    await screenshot(page, '50-demo-alle-ausgewaehlt');
    await page.getByRole('button', { name: 'Mehr' }).click();
    await page.getByRole('menuitem', { name: 'Senden aller selektierten Rechnungen' }).click();
    await page.waitForURL(/\/dispatches\/\d+$/);
    await page.getByRole('button', { name: 'Alle nicht versandfähigen entfernen' }).click();
    await page.getByRole('button', { name: 'Dokumentvorlage suchen' }).click();
    await page.getByRole('dialog').getByRole('option', { name: /Rechnung per E-Mail/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Übernehmen' }).click();
    await expect.poll(() => page.getByTestId('dispatch-template-text').textContent()).toContain('anbei Ihre Rechnung über');
    await screenshot(page, '51-demo-versandauftrag');
    await page.getByRole('button', { name: 'Senden', exact: true }).click();
    await page.getByText('Abgeschlossen').waitFor({ timeout: 60_000 });
    await screenshot(page, '52-demo-ergebnis');
    const sentBadge = await page.locator('[data-state="sent"]').textContent();
    const sent = Number(/(\d+)/.exec(sentBadge ?? '')?.[1] ?? 0);
    expect(sent).toBeGreaterThan(0);

    await page.getByRole('link', { name: 'Posteingang (Demo)' }).click();
    await expect.poll(() => page.getByRole('navigation', { name: 'Posteingang (Demo)' }).getByRole('button').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(sent);
    await page.getByText('anbei Ihre Rechnung über').waitFor();
    await page.getByRole('link', { name: /\.pdf$/ }).first().waitFor();
    await screenshot(page, '53-demo-posteingang');
  });
});
