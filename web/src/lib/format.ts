import { formatMoney as formatMoneyDomain } from '../../../src/domain/money.ts';
import type { Locale } from '../api/types';

/** Money as the locale writes it: `1.234,56 €` (de) or `€1,234.56` (en); the same function the PDFs use. */
export function formatMoney(cents: number, locale: Locale): string {
  return formatMoneyDomain(cents, locale);
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: Locale, withTime: boolean): Intl.DateTimeFormat {
  const key = `${locale}:${withTime}`;
  let f = dateFormatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale === 'de' ? 'de-DE' : 'en-GB', withTime ? { dateStyle: 'medium', timeStyle: 'short' } : { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' });
    dateFormatters.set(key, f);
  }
  return f;
}

/** A calendar date (`2025-03-01`) → `01.03.2025` / `01/03/2025`; calendar dates have no time zone. */
export function formatDate(isoDate: string | null | undefined, locale: Locale): string {
  if (!isoDate) return '';
  const date = new Date(`${isoDate.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? isoDate : formatter(locale, false).format(date);
}

/** A UTC timestamp shown in the user's time zone. */
export function formatDateTime(iso: string | null | undefined, locale: Locale): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : formatter(locale, true).format(date);
}

/** `1.5` → `1,5` (de) / `1.5` (en), up to 3 decimals. */
export function formatQuantity(value: number, locale: Locale): string {
  return new Intl.NumberFormat(locale === 'de' ? 'de-DE' : 'en-GB', { maximumFractionDigits: 3 }).format(value);
}

/** Today's calendar date in the user's time zone, as the API expects it. */
export function todayIso(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
