import { singleLineText } from './text-input.ts';

/**
 * A practical address check: one @, a dot in the domain, no spaces or control characters. Stricter
 * RFC 5322 parsing rejects addresses real mail servers accept; looser checks let typos like
 * "max@mustermann" through, which would bounce.
 */
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

export function isValidEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value) && !/\.\./.test(value) && /\.[A-Za-z]{2,}$/.test(value);
}

export const SALUTATIONS = ['Herr', 'Frau', 'Divers', 'Firma', ''] as const;

export interface CustomerName {
  salutation: string | null;
  firstName: string | null;
  lastName: string | null;
  companyName: string | null;
}

/**
 * "Firma Muster GmbH" or "Erika Mustermann" — how a customer is addressed on documents and lists.
 * Senden writes it into each delivery in SQL (src/dispatch/queue.ts): change both together.
 */
export function customerDisplayName(c: CustomerName): string {
  if (c.companyName) return c.companyName;
  return [c.firstName, c.lastName].filter(Boolean).join(' ');
}

export const customerNameRule = (c: CustomerName): boolean => Boolean(c.companyName?.trim() || c.lastName?.trim());

/** Formats a customer number from a counter: K-00042. */
export function formatCustomerNumber(counter: number): string {
  return `K-${String(counter).padStart(5, '0')}`;
}

export const emailSchema = singleLineText({ max: 254 }).refine(isValidEmail, { message: 'is not a valid e-mail address' });
