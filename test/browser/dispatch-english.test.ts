import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, login, newPage, screenshot, startApp, type RunningApp } from './harness.ts';
import { Api, startSmtp, until, type TestSmtp } from './dispatch-support.ts';

/** The same workflow in the English UI: words, money and dates in en-GB. */
describe('Send all selected invoices (English)', () => {
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  let smtp: TestSmtp;
  let invoice: { id: number; number: string };
  let api: Api;

  beforeAll(async () => {
    [app, browser, smtp] = await Promise.all([startApp(), launchBrowser(), startSmtp()]);
    ({ page } = await newPage(browser, app.url, 'en-GB'));
    await page.goto('/');
    await login(page);
    await page.waitForURL(/\/customers$/);
    await page.getByTestId('user-menu').click();
    await page.getByRole('menuitem', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Customers' }).waitFor();
    api = new Api(page);
    await api.mailSettings(smtp.port);
    await api.template('Invoice mail', 'Your invoice {{ documents | map: "number" | join: ", " }}', 'Dear {{ customer.name }},\n\nplease find your invoice for {{ total | money }} attached.', 'en');
    const ok = await api.customer({ companyName: 'Seniorenresidenz Am Park gGmbH', email: 'verwaltung@residenz.example' });
    invoice = await api.invoice(ok, 'Hearing test', 123_450);
    const post = await api.customer({ firstName: 'Paul', lastName: 'Post', email: 'paul@example.de', invoiceByPost: true });
    await api.invoice(post, 'Batteries', 2_495);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await smtp?.close();
  });

  it('filters, selects all, sends after the incompleteness notice and the one-click clean-up', async () => {
    await page.getByRole('link', { name: 'Invoices, quotes' }).click();
    await page.getByRole('button', { name: 'Load' }).click();
    await page.getByTestId('evaluation-total').getByText('2 documents found').waitFor();
    await page.getByRole('cell', { name: '€1,469.06' }).waitFor();
    await page.getByLabel('Select all 2').click();
    await expect.poll(() => page.getByTestId('evaluation-selection').textContent()).toBe('2 selected');
    await page.getByRole('button', { name: 'More' }).click();
    await page.getByRole('menuitem', { name: 'Send all selected invoices' }).click();
    await page.waitForURL(/\/dispatch\/\d+$/);
    await page.locator('tr[data-customer="Paul Post"]').getByText('wants invoices by post').waitFor();
    await screenshot(page, 'dispatch-30-english-dialog');

    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const notice = page.getByRole('dialog', { name: 'Incomplete' });
    await notice.getByText('No template has been chosen.').waitFor();
    await notice.getByText('1 customer wants invoices by post').waitFor();
    await page.waitForTimeout(300); // the modal's fade-in, for the screenshot only
    await screenshot(page, 'dispatch-31-english-incomplete');
    await notice.getByRole('button', { name: 'Remove all that cannot be sent' }).click();
    await page.getByText('Removed (1)').waitFor();
    // The notice closes with a fade; until it is gone its own "Search template" button is on the page too.
    await notice.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Search template' }).click();
    const picker = page.getByRole('dialog', { name: 'Search template' });
    // Its customers read German (their language): the English template is flagged before it is chosen.
    await picker.getByTestId('template-language-warning').getByText(/would otherwise get an e-mail in another language/).waitFor();
    await picker.getByRole('option', { name: /Invoice mail/ }).dblclick();
    await expect.poll(() => page.getByTestId('dispatch-message-text').textContent()).toContain('please find your invoice');

    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await expect.poll(() => page.getByTestId('dispatch-status').textContent(), { timeout: 20_000 }).toBe('Completed');
    await page.getByTestId('dispatch-progress-text').getByText('1 of 1 e-mails done (100 %)').waitFor();
    await screenshot(page, 'dispatch-32-english-result');
    await until(() => smtp.received.length >= 1);
    expect(smtp.received.map((m) => m.to)).toEqual([['verwaltung@residenz.example']]);
    expect(smtp.received[0]?.subject).toBe(`Your invoice ${invoice.number}`);
    expect(smtp.received[0]?.attachments.map((a) => a.sha256)).toEqual([await api.pdfHash(invoice.id)]);

    await page.getByRole('navigation').getByRole('link', { name: 'Dispatches' }).click();
    await page.locator('tr[data-dispatch]').first().getByText(/1 sent · 0 failed/).waitFor();
  });
});
