import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, launchBrowser, login, newPage, startApp, type RunningApp } from './harness.ts';

describe('Passwort ändern (issue 15 item 14)', () => {
  let app: RunningApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    ({ page } = await newPage(browser, app.url));
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('needs the current password, says what is wrong in words, and keeps the user logged in', async () => {
    await page.goto('/');
    await login(page);
    await page.waitForURL(/\/customers$/);
    await page.getByTestId('user-menu').click();
    await page.getByRole('menuitem', { name: 'Passwort ändern' }).click();
    const dialog = page.getByRole('dialog', { name: 'Eigenes Passwort ändern' });
    await dialog.getByLabel('Aktuelles Passwort').fill('falsch-falsch');
    await dialog.getByLabel(/^Neues Passwort\W*$/).fill('ein neues passwort');
    await dialog.getByLabel('Neues Passwort wiederholen').fill('ein neues passwort');
    await dialog.getByRole('button', { name: 'Passwort ändern' }).click();
    await dialog.getByText('Das aktuelle Passwort ist falsch.').waitFor();

    await dialog.getByLabel('Aktuelles Passwort').fill(ADMIN.password);
    await dialog.getByLabel(/^Neues Passwort\W*$/).fill('aaaaaaaaaaaaaa');
    await dialog.getByLabel('Neues Passwort wiederholen').fill('aaaaaaaaaaaaaa');
    await dialog.getByRole('button', { name: 'Passwort ändern' }).click();
    await dialog.getByText('Das Passwort darf nicht aus einem einzigen wiederholten Zeichen bestehen.').waitFor();

    await dialog.getByLabel(/^Neues Passwort\W*$/).fill('ein neues passwort');
    await dialog.getByLabel('Neues Passwort wiederholen').fill('ein neues passwort');
    await dialog.getByRole('button', { name: 'Passwort ändern' }).click();
    await page.getByText('Ihr Passwort wurde geändert.').waitFor();
    // Still logged in.
    expect((await page.request.get('/api/auth/me')).status()).toBe(200);
    const relogin = await page.request.post('/api/auth/login', { data: { email: ADMIN.email, password: 'ein neues passwort' } });
    expect(relogin.status()).toBe(200);
  });
});
