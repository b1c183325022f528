import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, login, newPage, screenshot, startApp, type RunningApp } from './harness.ts';
import { Api, startSmtp, until, type TestSmtp } from './dispatch-support.ts';

/**
 * Issue 13 in the browser: the seed's flow with the browser's back button and a second
 * "Senden aller selektierten Rechnungen". No customer ever gets a second e-mail unless a person
 * chooses "Erneut senden" for them — checked on the SMTP server.
 */
describe('Senden twice (back button): nobody gets a second e-mail without "Erneut senden"', () => {
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  let smtp: TestSmtp;
  let api: Api;
  let templateId = 0;
  const row = (name: string) => page.locator(`tr[data-customer="${name}"]`);
  const people: [string, string][] = [
    ['Anna Becker', 'anna.becker@example.de'],
    ['Bernd Schulz', 'bernd.schulz@example.de'],
    ['Carla Wagner', 'carla.wagner@example.de'],
    ['Dieter Ohnemail', ''],
  ];
  const dispatchIdOf = () => Number(/\/dispatch\/(\d+)$/.exec(page.url())?.[1] ?? 0);
  const mailsTo = (address: string) => smtp.received.filter((m) => m.to.includes(address)).length;

  const openEvaluations = async () => {
    await page.goto('/evaluations/documents?loaded=1&type=invoice');
    await page.getByTestId('evaluation-total').getByText('5 Dokumente gefunden').waitFor();
  };
  const selectAllAndStart = async () => {
    // (After the back button the list may still have its selection.)
    if ((await page.getByTestId('evaluation-selection').textContent()) !== '5 ausgewählt') await page.getByLabel('Alle 5 auswählen').click();
    await expect.poll(() => page.getByTestId('evaluation-selection').textContent()).toBe('5 ausgewählt');
    await page.getByRole('button', { name: 'Mehr' }).click();
    await page.getByRole('menuitem', { name: 'Senden aller selektierten Rechnungen' }).click();
    await page.waitForURL(/\/dispatch\/\d+$/, { timeout: 60_000 });
    await row('Anna Becker').waitFor();
  };
  const chooseTemplate = async (id: number) => {
    const response = await page.request.patch(`/api/dispatches/${id}`, { headers: { 'x-csrf-token': await api.csrf() }, data: { templateId } });
    expect(response.status()).toBe(200);
    await page.reload();
    await row('Anna Becker').waitFor();
  };
  const sendAndWait = async () => {
    await page.getByRole('button', { name: 'Senden', exact: true }).click();
    await page.getByTestId('dispatch-progress').waitFor();
    await expect.poll(() => page.getByTestId('dispatch-status').textContent(), { timeout: 30_000 }).toBe('Abgeschlossen');
  };

  beforeAll(async () => {
    [app, browser, smtp] = await Promise.all([startApp(), launchBrowser(), startSmtp()]);
    ({ page } = await newPage(browser, app.url));
    await page.goto('/');
    await login(page);
    await page.waitForURL(/\/customers$/);
    api = new Api(page);
    await api.mailSettings(smtp.port);
    templateId = await api.template('Rechnungsversand', 'Ihre Rechnung {{ documents | map: "number" | join: ", " }}', '{{ customer.greeting }},\n\nanbei Ihre Rechnungen über {{ total | money }}.\n\nHörakustik Sonnenschein');
    for (const [name, email] of people) {
      const [firstName, lastName] = name.split(' ');
      const id = await api.customer({ firstName, lastName, ...(email ? { email } : {}) });
      for (let i = 0; i < (name === 'Anna Becker' ? 2 : 1); i++) await api.invoice(id, `Hörgeräteanpassung ${i + 1}`, 12_900 + i * 1000);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await smtp?.close();
  });

  it('back button + the same click again opens the same draft; the header box marks all, Strg + drag marks a range', async () => {
    await openEvaluations();
    await selectAllAndStart();
    const first = dispatchIdOf();
    await page.goBack();
    await page.getByTestId('evaluation-total').getByText('5 Dokumente gefunden').waitFor();
    await selectAllAndStart();
    // The same draft, and the page says so: never a silent second copy.
    expect(dispatchIdOf()).toBe(first);
    await page.getByText(`Diese Rechnungen sind bereits im Versandauftrag ${first} – er wurde geöffnet (0 neu hinzugefügt).`).waitFor();
    await screenshot(page, 'dispatch-30-derselbe-entwurf');

    const badge = page.getByTestId('recipient-selection');
    await page.getByLabel('Alle 4 Kunden der Liste markieren (alle Seiten)').click();
    await expect.poll(() => badge.textContent()).toBe('4 markiert');
    await page.getByLabel('Alle 4 Kunden der Liste markieren (alle Seiten)').click();
    await expect.poll(() => badge.textContent()).toBe('0 markiert');

    // Strg + drag from the first to the third row marks the three (the seed's multiple selection).
    const box = async (name: string) => {
      const b = await row(name).locator('td').nth(1).boundingBox();
      if (!b) throw new Error(`no box for ${name}`);
      return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
    };
    const names = await page.locator('tbody tr[data-customer]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-customer') ?? ''));
    const [a, , c] = [await box(names[0] ?? ''), await box(names[1] ?? ''), await box(names[2] ?? '')];
    await page.keyboard.down('Control');
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move(c.x, c.y, { steps: 8 });
    await page.mouse.up();
    await page.keyboard.up('Control');
    await expect.poll(() => badge.textContent()).toBe('3 markiert');
    expect(await page.locator('tbody tr[data-customer]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('aria-selected')))).toEqual(['true', 'true', 'true', 'false']);
    await screenshot(page, 'dispatch-31-strg-ziehen');
  });

  it('sends once; back + Senden again blocks every already sent customer until removed or "Erneut senden"', async () => {
    const first = dispatchIdOf();
    await chooseTemplate(first);
    // The Nachrichtentext panel shows what the first customer who can be e-mailed reads; ‹ › steps on.
    const panel = page.getByTestId('dispatch-message-text');
    await page.getByTestId('dispatch-message-text-recipient').getByText('So liest es Anna Becker (Kunde 1 von 3)').waitFor();
    const annaText = (await panel.textContent()) ?? '';
    const annaSubject = (await page.getByTestId('dispatch-message-text-subject').textContent()) ?? '';
    expect(annaText).not.toContain('{{');
    await page.getByRole('button', { name: 'Nächster Kunde' }).click();
    await page.getByTestId('dispatch-message-text-recipient').getByText('So liest es Bernd Schulz (Kunde 2 von 3)').waitFor();
    await screenshot(page, 'dispatch-36-nachrichtentext-gerendert');
    await page.getByRole('button', { name: 'Alle nicht versandfähigen entfernen' }).click();
    await page.getByText('1 nicht versandfähiger Kunde entfernt (1 ohne E-Mail), 0 Dokumente herausgenommen.').waitFor();
    await sendAndWait();
    await until(() => smtp.received.length === 3);
    for (const [, email] of people.slice(0, 3)) expect(mailsTo(email)).toBe(1);
    // The preview was the e-mail: subject and text as Anna received them.
    const annaMail = smtp.received.find((m) => m.to.includes('anna.becker@example.de'));
    expect(annaMail?.subject).toBe(annaSubject);
    expect(annaMail?.text.trim()).toBe(annaText.trim());

    // The browser's back button, and the same selection and click once more.
    await openEvaluations();
    await selectAllAndStart();
    const second = dispatchIdOf();
    expect(second).not.toBe(first);
    await row('Anna Becker').getByText(new RegExp(`bereits versendet am .* an anna\\.becker@example\\.de \\(Versandauftrag ${first}\\)`)).waitFor();
    expect(await row('Bernd Schulz').getAttribute('data-blocked')).toBe('true');
    await chooseTemplate(second);
    await screenshot(page, 'dispatch-32-bereits-versendet');

    // Senden: the Unvollständigkeitshinweis, and nothing is sent.
    await page.getByRole('button', { name: 'Senden', exact: true }).click();
    const notice = page.getByRole('dialog', { name: 'Unvollständigkeitshinweis' });
    await notice.getByText('3 Kunden mit bereits versendeten Rechnungen').waitFor();
    await page.waitForTimeout(300); // the modal's fade-in, for the screenshot only
    await screenshot(page, 'dispatch-33-unvollstaendig-bereits-versendet');
    await notice.getByRole('button', { name: 'Schließen', exact: true }).last().click();
    await notice.waitFor({ state: 'hidden' });
    expect(((await api.get(`/api/dispatches/${second}`)) as { status: string }).status).toBe('draft');
    expect(smtp.received).toHaveLength(3);

    // "Erneut senden" for Anna only; the others go with "Alle nicht versandfähigen entfernen".
    await row('Anna Becker').getByText('Anna Becker').click();
    await page.getByRole('button', { name: 'Erneut senden', exact: true }).click();
    await row('Anna Becker').getByText(/wird erneut gesendet/).waitFor();
    await page.getByRole('button', { name: 'Alle nicht versandfähigen entfernen' }).click();
    await page.getByText('3 nicht versandfähige Kunden entfernt (1 ohne E-Mail, 2 bereits versendet), 0 Dokumente herausgenommen.').waitFor();
    await screenshot(page, 'dispatch-34-erneut-senden');
    await sendAndWait();
    await until(() => smtp.received.length === 4);
    expect(mailsTo('anna.becker@example.de')).toBe(2);
    expect(mailsTo('bernd.schulz@example.de')).toBe(1);
    expect(mailsTo('carla.wagner@example.de')).toBe(1);
    const report = await page.request.get(`/api/dispatches/${second}/report.csv`);
    expect((await report.text()).split('\r\n').find((l) => l.includes('anna.becker@example.de'))).toMatch(/;erneut gesendet$/);
  });

  it('Verwerfen asks, discards the draft and frees its invoices; the history lists drafts apart', async () => {
    await openEvaluations();
    await selectAllAndStart();
    const third = dispatchIdOf();
    await page.goto('/dispatches');
    await page.getByText('Entwürfe (1)').click();
    // A draft shows when it was created, not a start time.
    await page.getByRole('columnheader', { name: 'Angelegt' }).waitFor();
    await page.locator(`tr[data-dispatch="${third}"]`).getByText('Entwurf').waitFor();
    await screenshot(page, 'dispatch-35-entwuerfe');
    await page.locator(`tr[data-dispatch="${third}"]`).click();
    await page.waitForURL(new RegExp(`/dispatch/${third}$`), { timeout: 60_000 });
    await page.getByRole('button', { name: 'Verwerfen' }).click();
    const confirm = page.getByRole('dialog', { name: `Versandauftrag ${third} verwerfen?` });
    await confirm.getByText('Der Entwurf mit 4 Kunden wird gelöscht; es wurde nichts gesendet.', { exact: false }).waitFor();
    await confirm.getByRole('button', { name: 'Ja, verwerfen' }).click();
    await page.waitForURL(/\/dispatches$/, { timeout: 60_000 });
    await page.getByText('Entwürfe (0)').waitFor();
    expect((await page.request.get(`/api/dispatches/${third}`)).status()).toBe(404);
    expect(smtp.received).toHaveLength(4);
  });
});
