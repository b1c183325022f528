import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from './dispatch-support.ts';
import { launchBrowser, login, newPage, screenshot, startApp, type RunningApp } from './harness.ts';

/** A camt.053 statement with the given credits, as a bank would export it. */
function camt(entries: { ref: string; amount: string; name: string; text: string }[]): string {
  const ntry = entries
    .map(
      (e) => `<Ntry><Amt Ccy="EUR">${e.amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-27</Dt></BookgDt><AcctSvcrRef>${e.ref}</AcctSvcrRef>
<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>${e.name}</Nm></Dbtr></RltdPties><RmtInf><Ustrd>${e.text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>1</MsgId><CreDtTm>2026-11-28T06:00:00+01:00</CreDtTm></GrpHdr>
<Stmt><Id>STMT-1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
${ntry}
</Stmt></BkToCstmrStmt></Document>`;
}

describe('receivables in the browser: import → review → paid', () => {
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  let api: Api;
  const invoices: Record<string, { id: number; number: string; customerId: number }> = {};

  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    ({ page } = await newPage(browser, app.url));
    await page.goto('/login');
    await login(page);
    await page.waitForURL(/\/customers$/);
    api = new Api(page);
    // an invoice is finalised only for a company that can be identified (EN 16931 BR-CO-26)
    await api.send('PUT', '/api/company', { name: 'Hörakustik Sonnenschein GmbH', street: 'Lindenallee 5', postcode: '50667', city: 'Köln', taxNumber: '214/5678/9012', iban: 'DE89 3704 0044 0532 0130 00', paymentTermsDays: 14 });
    for (const [key, firstName, lastName, net] of [
      ['mueller', 'Erika', 'Müller', 10_000],
      ['becker', 'Klaus', 'Becker', 50_000],
      ['fischer', 'Anna', 'Fischer', 20_000],
    ] as const) {
      const customerId = await api.customer({ firstName, lastName, email: `${key}@example.de`, street: 'Hauptstraße 1', postcode: '50667', city: 'Köln' });
      invoices[key] = { ...(await api.invoice(customerId, 'Hörgeräteanpassung', net)), customerId };
    }
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const panelState = (p: Page) => p.getByTestId('payments-panel').getAttribute('data-state');

  it('imports a statement: the clear payment is booked, the unclear one waits for review', async () => {
    await page.getByRole('link', { name: 'Zahlungseingänge' }).click();
    await page.getByRole('heading', { name: 'Zahlungseingänge', level: 2 }).waitFor();
    await page.getByTestId('review-empty').waitFor();
    const xml = camt([
      { ref: 'A1', amount: '119.00', name: 'Erika Mueller', text: `Rechnung ${invoices['mueller']?.number ?? ''}` },
      { ref: 'A2', amount: '595.00', name: 'Sonnenschein Versicherung AG', text: 'Erstattung Schaden 4711' },
    ]);
    await page.locator('input[type=file]').setInputFiles({ name: 'auszug.xml', mimeType: 'application/xml', buffer: Buffer.from(xml) });
    await page.getByRole('button', { name: 'Einlesen' }).click();
    await page.getByTestId('import-result').filter({ hasText: '1 gebucht, 1 zu prüfen, 0 schon bekannt' }).waitFor();
    await page.getByTestId('booked-payments').getByRole('link', { name: `${invoices['mueller']?.number ?? ''} (119,00\u00a0€)` }).waitFor();
    const entry = page.getByTestId('review-entry');
    await entry.getByText('Nur der Betrag passt').waitFor();
    await entry.getByText('Erstattung Schaden 4711').waitFor();
    // the proposal: Becker's invoice, the only one with that amount open, already ticked
    await expect(entry.getByRole('checkbox', { name: invoices['becker']?.number ?? '' }).isChecked()).resolves.toBe(true);
    await entry.getByText('Zugeordnet: 595,00 € von 595,00 €').waitFor();
    await screenshot(page, 'receivables-01-review');
  });

  it('books the confirmed credit; the invoice is paid, and importing again books nothing', async () => {
    await page.getByTestId('review-entry').getByRole('button', { name: 'Bestätigen' }).click();
    await page.getByTestId('review-empty').waitFor();

    const xml = camt([
      { ref: 'A1', amount: '119.00', name: 'Erika Mueller', text: `Rechnung ${invoices['mueller']?.number ?? ''}` },
      { ref: 'A2', amount: '595.00', name: 'Sonnenschein Versicherung AG', text: 'Erstattung Schaden 4711' },
    ]);
    await page.locator('input[type=file]').setInputFiles({ name: 'auszug.xml', mimeType: 'application/xml', buffer: Buffer.from(xml) });
    await page.getByRole('button', { name: 'Einlesen' }).click();
    await page.getByTestId('import-result').filter({ hasText: '0 gebucht, 0 zu prüfen, 2 schon bekannt' }).waitFor();
    await page.getByText('Dieser Kontoauszug wurde schon eingelesen').waitFor();

    await page.goto(`/documents/${invoices['becker']?.id}`);
    await page.getByTestId('payments-panel').waitFor();
    expect(await panelState(page)).toBe('paid');
    await page.getByTestId('payments-panel').getByText('bezahlt', { exact: true }).waitFor();
    await expect(page.getByTestId('open-amount').textContent()).resolves.toBe('0,00\u00a0€');
    await page.getByTestId('payments-panel').getByText('Erstattung Schaden 4711').waitFor();
    await screenshot(page, 'receivables-02-invoice-paid');

    await page.goto(`/documents/${invoices['mueller']?.id}`);
    await page.getByTestId('payments-panel').waitFor();
    expect(await panelState(page)).toBe('paid');
  });

  it('records a cash payment by hand: partly paid, then the customer account shows the rest', async () => {
    await page.goto(`/documents/${invoices['fischer']?.id}`);
    const panel = page.getByTestId('payments-panel');
    await panel.waitFor();
    expect(await panelState(page)).toBe('open');
    await panel.getByLabel('Betrag', { exact: true }).fill('100,00');
    await panel.getByLabel('Verwendungszweck / Notiz').fill('Anzahlung an der Kasse');
    await panel.getByRole('button', { name: 'Zahlung buchen' }).click();
    await page.locator('[data-testid="payments-panel"][data-state="partlyPaid"]').waitFor();
    // 200,00 net + 19 % = 238,00; 100,00 paid
    await expect(page.getByTestId('open-amount').textContent()).resolves.toBe('138,00\u00a0€');
    await screenshot(page, 'receivables-03-partly-paid');

    await page.goto(`/customers/${invoices['fischer']?.customerId}?tab=account`);
    await page.getByTestId('customer-account').waitFor();
    await expect(page.getByTestId('account-balance').textContent()).resolves.toBe('138,00\u00a0€');
    await page.getByTestId('customer-account').getByText('teilweise bezahlt').waitFor();
    await page.getByTestId('customer-account').getByText('Anzahlung an der Kasse').waitFor();
    await screenshot(page, 'receivables-04-account');
  });

  it('Auswertungen: "Zahlung: offen" lists what is still owed, with "fällig am" and "offen"', async () => {
    await page.goto('/evaluations/documents');
    await page.getByLabel('Zahlung', { exact: true }).first().click();
    await page.getByRole('option', { name: 'offen', exact: true }).click();
    await page.getByRole('button', { name: 'Laden' }).click();
    const row = page.locator(`tbody tr[data-document="${invoices['fischer']?.number ?? ''}"]`);
    await row.waitFor();
    await page.getByRole('columnheader', { name: 'Fällig am' }).waitFor();
    await row.getByText('138,00\u00a0€').waitFor();
    // the paid invoices are not in the list
    expect(await page.locator('tbody tr[data-document]').count()).toBe(1);
    await screenshot(page, 'receivables-05-auswertungen-offen');
  });
});
