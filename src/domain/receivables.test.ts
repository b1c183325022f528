import { describe, expect, it } from 'vitest';
import { accountBalance, daysBetween, receivable, todayIn } from './receivables.ts';

const invoice = { grossCents: 10_000, creditedCents: 0, paidCents: 0, dueDate: '2026-11-15' };

describe('receivable state', () => {
  it('is open before the due date and on it, overdue the day after', () => {
    expect(receivable(invoice, '2026-11-01')).toEqual({ state: 'open', openCents: 10_000, overpaidCents: 0, overdueDays: 0 });
    expect(receivable(invoice, '2026-11-15').state).toBe('open');
    expect(receivable(invoice, '2026-11-16')).toEqual({ state: 'overdue', openCents: 10_000, overpaidCents: 0, overdueDays: 1 });
    expect(receivable(invoice, '2027-01-14').overdueDays).toBe(60);
  });

  it('is partly paid while something is open and not yet due; overdue wins once the date has passed', () => {
    const partly = { ...invoice, paidCents: 4_000 };
    expect(receivable(partly, '2026-11-10')).toEqual({ state: 'partlyPaid', openCents: 6_000, overpaidCents: 0, overdueDays: 0 });
    expect(receivable(partly, '2026-12-01')).toMatchObject({ state: 'overdue', openCents: 6_000, overdueDays: 16 });
  });

  it('is paid when nothing is open, also after the due date, and tells an overpayment', () => {
    expect(receivable({ ...invoice, paidCents: 10_000 }, '2027-06-01')).toEqual({ state: 'paid', openCents: 0, overpaidCents: 0, overdueDays: 0 });
    expect(receivable({ ...invoice, paidCents: 10_050 }, '2026-11-02')).toEqual({ state: 'paid', openCents: 0, overpaidCents: 50, overdueDays: 0 });
  });

  it('offsets a credit note (Storno): cancelled without payments; a paid then cancelled invoice is a refund', () => {
    expect(receivable({ ...invoice, creditedCents: -10_000 }, '2027-01-01')).toEqual({ state: 'cancelled', openCents: 0, overpaidCents: 0, overdueDays: 0 });
    expect(receivable({ ...invoice, creditedCents: -10_000, paidCents: 10_000 }, '2027-01-01')).toEqual({ state: 'paid', openCents: 0, overpaidCents: 10_000, overdueDays: 0 });
    // a partial credit leaves the rest open
    expect(receivable({ ...invoice, creditedCents: -2_500 }, '2026-11-01')).toMatchObject({ state: 'open', openCents: 7_500 });
  });

  it('has no overdue without a due date', () => {
    expect(receivable({ ...invoice, dueDate: null }, '2030-01-01').state).toBe('open');
  });

  it('refuses non-integer money', () => {
    expect(() => receivable({ ...invoice, paidCents: 0.1 + 0.2 }, '2026-11-01')).toThrow(/integer number of cents/);
  });

  it('counts calendar days across the change to winter time', () => {
    expect(daysBetween('2026-10-24', '2026-10-26')).toBe(2);
    expect(daysBetween('2026-03-28', '2026-03-30')).toBe(2);
  });

  it("takes today's date where the practice is", () => {
    // 23:30 UTC on 31 December is already New Year in Berlin
    expect(todayIn('Europe/Berlin', new Date('2026-12-31T23:30:00Z'))).toBe('2027-01-01');
    expect(todayIn('UTC', new Date('2026-12-31T23:30:00Z'))).toBe('2026-12-31');
  });

  it('sums a customer account: invoices net of credit notes minus payments', () => {
    expect(accountBalance([invoice, { ...invoice, paidCents: 4_000 }, { ...invoice, creditedCents: -10_000, paidCents: 10_000 }])).toBe(10_000 + 6_000 - 10_000);
  });
});
