import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, login, newPage, screenshot, startApp, type RunningApp } from './harness.ts';

describe('the same work in English', () => {
  let app: RunningApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    ({ page } = await newPage(browser, app.url, 'en-GB'));
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('switches to English in the user menu and remembers it for the user', async () => {
    await page.goto('/');
    // Before login only the browser's language is known.
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await login(page);
    await page.waitForURL(/\/customers$/);
    // The admin's stored language is German until they change it.
    await page.getByRole('heading', { name: 'Kunden' }).waitFor();
    await page.getByTestId('user-menu').click();
    await page.getByRole('menuitem', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Customers' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Customers' }).waitFor();
    await page.getByRole('link', { name: 'Invoices, quotes' }).waitFor();
    await page.getByText('SMTP outgoing server').waitFor();
    const me: unknown = await (await page.request.get('/api/auth/me')).json();
    expect(me).toMatchObject({ user: { locale: 'en' } });
  });

  it('creates a customer and an invoice with English money and dates, and finalises it', async () => {
    await page.getByRole('link', { name: 'New customer' }).first().click();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Please enter a last name or a company.').waitFor();
    await page.getByLabel('Company', { exact: true }).fill('Seniorenresidenz Am Park gGmbH');
    await page.getByLabel('E-mail', { exact: true }).fill('verwaltung@residenz.example');
    // an invoice over 250 € names the recipient's address (§14 Abs. 4 Nr. 1 UStG), or it cannot be finalised
    await page.getByLabel('Street and number', { exact: true }).fill('Parkallee 3');
    await page.getByLabel('Postcode', { exact: true }).fill('50667');
    await page.getByLabel('City', { exact: true }).fill('Köln');
    await page.getByRole('tab', { name: 'Administration' }).click();
    await page.getByLabel('Invoice by post', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/customers\/\d+/);
    await page.getByText('Customer “Seniorenresidenz Am Park gGmbH” saved.').waitFor();

    await page.getByRole('link', { name: 'New invoice' }).first().click();
    await page.getByLabel('Description of line 1', { exact: true }).fill('Hearing test');
    await page.getByLabel('Quantity of line 1', { exact: true }).fill('1.5');
    await page.getByLabel('Unit price of line 1', { exact: true }).fill('1,234.50');
    await expect.poll(() => page.getByTestId('total-gross').textContent()).toBe('€2,203.58');
    await page.getByRole('button', { name: 'Finalise …' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('can no longer be changed or deleted').waitFor();
    await dialog.getByRole('button', { name: 'Yes, finalise' }).click();
    const year = new Date().getFullYear();
    await page.getByRole('heading', { name: new RegExp(`^Invoice RE-${year}-\\d+$`) }).waitFor();
    const today = new Intl.DateTimeFormat('en-GB', { day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date());
    await page.getByText(today, { exact: true }).first().waitFor();
    await page.getByText('Open PDF').waitFor();
    await screenshot(page, '30-invoice-english');

    await page.goto('/documents');
    await page.getByRole('button', { name: 'Load' }).click();
    await page.getByRole('cell', { name: '€2,203.58' }).waitFor();
    await screenshot(page, '31-documents-english');
  });
});
