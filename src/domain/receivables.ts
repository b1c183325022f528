import { assertCents, type Cents } from './money.ts';

/**
 * Receivables: what a customer still owes on an invoice. The state is always derived from the
 * invoice's total, the credit notes that cancel it and the payments booked on it — nobody types
 * "paid" in, so it cannot disagree with the money.
 */

export const PAYMENT_SOURCES = ['bank', 'cash', 'card', 'manual'] as const;
export type PaymentSource = (typeof PAYMENT_SOURCES)[number];

/**
 * - `open`: nothing paid yet, not yet due;
 * - `partlyPaid`: something paid, the rest not yet due;
 * - `overdue`: something is open and the due date has passed (whether or not partly paid);
 * - `paid`: nothing open (an overpayment is still `paid`, with `overpaidCents`);
 * - `cancelled`: settled by a credit note (Storno) without payments.
 */
export const RECEIVABLE_STATES = ['open', 'partlyPaid', 'overdue', 'paid', 'cancelled'] as const;
export type ReceivableState = (typeof RECEIVABLE_STATES)[number];

export interface ReceivableInput {
  grossCents: Cents;
  /** the sum of the credit notes cancelling this invoice: negative (a Storno negates every line) */
  creditedCents: Cents;
  /** the sum of the payments booked on this invoice (a refund is a negative payment) */
  paidCents: Cents;
  dueDate: string | null;
}

export interface Receivable {
  state: ReceivableState;
  /** gross + credited − paid, never below 0 */
  openCents: Cents;
  /** what was paid beyond the invoice (to refund or to offset), else 0 */
  overpaidCents: Cents;
  /** days since the due date while something is open, else 0 */
  overdueDays: number;
}

/** Whole days from `from` to `to` (calendar dates, YYYY-MM-DD). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The receivable of one invoice on `today` (a calendar date in the practice's time zone). */
export function receivable(input: ReceivableInput, today: string): Receivable {
  const gross = assertCents(input.grossCents, 'gross');
  const credited = assertCents(input.creditedCents, 'credited');
  const paid = assertCents(input.paidCents, 'paid');
  const balance = gross + credited - paid;
  const openCents = Math.max(0, balance);
  const overpaidCents = Math.max(0, -balance);
  if (openCents === 0) {
    const state: ReceivableState = paid === 0 && credited !== 0 ? 'cancelled' : 'paid';
    return { state, openCents, overpaidCents, overdueDays: 0 };
  }
  const late = input.dueDate === null ? 0 : daysBetween(input.dueDate, today);
  if (late > 0) return { state: 'overdue', openCents, overpaidCents, overdueDays: late };
  return { state: paid > 0 ? 'partlyPaid' : 'open', openCents, overpaidCents, overdueDays: 0 };
}

/** Today's calendar date where the practice is: a payment due "today" is not overdue at 00:30 in Berlin. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

export const PRACTICE_TIME_ZONE = 'Europe/Berlin';

/**
 * A customer's account: what was invoiced (net of credit notes) against what was paid. Positive
 * means the customer owes that much; negative is a credit in the customer's favour.
 */
export function accountBalance(invoices: readonly ReceivableInput[]): Cents {
  return invoices.reduce((sum, i) => sum + i.grossCents + i.creditedCents - i.paidCents, 0);
}
