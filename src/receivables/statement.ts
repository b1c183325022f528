import { createHash } from 'node:crypto';
import { AppError } from '../domain/errors.ts';

/** A bank statement as Faktura reads it, whatever the file format was. */
export interface ParsedStatement {
  format: 'camt053' | 'csv';
  /** identifies the statement across imports: account + the bank's statement id, or the file's hash */
  statementKey: string;
  accountIban: string | null;
  statementRef: string | null;
  fromDate: string | null;
  toDate: string | null;
  entries: ParsedEntry[];
  /** entries the bank has not booked yet (camt.053 status PDNG): they come again once booked */
  pending: number;
}

export interface ParsedEntry {
  /** unique across statements: the same booking in an overlapping statement has the same key */
  entryKey: string;
  bookingDate: string;
  valueDate: string | null;
  /** credits positive, debits negative */
  amountCents: number;
  currency: string;
  counterpartyName: string | null;
  counterpartyIban: string | null;
  remittance: string | null;
  endToEndId: string | null;
  bankReference: string | null;
  /** a reversal (Rücklastschrift, Storno of a credit): never matched as a payment */
  reversal: boolean;
  /** where it is in the file, for messages: `line 12` or `Stmt[1]/Ntry[3]` */
  where: string;
}

export const statementError = (code: string, message: string, where?: { line?: number; element?: string }): AppError =>
  new AppError('validation', code, where?.element ? `${message} (${where.element}${where.line ? `, line ${where.line}` : ''})` : where?.line ? `line ${where.line}: ${message}` : message, {
    ...(where?.line ? { row: where.line } : {}),
    ...(where?.element ? { field: where.element } : {}),
    meta: { line: where?.line ?? '', element: where?.element ?? '' },
  });

/** "1234.5" / "1234,50" as written in a statement → cents; undefined when it is not an amount with at most 2 decimals. */
export function decimalToCents(value: string, decimalSeparator: '.' | ','): number | undefined {
  let text = value.trim().replace(/\s/g, '').replace(/€|EUR$/i, '');
  if (decimalSeparator === ',') text = text.replace(/\./g, '').replace(',', '.');
  else text = text.replace(/,/g, '');
  const match = /^([+-]?)(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) return undefined;
  const [, sign = '', whole = '0', fraction = ''] = match;
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  if (!Number.isSafeInteger(cents)) return undefined;
  return sign === '-' ? -cents : cents;
}

/**
 * A key for an entry the bank gave no reference for: its content, plus how many equal entries
 * came before it in the same file (two 50,00 € payments by the same person on one day are two).
 */
export function contentKey(prefix: string, parts: readonly (string | number | null)[], seen: Map<string, number>): string {
  const hash = createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
  const n = (seen.get(hash) ?? 0) + 1;
  seen.set(hash, n);
  return `${prefix}:${hash}#${n}`;
}

export const normalizeIban = (value: string | null | undefined): string | null => {
  const iban = value?.replace(/\s/g, '').toUpperCase();
  return iban ? iban : null;
};

/** A text field from a statement: whitespace runs collapsed, trimmed, empty → null, at most `max` characters. */
export function cleanText(value: string | null | undefined, max = 1000): string | null {
  // eslint-disable-next-line no-control-regex -- control characters in a bank file never belong in a stored text
  const text = value?.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return text ? text.slice(0, max) : null;
}
