import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, login, newPage, screenshot, startApp, type RunningApp } from './harness.ts';
import { Api, startSmtp, until, type TestSmtp } from './dispatch-support.ts';

/**
 * Uncertain deliveries: the process died while the SMTP server was accepting the message, so
 * nobody knows whether it arrived. The result view shows them to a person, who decides after a
 * confirmation: "Als versendet markieren" (nothing is sent) or "Erneut senden" (sent once more).
 * The crash is simulated in the test database exactly as the worker's sweep records it.
 */
describe('uncertain deliveries: mark as sent, send again after confirmation', () => {
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  let smtp: TestSmtp;
  let api: Api;
  let dispatchId = 0;
  const invoices: Record<string, { id: number; number: string }> = {};
  const row = (name: string) => page.locator(`tr[data-customer="${name}"]`);
  const mailsTo = (address: string) => smtp.received.filter((m) => m.to.includes(address)).length;

  beforeAll(async () => {
    [app, browser, smtp] = await Promise.all([startApp(), launchBrowser(), startSmtp()]);
    ({ page } = await newPage(browser, app.url));
    await page.goto('/');
    await login(page);
    await page.waitForURL(/\/customers$/);
    api = new Api(page);
    await api.mailSettings(smtp.port);
    const templateId = await api.template('Rechnungsversand', 'Ihre Rechnung', '{{ customer.greeting }},\n\nanbei Ihre Rechnung über {{ total | money }}.');
    for (const [first, last, email] of [
      ['Ute', 'Unklar', 'ute.unklar@example.de'],
      ['Otto', 'Offen', 'otto.offen@example.de'],
    ] as const) {
      const customerId = await api.customer({ firstName: first, lastName: last, email });
      invoices[`${first} ${last}`] = await api.invoice(customerId, 'Hörgerätebatterien', 2_495);
    }

    // Sent for real, through the API …
    const created = await api.send('POST', '/api/dispatches', { documentIds: Object.values(invoices).map((d) => d.id) });
    dispatchId = typeof created === 'object' && created !== null && 'id' in created && typeof created.id === 'number' ? created.id : 0;
    await page.request.patch(`/api/dispatches/${dispatchId}`, { headers: { 'x-csrf-token': await api.csrf() }, data: { templateId } });
    const sent = await page.request.post(`/api/dispatches/${dispatchId}/send`, { headers: { 'x-csrf-token': await api.csrf(), 'idempotency-key': 'uncertain-test-1' }, data: {} });
    expect(sent.status(), await sent.text()).toBe(202);
    await until(() => smtp.received.length === 2);
    for (let status: unknown = null, tries = 0; status !== 'completed'; tries++) {
      if (tries > 100) throw new Error(`dispatch ${dispatchId} did not complete`);
      if (tries > 0) await new Promise((r) => setTimeout(r, 100));
      const view: unknown = await api.get(`/api/dispatches/${dispatchId}`);
      status = typeof view === 'object' && view !== null && 'status' in view ? view.status : null;
    }

    // … then the crash: both deliveries as the sweep leaves them after a lost worker.
    const db = new Database(join(app.dataDir, 'faktura.sqlite'));
    try {
      db.pragma('busy_timeout = 5000');
      db.transaction(() => {
        db.prepare(
          "UPDATE deliveries SET state = 'uncertain', sent_at = NULL, lease_owner = NULL, lease_until = NULL, error_code = 'delivery.workerLost', error_message = 'the sending process stopped before the server confirmed the message; check before sending again' WHERE dispatch_id = ?",
        ).run(dispatchId);
        db.prepare('UPDATE delivery_documents SET active = 0 WHERE delivery_id IN (SELECT id FROM deliveries WHERE dispatch_id = ?)').run(dispatchId);
        db.prepare(`UPDATE documents SET last_sent_at = NULL, last_sent_to = NULL WHERE id IN (${Object.values(invoices).map(() => '?').join(', ')})`).run(...Object.values(invoices).map((d) => d.id));
      })();
    } finally {
      db.close();
    }
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await smtp?.close();
  });

  it('shows both as Ungeklärt, explained in words, with the two decisions', async () => {
    await page.goto(`/dispatch/${dispatchId}`);
    await expect.poll(() => page.getByTestId('dispatch-status').textContent()).toBe('Abgeschlossen');
    const counts = page.getByTestId('dispatch-counts');
    await counts.locator('[data-state="uncertain"][data-count="2"]').waitFor();
    await counts.locator('[data-state="sent"][data-count="0"]').waitFor();
    // The uncertain tab opens by itself.
    for (const name of ['Ute Unklar', 'Otto Offen']) {
      await row(name).locator('[data-delivery-state="uncertain"]').getByText('Ungeklärt').waitFor();
      await row(name).getByText('Unklar, ob die E-Mail angekommen ist', { exact: false }).waitFor();
      await row(name).getByRole('button', { name: 'Als versendet markieren' }).waitFor();
      await row(name).getByRole('button', { name: 'Erneut senden' }).waitFor();
    }
    await screenshot(page, 'dispatch-40-ungeklaert');
  });

  it('"Als versendet markieren" asks first, then records it as sent without sending anything', async () => {
    const before = smtp.received.length;
    await row('Ute Unklar').getByRole('button', { name: 'Als versendet markieren' }).click();
    const dialog = page.getByRole('dialog', { name: 'Als versendet markieren?' });
    await dialog.getByText('Sie bestätigen, dass Ute Unklar die E-Mail erhalten hat.', { exact: false }).waitFor();
    // Changing one's mind leaves everything as it was.
    await dialog.getByRole('button', { name: 'Abbrechen' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByTestId('dispatch-counts').locator('[data-state="uncertain"][data-count="2"]').waitFor();

    await row('Ute Unklar').getByRole('button', { name: 'Als versendet markieren' }).click();
    await page.waitForTimeout(300); // the modal's fade-in, for the screenshot only
    await screenshot(page, 'dispatch-41-als-versendet-bestaetigen');
    await dialog.getByRole('button', { name: 'Ja, ist angekommen' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByTestId('dispatch-counts').locator('[data-state="sent"][data-count="1"]').waitFor();
    await page.getByTestId('dispatch-counts').locator('[data-state="uncertain"][data-count="1"]').waitFor();
    await row('Ute Unklar').waitFor({ state: 'detached' });
    await page.getByText('Versendet (1)').click();
    await row('Ute Unklar').locator('[data-delivery-state="sent"]').waitFor();
    await page.waitForTimeout(500);
    expect(smtp.received.length).toBe(before);
    expect(mailsTo('ute.unklar@example.de')).toBe(1);

    // The invoice now counts as sent: its page says when and to whom.
    const ute = invoices['Ute Unklar'];
    const document: unknown = await api.get(`/api/documents/${ute?.id ?? 0}`);
    expect(document).toMatchObject({ lastSentTo: 'ute.unklar@example.de' });
  });

  it('"Erneut senden" warns about a duplicate, then sends exactly once more', async () => {
    await page.getByText('Ungeklärt (1)').click();
    await row('Otto Offen').getByRole('button', { name: 'Erneut senden' }).click();
    const dialog = page.getByRole('dialog', { name: 'Erneut senden?' });
    await dialog.getByText('erhält Otto Offen sie doppelt', { exact: false }).waitFor();
    await dialog.getByRole('button', { name: 'Abbrechen' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(mailsTo('otto.offen@example.de')).toBe(1);

    await row('Otto Offen').getByRole('button', { name: 'Erneut senden' }).click();
    await page.waitForTimeout(300); // the modal's fade-in, for the screenshot only
    await screenshot(page, 'dispatch-42-erneut-senden-bestaetigen');
    await dialog.getByRole('button', { name: 'Ja, erneut senden' }).click();
    await until(() => mailsTo('otto.offen@example.de') === 2, 20_000);
    await page.getByTestId('dispatch-counts').locator('[data-state="sent"][data-count="2"]').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.getByTestId('dispatch-status').textContent(), { timeout: 20_000 }).toBe('Abgeschlossen');
    expect(await page.getByTestId('dispatch-counts').locator('[data-state="uncertain"]').count()).toBe(0);
    await page.getByText('Versendet (2)').click();
    await row('Otto Offen').locator('[data-delivery-state="sent"]').waitFor();
    await screenshot(page, 'dispatch-43-ungeklaert-entschieden');
    // Ute was not sent again by Otto's retry.
    expect(mailsTo('ute.unklar@example.de')).toBe(1);
  });

  it("the invoice's page shows its send history with the dispatch", async () => {
    const otto = invoices['Otto Offen'];
    await page.goto(`/documents/${otto?.id ?? 0}`);
    const history = page.getByTestId('send-history');
    await history.locator('tr[data-state="sent"]').getByText('otto.offen@example.de').waitFor();
    await history.getByRole('link', { name: `Versandauftrag ${dispatchId}` }).first().waitFor();
    await screenshot(page, 'dispatch-44-versandverlauf');
    // The customer's Dokumente tab opens the same history per row.
    await page.getByRole('link', { name: /Otto Offen/ }).first().click();
    await page.waitForURL(/\/customers\/\d+\?tab=documents/);
    await page.getByRole('button', { name: `Versandverlauf von ${otto?.number ?? ''}` }).click();
    await page.getByTestId(`send-history-${otto?.id ?? 0}`).getByText('otto.offen@example.de').first().waitFor();
    await page.waitForTimeout(400); // the row's expansion animation, for the screenshot only
    await screenshot(page, 'dispatch-45-kunde-versandverlauf');
  });
});
