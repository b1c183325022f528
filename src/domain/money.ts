/**
 * Money is integer cents. Every function here guards against non-integers, because a float that
 * slipped in once (0.1 + 0.2) would silently corrupt totals on an invoice.
 */
export type Cents = number;

export function assertCents(value: number, what = 'amount'): Cents {
  if (!Number.isSafeInteger(value)) {
    throw new TypeError(`${what} must be an integer number of cents, got ${value}`);
  }
  return value;
}

/**
 * Divides `numerator / denominator` and rounds half away from zero ("kaufmännisches Runden"),
 * exactly, on big integers — the rounding German invoices and EN 16931 expect.
 */
export function divRoundHalfAwayFromZero(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const negative = numerator < 0n;
  const abs = negative ? -numerator : numerator;
  const rounded = (abs * 2n + denominator) / (denominator * 2n);
  return negative ? -rounded : rounded;
}

const moneyFormatters = new Map<string, Intl.NumberFormat>();

/** `123456` → `1.234,56 €` (de) or `€1,234.56` (en). */
export function formatMoney(cents: Cents, locale: 'de' | 'en', currency = 'EUR'): string {
  assertCents(cents);
  const key = `${locale}:${currency}`;
  let formatter = moneyFormatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale === 'de' ? 'de-DE' : 'en-GB', { style: 'currency', currency });
    moneyFormatters.set(key, formatter);
  }
  return formatter.format(cents / 100);
}

/** Parses a decimal string as written in German or English ("1.234,56", "1234.56", "12,5") into cents. */
export function parseMoneyToCents(input: string): Cents | undefined {
  const trimmed = input.trim().replace(/\s|€/g, '');
  if (!/^-?[\d.,]+$/.test(trimmed)) return undefined;
  const lastComma = trimmed.lastIndexOf(',');
  const lastDot = trimmed.lastIndexOf('.');
  const decimalSep = lastComma > lastDot ? ',' : lastDot > -1 && trimmed.length - lastDot - 1 !== 3 ? '.' : lastComma > -1 ? ',' : '';
  let normalized = trimmed;
  if (decimalSep === ',') normalized = trimmed.replace(/\./g, '').replace(',', '.');
  else if (decimalSep === '.') normalized = trimmed.replace(/,/g, '');
  else normalized = trimmed.replace(/[.,]/g, '');
  if (!/^-?\d+(\.\d{1,2})?$/.test(normalized)) return undefined;
  const [whole = '0', frac = ''] = normalized.replace('-', '').split('.');
  const cents = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  return normalized.startsWith('-') ? -cents : cents;
}
