import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, launchBrowser, login, newPage, screenshot, startApp, type RunningApp } from './harness.ts';

const SMTP_USER = 'praxis@mail.test';
const SMTP_PASSWORD = 'smtp-geheim-42';

/** A real SMTP server on 127.0.0.1 that checks credentials and keeps what it receives. */
async function startSmtp(): Promise<{ port: number; received: { to: string[]; data: string }[]; close(): Promise<void> }> {
  const received: { to: string[]; data: string }[] = [];
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) callback(null, { user: auth.username });
      else callback(new Error('535 5.7.8 Authentication credentials invalid'));
    },
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (chunk: Buffer) => (data += chunk.toString()));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? (address satisfies AddressInfo).port : 0;
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function csrf(page: Page): Promise<string> {
  const me: unknown = await (await page.request.get('/api/auth/me')).json();
  if (typeof me === 'object' && me !== null && 'csrfToken' in me && typeof me.csrfToken === 'string') return me.csrfToken;
  throw new Error('no csrf token');
}

describe('templates and the SMTP outgoing server in the browser', () => {
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;

  beforeAll(async () => {
    [app, browser, smtp] = await Promise.all([startApp(), launchBrowser(), startSmtp()]);
    ({ page } = await newPage(browser, app.url));
    await page.goto('/');
    await login(page);
    await page.waitForURL(/\/customers$/);
    const response = await page.request.post('/api/customers', {
      headers: { 'x-csrf-token': await csrf(page) },
      data: { salutation: 'Frau', firstName: 'Ingrid', lastName: 'Schäfer', email: 'ingrid.schaefer@example.de' },
    });
    expect(response.status()).toBe(201);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await smtp?.close();
  });

  it('writes a template with the placeholder picker and sees the live preview, errors at their line', async () => {
    await page.getByRole('link', { name: 'Dokumentvorlagen' }).click();
    await page.getByText('Noch keine Dokumentvorlagen').waitFor();
    await page.getByRole('link', { name: 'Neue Vorlage' }).first().click();
    await page.getByLabel(/^Name/).fill('Rechnungsversand');
    const body = page.getByLabel(/^Text/);
    await body.fill('Hallo {{ customer.firstName }},\n\nIhr Konto: ');
    await body.press('End');
    await page.getByRole('button', { name: 'Platzhalter einfügen' }).click();
    await page.getByRole('menuitem', { name: 'Nachname' }).click();
    await expect.poll(() => body.inputValue()).toContain('Ihr Konto: {{ customer.lastName }}');

    // Sample data first, then a real customer.
    await page.getByTestId('preview-body').waitFor();
    await page.getByLabel('Vorschau für Kunde').first().click();
    await page.getByLabel('Vorschau für Kunde').first().fill('Schäfer');
    await page.getByRole('option', { name: /Ingrid Schäfer/ }).click();
    await expect.poll(() => page.getByTestId('preview-body').textContent(), { timeout: 5_000 }).toContain('Hallo Ingrid,');
    await expect.poll(() => page.getByTestId('preview-body').textContent()).toContain('Ihr Konto: Schäfer');
    await screenshot(page, '20-vorlage-vorschau');

    await body.fill('Hallo {{ customer.firstName }},\n{{ customer.geburtstag }}');
    await page.getByText('Zeile 2: Unbekannter Platzhalter').first().waitFor();
    await screenshot(page, '21-vorlage-fehler');
    await body.fill('{{ customer.greeting }},\n\nanbei Ihre Rechnungen über {{ total | money }}.');
    await page.getByRole('button', { name: 'Speichern' }).click();
    await page.getByText('Vorlage gespeichert.').waitFor();
    await page.waitForURL(/\/templates\/\d+$/);
    await page.getByRole('link', { name: 'Zur Vorlagenliste' }).click();
    await page.getByRole('link', { name: 'Rechnungsversand' }).waitFor();
    await page.getByText('Kunden Benachrichtigung').first().waitFor();
  });

  it('configures the SMTP server: Verbindung testen fails and succeeds in plain words, the password is never shown', async () => {
    await page.getByRole('link', { name: 'SMTP Postausgangsserver' }).click();
    await page.getByText('Noch nicht eingerichtet').waitFor();
    await page.getByLabel('Anbieter', { exact: true }).first().click();
    await page.getByRole('option', { name: 'Eigener Server' }).click();
    await page.getByLabel(/^Server \(Host\)/).fill('127.0.0.1');
    await page.getByLabel(/^Port/).fill(String(smtp.port));
    await page.locator('label', { hasText: 'Unverschlüsselt' }).click();
    await page.getByLabel('Benutzername', { exact: true }).fill(SMTP_USER);
    await page.getByLabel('Passwort', { exact: true }).fill('falsch');
    await page.getByLabel('Absendername', { exact: true }).fill('Hörakustik Sonnenschein');
    await page.getByLabel(/^Absenderadresse/).fill('rechnung@sonnenschein.test');

    const verdict = page.getByTestId('connection-verdict');
    await page.getByRole('button', { name: 'Verbindung testen' }).click();
    await page.getByText('Der Server hat Benutzername oder Passwort abgelehnt.').waitFor();
    expect(await verdict.getAttribute('data-result')).toBe('authFailed');
    await screenshot(page, '22-smtp-test-fehlgeschlagen');

    await page.getByLabel(/^Port/).fill('1');
    await page.getByRole('button', { name: 'Verbindung testen' }).click();
    await page.getByText('Der Server nimmt auf diesem Port keine Verbindung an.').waitFor();

    await page.getByLabel(/^Port/).fill(String(smtp.port));
    await page.getByLabel('Passwort', { exact: true }).fill(SMTP_PASSWORD);
    await page.getByRole('button', { name: 'Verbindung testen' }).click();
    await page.getByText('Verbindung erfolgreich').waitFor();
    expect(await verdict.getAttribute('data-result')).toBe('ok');

    await page.getByRole('button', { name: 'Speichern' }).click();
    await page.getByText('Einstellungen gespeichert.').waitFor();
    await page.getByText('Ein Passwort ist gesetzt. Leer lassen, um es zu behalten.').waitFor();
    expect(await page.getByLabel('Passwort', { exact: true }).inputValue()).toBe('');
    expect(await page.getByLabel('Passwort', { exact: true }).getAttribute('placeholder')).toBe('gesetzt');
    const stored = await (await page.request.get('/api/settings/mail')).text();
    expect(stored).not.toContain(SMTP_PASSWORD);
    expect(stored).toContain('"passwordSet":true');
    await screenshot(page, '23-smtp-eingerichtet');

    await page.getByRole('button', { name: 'Test-E-Mail senden' }).click();
    await page.getByTestId('test-message-sent').waitFor();
    expect(smtp.received.some((m) => m.to.includes(ADMIN.email))).toBe(true);

    // Reload: the saved settings come back, the password still only as "gesetzt".
    await page.reload();
    expect(await page.getByLabel(/^Server \(Host\)/).inputValue()).toBe('127.0.0.1');
    await page.getByRole('button', { name: 'Verbindung testen' }).click();
    await page.getByText('Verbindung erfolgreich').waitFor();
  });

  it('runs the seed workflow: select all, Mehr-Menü → Senden, Unvollständigkeitshinweis, template via magnifier, remove ineligible, send', async () => {
    const headers = { 'x-csrf-token': await csrf(page) };
    const invoiceFor = async (customer: Record<string, unknown>): Promise<number> => {
      const c: unknown = await (await page.request.post('/api/customers', { headers, data: customer })).json();
      const customerId = typeof c === 'object' && c !== null && 'id' in c ? c.id : 0;
      const d: unknown = await (await page.request.post('/api/documents', { headers, data: { type: 'invoice', customerId, lines: [{ description: 'Hörgeräte-Batterien', quantity: 2, unit: 'Pkg', unitPriceCents: 2495, vatRate: 19 }] } })).json();
      const documentId = typeof d === 'object' && d !== null && 'id' in d && typeof d.id === 'number' ? d.id : 0;
      expect((await page.request.post(`/api/documents/${documentId}/finalize`, { headers, data: {} })).status()).toBe(200);
      return documentId;
    };
    const annaInvoice = await invoiceFor({ firstName: 'Anna', lastName: 'Becker', email: 'anna.becker@example.de' });
    const klausInvoice = await invoiceFor({ firstName: 'Klaus', lastName: 'Wolf' });
    await invoiceFor({ firstName: 'Jörg', lastName: 'Koch', email: 'joerg.koch@example.de', invoiceByPost: true });
    const before = smtp.received.length;
    const row = (name: string) => page.locator(`tr[data-customer="${name}"]`);

    // Auswertungen → Rechnungen, Angebote: the default filter is "final invoices not sent yet".
    await page.getByRole('link', { name: 'Rechnungen, Angebote' }).click();
    await page.getByRole('button', { name: 'Laden' }).click();
    await page.getByTestId('evaluation-total').getByText('3 Dokumente gefunden').waitFor();
    await page.getByLabel('Alle 3 auswählen').click();
    await expect.poll(() => page.getByTestId('evaluation-selection').textContent()).toBe('3 ausgewählt');
    await screenshot(page, '40-rechnungen-ausgewaehlt');
    await page.getByRole('button', { name: 'Mehr' }).click();
    await page.getByRole('menuitem', { name: 'Senden aller selektierten Rechnungen' }).click();
    await page.waitForURL(/\/dispatch\/\d+$/);
    await row('Klaus Wolf').getByText('keine E-Mail-Adresse').waitFor();
    await row('Jörg Koch').getByText('möchte Rechnung per Post').waitFor();

    await page.getByRole('button', { name: 'Senden', exact: true }).click();
    const notice = page.getByRole('dialog', { name: 'Unvollständigkeitshinweis' });
    await notice.getByText('Es ist keine Dokumentvorlage ausgewählt.').waitFor();
    await notice.getByText('1 Kunde ohne E-Mail-Adresse').waitFor();
    await notice.getByText('1 Kunde möchte die Rechnung per Post').waitFor();
    await page.waitForTimeout(300); // the modal's fade-in, for the screenshot only
    await screenshot(page, '41-unvollstaendigkeitshinweis');
    await notice.getByRole('button', { name: 'Schließen', exact: true }).last().click();
    await notice.waitFor({ state: 'hidden' });

    // Ctrl-click selection + Entfernen, then restore, then the one-click removal.
    await row('Klaus Wolf').getByText('Klaus Wolf').click();
    await row('Jörg Koch').getByText('Jörg Koch').click({ modifiers: ['Control'] });
    await expect.poll(() => page.getByTestId('recipient-selection').textContent()).toBe('2 markiert');
    await page.getByRole('button', { name: 'Entfernen', exact: true }).click();
    await page.getByText('Entfernt (2)').waitFor();
    await page.getByText('Entfernt (2)').click();
    await row('Klaus Wolf').waitFor();
    await page.getByLabel('Alle 2 Kunden der Liste markieren (alle Seiten)').click();
    await expect.poll(() => page.getByTestId('recipient-selection').textContent()).toBe('2 markiert');
    await page.getByRole('button', { name: 'Wiederherstellen' }).click();
    await page.getByText('Entfernt (0)').waitFor();
    await page.getByText('In der Liste (3)').click();
    await page.getByRole('button', { name: 'Alle nicht versandfähigen entfernen' }).click();
    await page.getByText('In der Liste (1)').waitFor();

    await page.getByRole('button', { name: 'Dokumentvorlage suchen' }).click();
    const search = page.getByRole('dialog', { name: 'Dokumentvorlage suchen' });
    await search.getByRole('option', { name: /Rechnungsversand/ }).click();
    await expect.poll(() => search.getByTestId('template-picker-preview').textContent()).toContain('anbei Ihre Rechnungen');
    await search.getByRole('button', { name: 'Übernehmen' }).click();
    await expect.poll(() => page.getByTestId('dispatch-message-text').textContent()).toContain('anbei Ihre Rechnungen');
    await screenshot(page, '42-versand-bereit');

    // Sent through the authenticated SMTP server configured in the UI above.
    await page.getByRole('button', { name: 'Senden', exact: true }).click();
    await expect.poll(() => page.getByTestId('dispatch-status').textContent(), { timeout: 30_000 }).toBe('Abgeschlossen');
    await page.getByTestId('dispatch-counts').locator('[data-state="sent"][data-count="1"]').waitFor();
    await screenshot(page, '43-versand-ergebnis');

    const mails = smtp.received.slice(before).filter((m) => !m.to.includes(ADMIN.email));
    expect(mails.map((m) => m.to)).toEqual([['anna.becker@example.de']]);
    expect(mails[0]?.data).toContain('application/pdf');

    await page.getByRole('link', { name: 'Zu den Versandaufträgen' }).click();
    await page.waitForURL(/\/dispatch$/);
    await page.locator('tr[data-dispatch]').first().getByText(/1 versendet · 0 fehlgeschlagen/).waitFor();

    // The invoice's page tells when, to whom and with which message id it went out.
    await page.goto(`/documents/${annaInvoice}`);
    const history = page.getByTestId('send-history');
    await history.locator('tr[data-state="sent"]').getByText('anna.becker@example.de').waitFor();
    await history.getByText('Versendet', { exact: true }).waitFor();
    expect(await history.getByTestId('send-message-id').textContent()).toMatch(/^<.+@.+>$/);
    await history.getByRole('link', { name: /^Versandauftrag \d+$/ }).waitFor();
    await screenshot(page, '44-rechnung-versandverlauf');
    await history.getByRole('link', { name: /^Versandauftrag \d+$/ }).click();
    await page.waitForURL(/\/dispatch\/\d+$/);
    await page.getByTestId('dispatch-status').getByText('Abgeschlossen').waitFor();
    // Never sent (no address): says so.
    await page.goto(`/documents/${klausInvoice}`);
    await page.getByTestId('send-history-empty').getByText('Dieses Dokument wurde noch nicht per E-Mail versendet.').waitFor();
  });
});
