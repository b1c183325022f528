import type { TFunction } from 'i18next';
import type { DocumentListItem, Locale } from '../../api/types';
import { csvFile } from '../../../../src/domain/csv.ts';

/** Mehr → CSV export of the loaded evaluation list. */
export function csvOf(t: TFunction, locale: Locale, items: DocumentListItem[]): string {
  const head = ['number', 'type', 'date', 'customerNumber', 'customer', 'email', 'byPost', 'net', 'total', 'status', 'lastSent', 'lastSentTo'].map((k) => t(`dispatchUi.evaluations.csv.${k}`));
  const money = (cents: number) => (cents / 100).toFixed(2).replace('.', locale === 'de' ? ',' : '.');
  const rows = items.map((d) => [
    d.number ?? '', t(`documents.type.${d.type}`), d.issueDate, d.customerNumber, d.customerName, d.customerEmail ?? '', d.invoiceByPost ? t('dispatchUi.yes') : t('dispatchUi.no'), money(d.netCents), money(d.grossCents), t(`documents.status.${d.status}`), d.lastSentAt ?? '', d.lastSentTo ?? '',
  ]);
  // BOM + semicolons: what German Excel opens correctly by double-click; the one CSV writer
  // (formula cells neutralised, amounts stay numbers).
  return csvFile(head, rows);
}
