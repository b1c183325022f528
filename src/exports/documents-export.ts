import { sql } from 'kysely';
import type { Executor } from '../commands/context.ts';
import { filteredDocuments, resolveSearch, type DocumentFilter, type DocumentSort } from '../commands/documents.ts';
import type { DocumentStatus, DocumentType } from '../domain/document.ts';

/**
 * The Auswertungen export (Rechnungen, Angebote): the selected documents in the list's order,
 * read in pages so that 100,000 rows are never held at once, and written as the user reads them
 * — dates dd.mm.yyyy, times in the user's time zone, amounts as numbers with a decimal comma in
 * German, types and states in words.
 */

export type ExportLocale = 'de' | 'en';
export type ExportSelection = { documentIds: number[] } | { filter: DocumentFilter; excludeDocumentIds?: number[] | undefined };

/** One cell: text (neutralised against formulas when written) or an amount in cents (always a number). */
export type ExportCell = { text: string } | { cents: number } | { date: string } | { dateTime: string };

const LABELS = {
  de: {
    columns: ['Nummer', 'Typ', 'Datum', 'Kundennummer', 'Kunde', 'E-Mail', 'Rechnung per Post', 'Netto', 'Brutto', 'Status', 'Zuletzt versendet', 'Versendet an'],
    type: { invoice: 'Rechnung', quote: 'Angebot', creditNote: 'Stornorechnung' } satisfies Record<DocumentType, string>,
    status: { draft: 'Entwurf', final: 'Festgeschrieben', cancelled: 'Storniert' } satisfies Record<DocumentStatus, string>,
    yes: 'Ja',
    no: 'Nein',
    draftNumber: 'Entwurf',
    sheet: 'Rechnungen, Angebote',
    file: 'Rechnungen-Angebote',
  },
  en: {
    columns: ['Number', 'Type', 'Date', 'Customer number', 'Customer', 'E-mail', 'Invoice by post', 'Net', 'Gross', 'Status', 'Last sent', 'Sent to'],
    type: { invoice: 'Invoice', quote: 'Quote', creditNote: 'Credit note' } satisfies Record<DocumentType, string>,
    status: { draft: 'Draft', final: 'Final', cancelled: 'Cancelled' } satisfies Record<DocumentStatus, string>,
    yes: 'Yes',
    no: 'No',
    draftNumber: 'Draft',
    sheet: 'Invoices, quotes',
    file: 'Invoices-quotes',
  },
} as const;

export const exportLabels = (locale: ExportLocale) => LABELS[locale];

/** Rows read per query. */
export const EXPORT_PAGE = 2000;

const SORT_COLUMN = {
  issueDate: 'd.issue_date',
  number: 'd.number',
  customer: sql<string>`coalesce(c.company_name, c.last_name)`,
  total: 'd.gross_cents',
  status: 'd.status',
  lastSentAt: 'd.last_sent_at',
  dueDate: 'd.due_date',
} as const;

/** The header and then one row of cells per selected document, a page at a time, in the list's order (sort, then id). */
export async function* documentExportRows(db: Executor, selection: ExportSelection, order: { sort: DocumentSort; order: 'asc' | 'desc' }, locale: ExportLocale, pageSize = EXPORT_PAGE): AsyncGenerator<ExportCell[][]> {
  const labels = LABELS[locale];
  yield [labels.columns.map((text) => ({ text }))];
  const filter = 'filter' in selection ? selection.filter : {};
  const search = await resolveSearch(db, filter.q);
  for (let offset = 0; ; offset += pageSize) {
    let query = filteredDocuments(db, filter, search).select([
      'd.id',
      'd.type',
      'd.number',
      'd.status',
      'd.issue_date',
      'c.number as customer_number',
      'c.first_name',
      'c.last_name',
      'c.company_name',
      'c.email',
      'c.invoice_by_post',
      'd.net_cents',
      'd.gross_cents',
      'd.last_sent_at',
      'd.last_sent_to',
    ]);
    if ('documentIds' in selection) query = query.where('d.id', 'in', selection.documentIds);
    else if (selection.excludeDocumentIds?.length) query = query.where('d.id', 'not in', [...new Set(selection.excludeDocumentIds)]);
    const rows = await query.orderBy(SORT_COLUMN[order.sort], order.order).orderBy('d.id', order.order).limit(pageSize).offset(offset).execute();
    yield rows.map((r): ExportCell[] => [
      { text: r.number ?? labels.draftNumber },
      { text: labels.type[r.type] },
      { date: r.issue_date },
      { text: r.customer_number },
      { text: r.company_name ?? [r.first_name, r.last_name].filter(Boolean).join(' ') },
      { text: r.email ?? '' },
      { text: r.invoice_by_post === 1 ? labels.yes : labels.no },
      { cents: r.net_cents },
      { cents: r.gross_cents },
      { text: labels.status[r.status] },
      r.last_sent_at ? { dateTime: r.last_sent_at } : { text: '' },
      { text: r.last_sent_to ?? '' },
    ]);
    if (rows.length < pageSize) return;
  }
}

/** `2026-11-02` → `02.11.2026` (de) / `02/11/2026` (en). */
export function formatExportDate(iso: string, locale: ExportLocale): string {
  const [y, m, d] = iso.slice(0, 10).split('-');
  return locale === 'de' ? `${d}.${m}.${y}` : `${d}/${m}/${y}`;
}

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

/** A UTC timestamp as the user's wall clock: `02.11.2026 14:05` (de) / `02/11/2026 14:05` (en). */
export function formatExportDateTime(iso: string, locale: ExportLocale, timeZone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  let f = dateTimeFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    dateTimeFormats.set(timeZone, f);
  }
  const part = (type: string) => f.formatToParts(date).find((p) => p.type === type)?.value ?? '';
  return `${formatExportDate(`${part('year')}-${part('month')}-${part('day')}`, locale)} ${part('hour')}:${part('minute')}`;
}

/** Is this an IANA time zone this Node knows? */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
