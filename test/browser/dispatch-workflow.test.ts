import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, launchBrowser, login, newPage, screenshot, startApp, type RunningApp } from './harness.ts';
import { Api, startSmtp, until, type TestSmtp } from './dispatch-support.ts';

/**
 * The seed's workflow (AMPAREX "Rechnungen per E-Mail als PDF versenden") as a user does it,
 * against a real server and a real SMTP server: filter, select all, Mehr-Menü → Senden aller
 * selektierten Rechnungen, Unvollständigkeitshinweis, template via the magnifier, clean up the
 * list, send, watch the progress, retry the one the server refused; then check what arrived.
 */
describe('Senden aller selektierten Rechnungen (German)', () => {
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  let smtp: TestSmtp;
  let api: Api;
  const docs: Record<string, { id: number; number: string }[]> = {};
  const row = (name: string) => page.locator(`tr[data-customer="${name}"]`);

  beforeAll(async () => {
    [app, browser, smtp] = await Promise.all([startApp(), launchBrowser(), startSmtp()]);
    ({ page } = await newPage(browser, app.url));
    await page.goto('/');
    await login(page);
    await page.waitForURL(/\/customers$/);
    api = new Api(page);
    await api.mailSettings(smtp.port);
    await api.template('Rechnungsversand', 'Ihre Rechnung {{ documents | map: "number" | join: ", " }}', '{{ customer.greeting }},\n\nanbei erhalten Sie Ihre Rechnungen über {{ total | money }} (Kunde: {{ customer.name }}).\n\nMit freundlichen Grüßen\nHörakustik Sonnenschein');
    const people: [string, string, Record<string, unknown>, number][] = [
      ['Anna Becker', 'anna.becker@example.de', {}, 2],
      ['Bernd Schulz', 'bernd.schulz@example.de', {}, 1],
      ['Tom Fischer', '', {}, 1],
      ['Klaus Wolf', '', {}, 1],
      ['Jörg Koch', 'joerg.koch@example.de', { invoiceByPost: true }, 1],
      ['Maria Neumann', '', {}, 1],
      ['Lena Vogel', 'lena.vogel@example.de', { invoiceByPost: true }, 1],
    ];
    for (const [name, email, extra, count] of people) {
      const [firstName, lastName] = name.split(' ');
      const id = await api.customer({ firstName, lastName, ...(email ? { email } : {}), ...extra });
      docs[name] = [];
      for (let i = 0; i < count; i++) docs[name].push(await api.invoice(id, `Hörgeräteanpassung ${i + 1}`, 12_900 + i * 1000));
    }
    // A quote is not an invoice: the filter leaves it out.
    const anna = await api.customer({ firstName: 'Quentin', lastName: 'Quote', email: 'quentin@example.de' });
    await api.invoice(anna, 'Angebot Hörgerät', 99_000, 'quote');
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await smtp?.close();
  });

  it('loads the invoices; Shift-click selects a range, Ctrl-click toggles, the header box selects all matching', async () => {
    await page.getByRole('link', { name: 'Rechnungen, Angebote' }).click();
    await page.waitForURL(/\/evaluations\/documents/);
    await page.getByText('Wählen Sie die Filter und klicken Sie auf „Laden“.').waitFor();
    await page.getByRole('button', { name: 'Laden' }).click();
    await page.getByTestId('evaluation-total').getByText('8 Dokumente gefunden').waitFor();
    const rows = page.locator('tbody tr[data-document]');
    const badge = page.getByTestId('evaluation-selection');
    await rows.nth(0).locator('td').nth(4).click();
    await expect.poll(() => badge.textContent()).toBe('1 ausgewählt');
    await rows.nth(3).locator('td').nth(4).click({ modifiers: ['Shift'] });
    await expect.poll(() => badge.textContent()).toBe('4 ausgewählt');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('aria-selected')))).toEqual(['true', 'true', 'true', 'true', 'false', 'false', 'false', 'false']);
    await rows.nth(1).locator('td').nth(4).click({ modifiers: ['Control'] });
    await expect.poll(() => badge.textContent()).toBe('3 ausgewählt');
    await rows.nth(6).locator('td').nth(4).click({ modifiers: ['Control'] });
    await expect.poll(() => badge.textContent()).toBe('4 ausgewählt');
    await screenshot(page, 'dispatch-01-shift-ctrl-auswahl');

    // The header box: with a partial selection it clears, then it selects everything matching.
    const header = page.getByLabel('Alle 8 auswählen');
    await header.click();
    await expect.poll(() => badge.textContent()).toBe('0 ausgewählt');
    await header.click();
    await expect.poll(() => badge.textContent()).toBe('8 ausgewählt');
    await page.getByTestId('all-matching').waitFor();
    await screenshot(page, 'dispatch-02-alle-ausgewaehlt');
  });

  it('Mehr-Menü → Senden aller selektierten Rechnungen opens the dispatch with every customer and why they cannot be e-mailed', async () => {
    let createBody = '';
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/dispatches')) createBody = r.postData() ?? '';
    });
    await page.getByRole('button', { name: 'Mehr' }).click();
    await page.getByRole('menuitem', { name: 'Senden aller selektierten Rechnungen' }).click();
    await page.waitForURL(/\/dispatch\/\d+$/);
    // "All matching" travels as the filter, never as a list of ids.
    expect(JSON.parse(createBody)).toEqual({ filter: { type: ['invoice'], status: ['final'], sent: false } });
    await row('Klaus Wolf').waitFor();
    expect(await page.locator('tbody tr[data-customer]').count()).toBe(7);
    await row('Klaus Wolf').getByText('keine E-Mail-Adresse').waitFor();
    await row('Jörg Koch').getByText('möchte Rechnung per Post').waitFor();
    await row('Anna Becker').getByText('versandbereit').waitFor();
    expect(await row('Klaus Wolf').getAttribute('data-blocked')).toBe('true');
    expect(await row('Anna Becker').getAttribute('data-blocked')).toBeNull();
    await page.getByTestId('blocking-hint').getByText('5 Kunden können so nicht per E-Mail versendet werden').waitFor();
    await screenshot(page, 'dispatch-03-versandauftrag');
  });

  it('Senden without a template shows the Unvollständigkeitshinweis and sends nothing', async () => {
    await page.getByRole('button', { name: 'Senden', exact: true }).click();
    const notice = page.getByRole('dialog', { name: 'Unvollständigkeitshinweis' });
    await notice.getByText('Es ist keine Dokumentvorlage ausgewählt.').waitFor();
    await notice.getByText('3 Kunden ohne E-Mail-Adresse').waitFor();
    await notice.getByText('2 Kunden möchten die Rechnung per Post').waitFor();
    await page.waitForTimeout(300); // the modal's fade-in, for the screenshot only
    await screenshot(page, 'dispatch-04-unvollstaendigkeitshinweis');
    expect(smtp.received).toHaveLength(0);
    // The fix is one click away: the notice opens the magnifier's search.
    await notice.getByRole('button', { name: 'Vorlage suchen' }).click();
    const picker = page.getByRole('dialog', { name: 'Dokumentvorlage suchen' });
    await picker.getByRole('option', { name: /Rechnungsversand/ }).click();
    await expect.poll(() => picker.getByTestId('template-picker-preview').textContent()).toContain('anbei erhalten Sie Ihre Rechnungen');
    await screenshot(page, 'dispatch-05-vorlage-lupe');
    await picker.getByRole('button', { name: 'Übernehmen' }).click();
    await expect.poll(() => page.getByTestId('dispatch-message-text').textContent()).toContain('anbei erhalten Sie Ihre Rechnungen');
    await expect.poll(() => page.getByLabel('Dokumentvorlage', { exact: true }).inputValue()).toBe('Rechnungsversand');
  });

  it('fixes an address in the row, removes with Ctrl-click + Entfernen, then the rest in one click; prints the post customers', async () => {
    await row('Tom Fischer').getByRole('button', { name: 'Adresse eintragen' }).click();
    await page.getByLabel('E-Mail-Adresse von Tom Fischer').fill('tom.fischer@example.de');
    await page.getByLabel('E-Mail-Adresse von Tom Fischer').press('Enter');
    await row('Tom Fischer').getByText('versandbereit').waitFor();

    const selectedBadge = page.getByTestId('recipient-selection');
    await row('Klaus Wolf').getByText('Klaus Wolf').click();
    await row('Jörg Koch').getByText('Jörg Koch').click({ modifiers: ['Control'] });
    await expect.poll(() => selectedBadge.textContent()).toBe('2 markiert');
    await screenshot(page, 'dispatch-06-strg-auswahl');
    await page.getByRole('button', { name: 'Entfernen', exact: true }).click();
    await page.getByText('Entfernt (2)').waitFor();
    await row('Klaus Wolf').waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Alle nicht versandfähigen entfernen' }).click();
    await page.getByText('Entfernt (4)').waitFor();
    await row('Maria Neumann').waitFor({ state: 'detached' });
    expect(await page.locator('tbody tr[data-customer]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-customer')))).toEqual(['Anna Becker', 'Bernd Schulz', 'Tom Fischer']);
    await screenshot(page, 'dispatch-07-bereinigt');

    // Removed customers can come back; the post customers' print PDF is one click away.
    await page.getByText('Entfernt (4)').click();
    await row('Lena Vogel').waitFor();
    const print = await page.request.get(String(await page.getByRole('link', { name: 'Druck-PDF für Post-Kunden' }).getAttribute('href')));
    expect(print.headers()['content-type']).toBe('application/pdf');
    expect((await print.body()).subarray(0, 5).toString()).toBe('%PDF-');
    await row('Maria Neumann').getByText('Maria Neumann').click();
    await page.getByRole('button', { name: 'Wiederherstellen' }).click();
    await page.getByText('Entfernt (3)').waitFor();
    await page.getByText('In der Liste (4)').click();
    await row('Maria Neumann').waitFor();
    await page.getByRole('button', { name: 'Alle nicht versandfähigen entfernen' }).click();
    await page.getByText('Entfernt (4)').waitFor();
  });

  it('previews the exact e-mail of one customer and sends a test to me', async () => {
    await row('Anna Becker').getByRole('button', { name: 'Vorschau für Anna Becker' }).click();
    const preview = page.getByTestId('recipient-preview');
    await expect.poll(() => preview.getByTestId('preview-text').textContent()).toContain('Anna Becker');
    const annaDocs = docs['Anna Becker'] ?? [];
    await expect.poll(() => preview.getByTestId('preview-subject').textContent()).toBe(`Ihre Rechnung ${annaDocs.map((d) => d.number).join(', ')}`);
    await preview.getByText('Anhänge (2)').waitFor();
    await screenshot(page, 'dispatch-08-vorschau');
    await preview.getByRole('button', { name: 'Test an mich senden' }).click();
    await page.getByText(`Test-E-Mail an ${ADMIN.email} gesendet.`).waitFor();
    await until(() => smtp.received.some((m) => m.to.includes(ADMIN.email)));
    await page.getByRole('dialog', { name: 'Vorschau der E-Mail' }).getByRole('button', { name: 'Schließen', exact: true }).click();
  });

  it('sends, shows live progress to the end, explains the refusal and retries it', async () => {
    smtp.rejectOnce.add('bernd.schulz@example.de');
    await page.getByRole('button', { name: 'Senden', exact: true }).click();
    await page.getByTestId('dispatch-progress').waitFor();
    await screenshot(page, 'dispatch-09-fortschritt');
    const status = page.getByTestId('dispatch-status');
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe('Abgeschlossen');
    await page.getByTestId('dispatch-counts').locator('[data-state="sent"][data-count="2"]').waitFor();
    await page.getByTestId('dispatch-counts').locator('[data-state="failed"][data-count="1"]').waitFor();
    await page.getByTestId('dispatch-counts').locator('[data-state="removed"][data-count="4"]').waitFor();
    // The failed tab opens by itself, with the server's refusal in words and verbatim.
    await row('Bernd Schulz').getByText('Der Mailserver hat die E-Mail endgültig abgelehnt', { exact: false }).waitFor();
    await row('Bernd Schulz').getByText(/550.*User unknown/).waitFor();
    await screenshot(page, 'dispatch-10-ergebnis-fehlgeschlagen');
    // The invoice's own send history tells the refusal in the same words.
    const resultUrl = page.url();
    await page.goto(`/documents/${docs['Bernd Schulz']?.[0]?.id ?? 0}`);
    await page.getByTestId('send-history').locator('tr[data-state="failed"]').getByText('Der Mailserver hat die E-Mail endgültig abgelehnt', { exact: false }).waitFor();
    await screenshot(page, 'dispatch-10b-versandverlauf-abgelehnt');
    await page.goto(resultUrl);

    await page.getByRole('button', { name: 'Fehlgeschlagene erneut senden (1)' }).click();
    await page.getByRole('dialog', { name: 'Fehlgeschlagene erneut senden?' }).getByRole('button', { name: 'Erneut senden' }).click();
    await page.getByTestId('dispatch-counts').locator('[data-state="sent"][data-count="3"]').waitFor({ timeout: 20_000 });
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe('Abgeschlossen');
    await page.getByText('Versendet (3)').click();
    await row('Bernd Schulz').locator('[data-delivery-state="sent"]').waitFor();
    await screenshot(page, 'dispatch-11-ergebnis');

    const report = await page.request.get(String(await page.getByRole('link', { name: 'Bericht (CSV)' }).getAttribute('href')));
    const csv = await report.text();
    expect(csv).toContain('Bernd Schulz');
    expect(csv.split('\r\n').filter((l) => l.includes(';sent;'))).toHaveLength(3);
  });

  it('exactly the right customers got exactly their PDFs, each once', async () => {
    const mails = smtp.received.filter((m) => !m.to.includes(ADMIN.email));
    await until(() => smtp.received.filter((m) => !m.to.includes(ADMIN.email)).length >= 3);
    const byAddress = new Map<string, (typeof mails)[number][]>();
    for (const m of smtp.received.filter((x) => !x.to.includes(ADMIN.email))) for (const to of m.to) byAddress.set(to, [...(byAddress.get(to) ?? []), m]);
    expect([...byAddress.keys()].sort()).toEqual(['anna.becker@example.de', 'bernd.schulz@example.de', 'tom.fischer@example.de']);
    const expected: Record<string, string> = { 'anna.becker@example.de': 'Anna Becker', 'bernd.schulz@example.de': 'Bernd Schulz', 'tom.fischer@example.de': 'Tom Fischer' };
    for (const [address, name] of Object.entries(expected)) {
      const got = byAddress.get(address) ?? [];
      expect(got).toHaveLength(1);
      const mine = docs[name] ?? [];
      const hashes = await Promise.all(mine.map((d) => api.pdfHash(d.id)));
      expect(got[0]?.attachments.map((a) => a.sha256).sort()).toEqual([...hashes].sort());
      expect(got[0]?.text).toContain('anbei erhalten Sie Ihre Rechnungen');
    }
    // Nobody who wants post or has no address got anything.
    expect(smtp.received.some((m) => m.to.includes('joerg.koch@example.de') || m.to.includes('lena.vogel@example.de'))).toBe(false);
    expect(mails.length).toBeLessThanOrEqual(3);
  });

  it('lists the dispatch under Versandaufträge; reopening shows its result', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Versandaufträge' }).click();
    await page.waitForURL(/\/dispatch$/);
    const first = page.locator('tr[data-dispatch]').first();
    await first.getByText('Abgeschlossen').waitFor();
    await first.getByText(/3 versendet · 0 fehlgeschlagen/).waitFor();
    await screenshot(page, 'dispatch-12-versandauftraege');
    await first.click();
    await page.getByTestId('dispatch-progress-text').getByText('3 von 3 E-Mails erledigt (100 %)').waitFor();
    // The evaluations list shows when each invoice went out.
    await page.getByRole('link', { name: 'Rechnungen, Angebote' }).first().click();
    await page.getByRole('combobox', { name: 'Versand', exact: true }).click();
    await page.getByRole('option', { name: 'Bereits versendet' }).click();
    await page.getByRole('button', { name: 'Laden' }).click();
    await page.getByTestId('evaluation-total').getByText('4 Dokumente gefunden').waitFor();
    await page.locator('tr[data-document]').first().locator('td').last().getByText(/@example\.de/).waitFor();
    await screenshot(page, 'dispatch-13-zuletzt-versendet');
  });
});
