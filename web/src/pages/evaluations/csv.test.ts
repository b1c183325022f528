import { parse } from 'csv-parse/sync';
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import type { DocumentListItem } from '../../api/types';
import de from '../../i18n/de.json';
import dispatchDe from '../../i18n/dispatch.de.json';
import { csvOf } from './csv';

const item = (overrides: Partial<DocumentListItem>): DocumentListItem => ({
  id: 1, type: 'invoice', number: 'RE-2026-00001', status: 'final', issueDate: '2026-11-02', dueDate: null, grossCents: 226_100, lastSentAt: null, lastSentTo: null,
  customerId: 1, customerNumber: 'K-1', customerName: 'Erika Mustermann', customerEmail: 'erika@example.de', invoiceByPost: false, netCents: 190_000, openCents: null,
  ...overrides,
});

describe('the evaluation list CSV export (Mehr → CSV)', () => {
  it('goes through the one CSV writer: formula cells neutralised, amounts stay numbers', async () => {
    const i18n = i18next.createInstance();
    await i18n.init({ resources: { de: { translation: { ...de, dispatchUi: dispatchDe } } }, lng: 'de', interpolation: { escapeValue: false } });
    const file = csvOf(i18n.t, 'de', [
      item({}),
      item({ id: 2, type: 'creditNote', number: 'GS-2026-00001', customerName: '=HYPERLINK("http://evil.example";"klick")', customerNumber: '+K-2', customerEmail: 'a@b.de, @SUM(1)', netCents: -1_250, grossCents: -1_488 }),
    ]);
    expect(file.startsWith('\uFEFF')).toBe(true);
    const [head, first, second]: string[][] = parse(file, { delimiter: ';', bom: true });
    expect(head?.[0]).toBe(i18n.t('dispatchUi.evaluations.csv.number'));
    expect(first).toEqual(['RE-2026-00001', 'Rechnung', '2026-11-02', 'K-1', 'Erika Mustermann', 'erika@example.de', i18n.t('dispatchUi.no'), '1900,00', '2261,00', i18n.t('documents.status.final'), '', '']);
    expect(second?.[3]).toBe("'+K-2");
    expect(second?.[4]).toBe('\'=HYPERLINK("http://evil.example";"klick")');
    expect(second?.[5]).toBe("a@b.de, '@SUM(1)");
    // a credit note's negative amounts are numbers, not neutralised text
    expect(second?.slice(7, 9)).toEqual(['-12,50', '-14,88']);
  });
});
