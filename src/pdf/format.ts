import type { Language } from '../domain/document.ts';
import { formatMoney } from '../domain/money.ts';

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(language: Language, maxFraction: number, minFraction = 0): Intl.NumberFormat {
  const key = `${language}:${minFraction}:${maxFraction}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(language === 'de' ? 'de-DE' : 'en-GB', { minimumFractionDigits: minFraction, maximumFractionDigits: maxFraction });
    numberFormats.set(key, f);
  }
  return f;
}

export const money = (cents: number, language: Language): string => formatMoney(cents, language);

/** 1500 thousandths → "1,5" (de) / "1.5" (en); exact because the value has at most 3 decimals. */
export function quantity(quantityMilli: number, language: Language): string {
  return numberFormat(language, 3).format(quantityMilli / 1000);
}

/** 19 → "19 %" (de, with the space DIN 5008 asks for) / "19%" (en). */
export function percent(value: number, language: Language): string {
  const n = numberFormat(language, 2).format(value);
  return language === 'de' ? `${n}\u00a0%` : `${n}%`;
}

const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A calendar date `YYYY-MM-DD` → "27.11.2026" (de, DIN 5008) / "27 Nov 2026" (en); no time zone involved. */
export function date(iso: string, language: Language): string {
  const [y, m, d] = iso.split('-');
  if (!y || !m || !d) return iso;
  if (language === 'de') return `${d}.${m}.${y}`;
  return `${Number(d)} ${MONTHS_EN[Number(m) - 1] ?? m} ${y}`;
}

const countryNames = new Map<Language, Intl.DisplayNames>();

export function countryName(code: string, language: Language): string {
  let names = countryNames.get(language);
  if (!names) {
    names = new Intl.DisplayNames([language === 'de' ? 'de-DE' : 'en-GB'], { type: 'region' });
    countryNames.set(language, names);
  }
  return names.of(code) ?? code;
}
