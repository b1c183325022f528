import { describe, expect, it } from 'vitest';
import { allocateOldestFirst, createMatcher, invoiceNumberPatterns, nameTokens, type OpenInvoice } from './payment-matching.ts';

const inv = (id: number, number: string, customerName: string, openCents: number, dueDate = `2026-11-${String(10 + id).padStart(2, '0')}`): OpenInvoice => ({ id, number, customerName, openCents, dueDate, issueDate: '2026-11-01' });

describe('invoice numbers in a Verwendungszweck', () => {
  const found = (number: string, text: string) => invoiceNumberPatterns(number).some((re) => re.test(text));
  it('finds them however the payer wrote them', () => {
    for (const text of ['RE-2026-00012', 'Rechnung re 2026 00012 vom 2.11.', 'RE202600012', 'Rg.Nr.2026/00012', 'RE.2026.00012', 'SVWZ+RE-2026-00012 EREF+NOTPROVIDED']) {
      expect(found('RE-2026-00012', text), text).toBe(true);
    }
  });
  it('not inside a longer number, not by a short core', () => {
    expect(found('RE-2026-0001', 'RE-2026-00012')).toBe(false);
    expect(found('RE-2026-00012', 'RE-2026-000123')).toBe(false);
    expect(found('RE-2026-00012', 'KD 12026-00012')).toBe(false);
    // a number whose digits are too few to be told from other figures is only found with its prefix
    expect(invoiceNumberPatterns('R-123')).toHaveLength(1);
  });
});

describe('names', () => {
  it('are compared as banks spell them, without titles and legal forms', () => {
    expect([...nameTokens('Dr. Jürgen Groß GmbH')]).toEqual(['juergen', 'gross']);
    expect([...nameTokens('FISCHER, ANNA')]).toEqual(['fischer', 'anna']);
  });
});

describe('matching a credit', () => {
  const open = [inv(1, 'RE-2026-00001', 'Erika Müller', 11_900), inv(2, 'RE-2026-00002', 'Hans Schmidt', 23_800), inv(3, 'RE-2026-00003', 'Praxis Weber', 35_700), inv(4, 'RE-2026-00004', 'Praxis Weber', 47_600), inv(5, 'RE-2026-00005', 'Ida Roth', 11_900)];
  const matcher = createMatcher(open);
  const credit = (amountCents: number, remittance: string | null, counterpartyName: string | null = null) => matcher.match({ amountCents, remittance, counterpartyName });

  it('books by number: exact, partial, two invoices', () => {
    expect(credit(11_900, 'RE-2026-00001')).toEqual({ kind: 'book', code: 'bank.match.number', allocations: [{ documentId: 1, amountCents: 11_900 }] });
    expect(credit(5_000, 're 2026 00002')).toMatchObject({ kind: 'book', code: 'bank.match.numberPartial' });
    expect(credit(83_300, 'RE-2026-00004 und RE-2026-00003')).toEqual({ kind: 'book', code: 'bank.match.numbers', allocations: [{ documentId: 3, amountCents: 35_700 }, { documentId: 4, amountCents: 47_600 }] });
  });

  it('reviews an overpayment and two numbers with a different sum', () => {
    expect(credit(12_000, 'RE-2026-00001')).toMatchObject({ kind: 'review', code: 'bank.match.overpayment', allocations: [{ documentId: 1, amountCents: 12_000 }] });
    expect(credit(50_000, 'RE-2026-00003 RE-2026-00004')).toMatchObject({ kind: 'review', code: 'bank.match.numbersAmountDiffers', allocations: [{ documentId: 3, amountCents: 35_700 }, { documentId: 4, amountCents: 14_300 }] });
  });

  it('books by amount and name only when exactly one invoice fits both', () => {
    expect(credit(11_900, 'Danke', 'ROTH, IDA')).toEqual({ kind: 'book', code: 'bank.match.amountAndName', allocations: [{ documentId: 5, amountCents: 11_900 }] });
    expect(credit(11_900, 'Danke', 'Unbekannt')).toMatchObject({ kind: 'review', code: 'bank.match.amountOnly', candidates: [1, 5], allocations: [] });
    expect(credit(83_300, null, 'Praxis Weber')).toMatchObject({ kind: 'review', code: 'bank.match.nameSum', candidates: [3, 4] });
    expect(credit(1_000, null, 'Hans Schmidt')).toMatchObject({ kind: 'review', code: 'bank.match.nameOnly', allocations: [{ documentId: 2, amountCents: 1_000 }] });
    expect(credit(1_000, 'Spende', 'Max Mustermann')).toEqual({ kind: 'review', code: 'bank.match.none', allocations: [], candidates: [] });
  });

  it('allocates oldest first, the rest on the last', () => {
    expect(allocateOldestFirst([inv(2, 'b', 'x', 100, '2026-12-01'), inv(1, 'a', 'x', 100, '2026-11-01')], 150)).toEqual([{ documentId: 1, amountCents: 100 }, { documentId: 2, amountCents: 50 }]);
    expect(allocateOldestFirst([inv(1, 'a', 'x', 100)], 130)).toEqual([{ documentId: 1, amountCents: 130 }]);
  });

  it('finds the one invoice named among thousands, and only by its whole number', () => {
    const many = Array.from({ length: 5_000 }, (_, i) => inv(i + 1, `RE-2026-${String(i + 1).padStart(5, '0')}`, `Kunde ${i + 1}`, 10_000 + i));
    const big = createMatcher(many);
    expect(big.match({ amountCents: 10_099, remittance: 'Rechnung RE 2026 00100, Kd 4711', counterpartyName: null })).toEqual({ kind: 'book', code: 'bank.match.number', allocations: [{ documentId: 100, amountCents: 10_099 }] });
    expect(big.match({ amountCents: 20_000, remittance: 'RE-2026-00001 und RE-2026-00002 und 2026-00003', counterpartyName: null })).toMatchObject({ kind: 'review', code: 'bank.match.numbersAmountDiffers', candidates: [1, 2, 3] });
  });
});
