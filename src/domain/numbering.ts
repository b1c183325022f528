import { validationError } from './errors.ts';
import type { DocumentType } from './document.ts';

export const DEFAULT_NUMBER_PATTERNS: Record<DocumentType, string> = {
  invoice: 'RE-{YYYY}-{NNNNN}',
  quote: 'AN-{YYYY}-{NNNNN}',
  creditNote: 'GS-{YYYY}-{NNNNN}',
};

const TOKEN = /\{(YYYY|YY|MM|N+)\}/g;

/**
 * Validates a number pattern such as `RE-{YYYY}-{NNNNN}`: it must contain exactly one counter
 * `{N…}`; `{YYYY}`, `{YY}` and `{MM}` are optional. Anything else in braces is rejected.
 */
export function validateNumberPattern(pattern: string, field = 'numberPattern'): void {
  const braces = pattern.match(/\{[^}]*\}/g) ?? [];
  for (const token of braces) {
    if (!/^\{(YYYY|YY|MM|N+)\}$/.test(token)) {
      throw validationError('company.numberPatternInvalid', `${field}: unknown placeholder ${token} (allowed: {YYYY}, {YY}, {MM}, {NNNN…})`, field);
    }
  }
  const counters = braces.filter((t) => t.startsWith('{N'));
  if (counters.length !== 1) {
    throw validationError('company.numberPatternInvalid', `${field} must contain exactly one counter such as {NNNNN}`, field);
  }
  if (pattern.length > 40 || /[\r\n/\\]/.test(pattern)) {
    throw validationError('company.numberPatternInvalid', `${field} must be at most 40 characters without slashes or line breaks`, field);
  }
}

/** Formats the `counter`-th number of a sequence for a document issued on `isoDate`. */
export function formatDocumentNumber(pattern: string, isoDate: string, counter: number): string {
  const year = isoDate.slice(0, 4);
  const month = isoDate.slice(5, 7);
  return pattern.replace(TOKEN, (_match, token: string) => {
    if (token === 'YYYY') return year;
    if (token === 'YY') return year.slice(2);
    if (token === 'MM') return month;
    return String(counter).padStart(token.length, '0');
  });
}

/** Sequences are per type and year: the counter restarts each calendar year of the issue date. */
export function sequenceYear(isoDate: string): number {
  return Number(isoDate.slice(0, 4));
}
