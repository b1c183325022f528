import { deflateSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, launchBrowser, login, newPage, screenshot, startApp, type RunningApp } from './harness.ts';

/** A tiny valid PNG (1×1, red) for the logo upload. */
function tinyPng(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = (crcTable[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  const raw = Buffer.from([0, 255, 0, 0]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

async function selectOption(page: Page, label: string, option: string | RegExp): Promise<void> {
  await page.getByLabel(label, { exact: true }).first().click();
  await page.getByRole('option', { name: option }).click();
}

describe('the front desk works in the browser (German)', () => {
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  let customerUrl = '';

  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    ({ page } = await newPage(browser, app.url));
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('sends an anonymous visitor to the login page and back where they wanted to go', async () => {
    await page.goto('/settings/company');
    await page.waitForURL(/\/login\?next=%2Fsettings%2Fcompany/);
    await screenshot(page, '01-login');
    await login(page, ADMIN.email, 'falsches-passwort');
    await page.getByRole('alert').filter({ hasText: 'E-Mail oder Passwort ist falsch.' }).first().waitFor();
    await login(page);
    await page.waitForURL(/\/settings\/company$/);
    await page.getByRole('heading', { name: 'Firma', level: 2 }).first().waitFor();
  });

  it('keeps the company data with inline errors, a logo and number patterns (Firma)', async () => {
    await page.getByLabel(/^Firmenname/).fill('Hörakustik Sonnenschein GmbH');
    await page.getByLabel(/^Straße und Hausnummer/).fill('Lindenallee 5');
    await page.getByLabel(/^PLZ/).fill('50667');
    await page.getByLabel(/^Ort/).fill('Köln');
    await page.getByLabel(/^Steuernummer/).fill('214/5678/9012');
    await page.getByLabel(/^IBAN/).fill('DE89 3704 0044 0532 0130 01');
    await page.getByRole('button', { name: 'Speichern' }).click();
    await page.getByText('Die IBAN ist nicht korrekt (Prüfziffer stimmt nicht).').first().waitFor();
    await page.getByLabel(/^IBAN/).fill('DE89 3704 0044 0532 0130 00');
    await page.getByLabel(/^Rechnungsnummern/).fill('RE-{YYYY}-{NNNN}');
    await page.getByRole('button', { name: 'Speichern' }).click();
    await page.getByText('Firmendaten gespeichert.').first().waitFor();
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Logo hochladen' }).click();
    await (await chooser).setFiles({ name: 'logo.png', mimeType: 'image/png', buffer: tinyPng() });
    await page.getByRole('img', { name: 'Firmenlogo' }).first().waitFor();
    await screenshot(page, '02-firma');
  });

  it('creates a customer with e-mail and Rechnung per Post, with errors next to the fields', async () => {
    await page.getByRole('link', { name: 'Kunden' }).click();
    await page.getByText('Noch keine Kunden').first().waitFor();
    await screenshot(page, '03-kunden-leer');
    await page.getByRole('link', { name: 'Neuer Kunde' }).first().click();
    await page.getByRole('button', { name: 'Speichern' }).click();
    await page.getByText('Bitte Nachname oder Firma angeben.').first().waitFor();
    await selectOption(page, 'Anrede', 'Frau');
    await page.getByLabel('Vorname', { exact: true }).fill('Renate');
    await page.getByLabel('Nachname', { exact: true }).fill('Müller');
    await page.getByLabel('Straße und Hausnummer', { exact: true }).fill('Hauptstraße 1');
    await page.getByLabel('PLZ', { exact: true }).fill('50667');
    await page.getByLabel('Ort', { exact: true }).fill('Köln');
    await page.getByLabel('E-Mail', { exact: true }).fill('renate.mueller@example');
    await page.getByRole('button', { name: 'Speichern' }).click();
    await page.getByText('Bitte eine gültige E-Mail-Adresse eingeben (z. B. name@beispiel.de).').first().waitFor();
    await page.getByLabel('E-Mail', { exact: true }).fill('renate.mueller@example.de');
    await page.getByRole('tab', { name: 'Administration' }).click();
    await page.getByLabel('Rechnung per Post', { exact: true }).check();
    await page.getByLabel('Notizen', { exact: true }).fill('Möchte Papierrechnungen, E-Mail nur für Termine.');
    await screenshot(page, '04-kunde-administration');
    await page.getByRole('button', { name: 'Speichern' }).click();
    await page.waitForURL(/\/customers\/\d+/);
    await page.getByText('Kunde „Renate Müller“ gespeichert.').first().waitFor();
    customerUrl = new URL(page.url()).pathname;
    const id = customerUrl.split('/').pop();
    const stored: unknown = await (await page.request.get(`/api/customers/${id}`)).json();
    expect(stored).toMatchObject({ email: 'renate.mueller@example.de', invoiceByPost: true, lastName: 'Müller', salutation: 'Frau' });

    await page.getByRole('link', { name: 'Kunden', exact: true }).click();
    await page.getByLabel('Suche', { exact: true }).fill('müller');
    await page.getByRole('link', { name: 'Renate Müller' }).first().waitFor();
    await screenshot(page, '05-kundenliste');
  });

  it('asks before an edited customer is left unsaved; names the page in the title; focus goes to the page after a move', async () => {
    await page.goto(customerUrl);
    await expect.poll(() => page.title()).toBe('Renate Müller – Faktura');
    const city = page.getByLabel('Ort', { exact: true });
    await city.fill('Bonn');
    await page.getByRole('navigation').getByRole('link', { name: 'Kunden', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Ungespeicherte Änderungen verwerfen?' });
    await dialog.waitFor();
    // Focus is in the dialog (its "discard" button), so Escape or Tab act on it.
    await expect.poll(() => dialog.evaluate((d) => d.contains(d.ownerDocument.activeElement))).toBe(true);
    await screenshot(page, '05a-ungespeichert-verlassen');
    await dialog.getByRole('button', { name: 'Abbrechen' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(new URL(page.url()).pathname).toBe(customerUrl);
    await expect.poll(() => city.inputValue()).toBe('Bonn');
    // Leaving anyway discards the edit; nothing was stored.
    await page.getByRole('navigation').getByRole('link', { name: 'Kunden', exact: true }).click();
    await dialog.getByRole('button', { name: 'Verwerfen und verlassen' }).click();
    await page.waitForURL(/\/customers$/);
    await expect.poll(() => page.title()).toBe('Kunden – Faktura');
    await expect.poll(() => page.evaluate('document.activeElement?.id')).toBe('main');
    const stored: unknown = await (await page.request.get(`/api/customers/${customerUrl.split('/').pop() ?? ''}`)).json();
    expect(stored).toMatchObject({ city: 'Köln' });
  });

  it('writes an invoice with live totals, finalises it, opens its PDF and cancels it', async () => {
    await page.goto(customerUrl);
    await page.getByRole('link', { name: 'Neue Rechnung' }).first().click();
    await page.waitForURL(/\/documents\/new/);
    await expect.poll(() => page.getByLabel(/^Kunde/).first().inputValue()).toMatch(/Renate Müller/);
    await page.getByLabel('Bezeichnung Position 1', { exact: true }).fill('Hörgerät „Audéo“, rechts');
    await page.getByLabel('Menge Position 1', { exact: true }).fill('2');
    await page.getByLabel('Einzelpreis Position 1', { exact: true }).fill('1.899,00');
    await expect.poll(() => page.getByTestId('total-gross').textContent()).toMatch(/4\.519,62\s€/);
    await page.getByRole('button', { name: 'Position hinzufügen' }).click();
    await page.getByLabel('Bezeichnung Position 2', { exact: true }).fill('Hörtest (Ton- und Sprachaudiometrie)');
    await page.getByLabel('Einzelpreis Position 2', { exact: true }).fill('49');
    await selectOption(page, 'Umsatzsteuer Position 2', '0 % (steuerfrei)');
    await page.getByRole('button', { name: 'Entwurf speichern' }).click();
    await page.getByText('Bei 0 % USt. muss der Grund der Steuerbefreiung angegeben werden (§ 14 Abs. 4 Nr. 8 UStG).').first().waitFor();
    await page.getByLabel('Grund der Steuerbefreiung Position 2', { exact: true }).fill('Steuerfrei nach § 4 Nr. 14 UStG');
    await expect.poll(() => page.getByTestId('total-gross').textContent()).toMatch(/4\.568,62\s€/);
    await page.getByRole('button', { name: 'Entwurf speichern' }).click();
    await page.waitForURL(/\/documents\/\d+$/);
    await screenshot(page, '06-rechnung-entwurf');
    await page.getByRole('button', { name: 'Festschreiben …' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.filter({ hasText: 'kann es nicht mehr geändert oder gelöscht werden' }).first().waitFor();
    await screenshot(page, '07-festschreiben-bestaetigen');
    await dialog.getByRole('button', { name: 'Ja, festschreiben' }).click();
    const year = new Date().getFullYear();
    await page.getByRole('heading', { name: `Rechnung RE-${year}-0001` }).first().waitFor();
    await page.getByText('Festgeschrieben', { exact: true }).first().waitFor();
    await screenshot(page, '08-rechnung-festgeschrieben');

    // The PDF opens in a new tab, straight from the API.
    const pdfLink = page.getByTestId('open-pdf');
    const href = await pdfLink.getAttribute('href');
    expect(href).toMatch(/^\/api\/documents\/\d+\/pdf$/);
    const pdf = await page.request.get(href ?? '');
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toContain('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    const [popup] = await Promise.all([page.waitForEvent('popup'), pdfLink.click()]);
    expect(popup.url()).toContain(href ?? '');
    await popup.close();

    await page.getByRole('button', { name: 'Stornieren …' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Stornorechnung erstellen' }).click();
    await page.getByRole('heading', { name: new RegExp(`^Stornorechnung GS-${year}-`) }).first().waitFor();
    await page.getByText(/-4\.568,62\s€/).first().first().waitFor();

    await page.goto(`${customerUrl}?tab=documents`);
    await page.getByRole('link', { name: `RE-${year}-0001` }).first().waitFor();
    await page.getByText('Storniert').first().waitFor();
    await screenshot(page, '09-kunde-dokumente');
  });

  it('hides admin-only menu entries from staff', async () => {
    await page.getByRole('link', { name: 'Benutzer' }).click();
    await page.getByRole('button', { name: 'Neuer Benutzer' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name', { exact: true }).fill('Sabine Empfang');
    await dialog.getByLabel(/^E-Mail/).fill('empfang@praxis.test');
    await dialog.getByLabel(/^Passwort/).fill('kurz');
    await dialog.getByRole('button', { name: 'Benutzer anlegen' }).click();
    await dialog.getByText('Das Passwort muss mindestens 12 Zeichen haben.').first().waitFor();
    await dialog.getByLabel(/^Passwort/).fill('empfang-passwort');
    await dialog.getByRole('button', { name: 'Benutzer anlegen' }).click();
    await page.getByRole('cell', { name: 'empfang@praxis.test' }).first().waitFor();
    await page.getByLabel('Bezeichnung', { exact: true }).fill('Praxissoftware');
    await page.getByRole('button', { name: 'Token erstellen' }).click();
    await expect.poll(() => page.getByTestId('new-token').textContent()).toMatch(/^fkt_/);
    await screenshot(page, '10-benutzer');

    const staff = await newPage(browser, app.url);
    await staff.page.goto('/');
    await login(staff.page, 'empfang@praxis.test', 'empfang-passwort');
    await staff.page.waitForURL(/\/customers$/);
    await staff.page.getByRole('link', { name: 'Kunden', exact: true }).first().waitFor();
    expect(await staff.page.getByText('Einstellungen').count()).toBe(0);
    expect(await staff.page.getByRole('link', { name: 'Firma' }).count()).toBe(0);
    await staff.page.goto('/settings/company');
    await staff.page.getByText('Kein Zugriff').first().waitFor();
    await staff.context.close();
  });

  it('sends the user back to the login when the session ends, then back to the same page', async () => {
    await page.goto(customerUrl);
    await page.getByRole('heading', { name: 'Renate Müller' }).first().waitFor();
    await page.request.post('/api/auth/logout', { headers: { 'x-csrf-token': 'unused' } }).catch(() => undefined);
    await page.context().clearCookies();
    await page.getByRole('tab', { name: 'Dokumente' }).click();
    await page.getByRole('link', { name: 'Kunden', exact: true }).click();
    await page.waitForURL(/\/login\?.*expired=1/);
    await page.getByText('Ihre Sitzung ist abgelaufen.').first().waitFor();
    await screenshot(page, '11-sitzung-abgelaufen');
    await login(page);
    await page.waitForURL(/\/customers(\?.*)?$/);
  });
});
