import type { Cents } from './money.ts';

/**
 * Matching a bank credit to open invoices, as a bookkeeper would: first by the invoice number
 * in the Verwendungszweck (however the payer wrote it: "RE-2026-00012", "Re 2026 00012",
 * "Rechnung 2026-00012"), then by amount and the payer's name. Only a clear match is booked;
 * everything else goes to the review list with a proposal and the candidates.
 */

export interface OpenInvoice {
  id: number;
  number: string;
  customerName: string;
  openCents: Cents;
  dueDate: string | null;
  issueDate: string;
}

export interface Credit {
  amountCents: Cents;
  remittance: string | null;
  counterpartyName: string | null;
}

export interface Allocation {
  documentId: number;
  amountCents: Cents;
}

export const MATCH_CODES = [
  // booked
  'bank.match.number',
  'bank.match.numberPartial',
  'bank.match.numbers',
  'bank.match.amountAndName',
  // review
  'bank.match.overpayment',
  'bank.match.numbersAmountDiffers',
  'bank.match.ambiguous',
  'bank.match.nameSum',
  'bank.match.amountOnly',
  'bank.match.nameOnly',
  'bank.match.none',
] as const;
export type MatchCode = (typeof MATCH_CODES)[number];

export type MatchResult =
  | { kind: 'book'; code: MatchCode; allocations: Allocation[] }
  | { kind: 'review'; code: MatchCode; allocations: Allocation[]; candidates: number[] };

const SEPARATOR = '[\\s./_:#-]?';
const escape = (c: string): string => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A pattern finding an invoice number in free text: case-insensitive, with or without the
 * separators the payer may have dropped or changed, not inside a longer number (RE-2026-0001 is
 * not found in RE-2026-00012). Numbers with a letter prefix are also found by their digits alone
 * when those are long enough (6+) not to be found by accident.
 */
export function invoiceNumberPatterns(number: string): RegExp[] {
  const pattern = (s: string): RegExp => {
    const chars = [...s.replace(/[^A-Za-z0-9]/g, '')].map(escape);
    return new RegExp(`(?<![A-Za-z0-9])${chars.join(SEPARATOR)}(?![0-9])`, 'i');
  };
  const patterns = [pattern(number)];
  const core = number.replace(/^[^0-9]+/, '');
  if (core !== number && core.replace(/[^0-9]/g, '').length >= 6) {
    const chars = [...core.replace(/[^A-Za-z0-9]/g, '')].map(escape);
    patterns.push(new RegExp(`(?<![0-9])${chars.join(SEPARATOR)}(?![0-9])`, 'i'));
  }
  return patterns;
}

const STOP_WORDS = new Set(['gmbh', 'und', 'herr', 'frau', 'dr', 'prof', 'co', 'kg', 'ohg', 'ag', 'ug', 'ev', 'mbh', 'praxis', 'the', 'von', 'van', 'der', 'die', 'das', 'fuer', 'sepa', 'familie']);

/** Words of a name, spelled the way banks transliterate (Müller → mueller), without legal forms and titles. */
export function nameTokens(name: string | null): Set<string> {
  if (!name) return new Set();
  const spelled = name
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '');
  return new Set(spelled.split(/[^a-z0-9]+/).filter((w) => w.length >= 3 && !STOP_WORDS.has(w)));
}

export function namesMatch(a: Set<string>, b: Set<string>): boolean {
  for (const word of a) if (b.has(word)) return true;
  return false;
}

const byAge = (a: OpenInvoice, b: OpenInvoice): number => (a.dueDate ?? a.issueDate).localeCompare(b.dueDate ?? b.issueDate) || a.id - b.id;

/** Oldest first, each invoice up to what is open; what remains goes on the last one (an overpayment). */
export function allocateOldestFirst(invoices: readonly OpenInvoice[], amountCents: Cents): Allocation[] {
  const sorted = [...invoices].sort(byAge);
  const allocations: Allocation[] = [];
  let rest = amountCents;
  sorted.forEach((invoice, index) => {
    if (rest <= 0) return;
    const amount = index === sorted.length - 1 ? rest : Math.min(rest, invoice.openCents);
    if (amount > 0) allocations.push({ documentId: invoice.id, amountCents: amount });
    rest -= amount;
  });
  return allocations;
}

export interface Matcher {
  match(credit: Credit): MatchResult;
}

/**
 * Prepares the open invoices once for all credits of a statement. Only invoices whose digits
 * occur in the text are tried with their patterns: a pattern allows nothing but separators
 * between the number's characters, so its digits stand together in the text's digits. A
 * statement of 1,000 credits against 5,000 open invoices then costs a few lookups per credit
 * instead of 10 million regular expressions on the server's one thread.
 */
export function createMatcher(open: readonly OpenInvoice[]): Matcher {
  interface Prepared {
    index: number;
    invoice: OpenInvoice;
    patterns: RegExp[] | null;
    digits: string;
  }
  const prepared: Prepared[] = open.map((invoice, index) => ({ index, invoice, patterns: null, digits: invoice.number.replace(/[^0-9]/g, '') }));
  // compiled when first needed: most invoices are never named in a statement
  const patternsOf = (p: Prepared): RegExp[] => (p.patterns ??= invoiceNumberPatterns(p.invoice.number));
  const byName = new Map<string, Prepared[]>();
  for (const p of prepared) for (const word of nameTokens(p.invoice.customerName)) byName.set(word, [...(byName.get(word) ?? []), p]);
  const byDigits = new Map<string, Prepared[]>();
  const withoutDigits: Prepared[] = [];
  for (const p of prepared) {
    if (p.digits === '') withoutDigits.push(p);
    else byDigits.set(p.digits, [...(byDigits.get(p.digits) ?? []), p]);
  }
  const lengths = [...new Set([...byDigits.keys()].map((k) => k.length))];
  const candidatesFor = (text: string): Prepared[] => {
    const digits = text.replace(/[^0-9]/g, '');
    const found = new Set(withoutDigits);
    for (const length of lengths) {
      for (let i = 0; i + length <= digits.length; i++) for (const p of byDigits.get(digits.slice(i, i + length)) ?? []) found.add(p);
    }
    // in the order of the open invoices, so results do not depend on where a number stood
    return [...found].sort((a, b) => a.index - b.index);
  };
  return {
    match(credit) {
      const amount = credit.amountCents;
      const text = credit.remittance ?? '';
      const byNumber = candidatesFor(text)
        .filter((p) => p.invoice.openCents > 0 && patternsOf(p).some((re) => re.test(text)))
        .map((p) => p.invoice);
      if (byNumber.length === 1) {
        const [invoice] = byNumber;
        if (invoice && amount <= invoice.openCents) {
          return { kind: 'book', code: amount === invoice.openCents ? 'bank.match.number' : 'bank.match.numberPartial', allocations: [{ documentId: invoice.id, amountCents: amount }] };
        }
        if (invoice) return { kind: 'review', code: 'bank.match.overpayment', allocations: [{ documentId: invoice.id, amountCents: amount }], candidates: [invoice.id] };
      }
      if (byNumber.length > 1) {
        const sum = byNumber.reduce((s, i) => s + i.openCents, 0);
        const allocations = allocateOldestFirst(byNumber, amount);
        if (sum === amount) return { kind: 'book', code: 'bank.match.numbers', allocations };
        return { kind: 'review', code: 'bank.match.numbersAmountDiffers', allocations, candidates: byNumber.map((i) => i.id) };
      }

      const named = [...new Set([...nameTokens(credit.counterpartyName)].flatMap((word) => byName.get(word) ?? []))]
        .sort((a, b) => a.index - b.index)
        .filter((p) => p.invoice.openCents > 0)
        .map((p) => p.invoice);
      const sameAmount = open.filter((i) => i.openCents === amount);
      const both = sameAmount.filter((i) => named.includes(i));
      if (both.length === 1 && both[0]) return { kind: 'book', code: 'bank.match.amountAndName', allocations: [{ documentId: both[0].id, amountCents: amount }] };
      if (both.length > 1) {
        const oldest = [...both].sort(byAge)[0];
        return { kind: 'review', code: 'bank.match.ambiguous', allocations: oldest ? [{ documentId: oldest.id, amountCents: amount }] : [], candidates: both.map((i) => i.id) };
      }
      if (named.length > 1 && named.reduce((s, i) => s + i.openCents, 0) === amount) {
        return { kind: 'review', code: 'bank.match.nameSum', allocations: allocateOldestFirst(named, amount), candidates: named.map((i) => i.id) };
      }
      if (sameAmount.length > 0) {
        const only = sameAmount.length === 1 ? sameAmount[0] : undefined;
        return { kind: 'review', code: 'bank.match.amountOnly', allocations: only ? [{ documentId: only.id, amountCents: amount }] : [], candidates: sameAmount.slice(0, 20).map((i) => i.id) };
      }
      if (named.length > 0) {
        return { kind: 'review', code: 'bank.match.nameOnly', allocations: allocateOldestFirst(named, amount), candidates: named.slice(0, 20).map((i) => i.id) };
      }
      return { kind: 'review', code: 'bank.match.none', allocations: [], candidates: [] };
    },
  };
}
