import { sql, type RawBuilder } from 'kysely';
import { addDays } from '../domain/document.ts';
import { z } from 'zod';
import { MAX_TOTAL_CENTS } from '../domain/amount-limits.ts';
import { AppError, notFound } from '../domain/errors.ts';
import { isoDate } from '../domain/inputs.ts';
import { PAYMENT_SOURCES, PRACTICE_TIME_ZONE, accountBalance, receivable, todayIn, type Receivable, type ReceivableInput } from '../domain/receivables.ts';
import { optionalSingleLine } from '../domain/text-input.ts';
import type { DocumentStatus, DocumentType } from '../domain/document.ts';
import type { PaymentsTable } from '../db/schema.ts';
import type { Selectable } from 'kysely';
import { audit, type Actor, type Executor } from './context.ts';

export type PaymentRow = Selectable<PaymentsTable>;

/** A payment typed in by hand (cash at the counter, a card terminal, a transfer booked by hand). */
export const paymentInput = z.strictObject({
  paidOn: isoDate,
  /** negative for a refund */
  amountCents: z
    .number()
    .int()
    .refine((v) => v !== 0, { message: 'must not be 0' })
    .refine((v) => Math.abs(v) <= MAX_TOTAL_CENTS, { message: `must be at most ${MAX_TOTAL_CENTS} cents` }),
  reference: optionalSingleLine(200),
  source: z.enum(PAYMENT_SOURCES).default('manual'),
});
export type PaymentInput = z.output<typeof paymentInput>;

export interface InvoiceReceivable extends Receivable {
  documentId: number;
  number: string | null;
  status: DocumentStatus;
  issueDate: string;
  dueDate: string | null;
  grossCents: number;
  creditedCents: number;
  paidCents: number;
}

export const receivableToday = (): string => todayIn(PRACTICE_TIME_ZONE);

/**
 * What the credit notes cancelling each invoice take off it (negative). Today a Storno negates
 * every line, so for a cancelled invoice this is minus its gross; summing the credit notes keeps
 * it right should partial credit notes come.
 */
async function creditedByInvoice(db: Executor, invoiceIds: readonly number[]): Promise<Map<number, number>> {
  const credited = new Map<number, number>();
  if (invoiceIds.length === 0) return credited;
  const rows = await db
    .selectFrom('documents')
    .select(['cancels_document_id', (eb) => eb.fn.sum<number>('gross_cents').as('credited')])
    .where('type', '=', 'creditNote')
    .where('status', '=', 'final')
    .where('cancels_document_id', 'in', invoiceIds)
    .groupBy('cancels_document_id')
    .execute();
  for (const r of rows) if (r.cancels_document_id !== null) credited.set(Number(r.cancels_document_id), Number(r.credited));
  return credited;
}

type ReceivableSource = { id: number; number: string | null; status: DocumentStatus; issue_date: string; due_date: string | null; gross_cents: number; paid_cents: number };

function toInvoiceReceivable(d: ReceivableSource, creditedCents: number, today: string): InvoiceReceivable {
  const input: ReceivableInput = { grossCents: Number(d.gross_cents), creditedCents, paidCents: Number(d.paid_cents), dueDate: d.due_date };
  return {
    documentId: d.id,
    number: d.number,
    status: d.status,
    issueDate: d.issue_date,
    dueDate: d.due_date,
    grossCents: input.grossCents,
    creditedCents,
    paidCents: input.paidCents,
    ...receivable(input, today),
  };
}

/** Receivables of the given invoices (final or cancelled), in the order given. */
export async function invoiceReceivables(db: Executor, ids: readonly number[], today = receivableToday()): Promise<InvoiceReceivable[]> {
  if (ids.length === 0) return [];
  const docs = await db
    .selectFrom('documents')
    .select(['id', 'number', 'status', 'issue_date', 'due_date', 'gross_cents', 'paid_cents'])
    .where('id', 'in', ids)
    .where('type', '=', 'invoice')
    .where('status', '!=', 'draft')
    .execute();
  const credited = await creditedByInvoice(db, ids);
  const byId = new Map(docs.map((d) => [d.id, d]));
  return ids.flatMap((id) => {
    const d = byId.get(id);
    return d ? [toInvoiceReceivable(d, credited.get(id) ?? 0, today)] : [];
  });
}

async function payableInvoice(db: Executor, documentId: number): Promise<{ id: number; type: DocumentType; status: DocumentStatus; customer_id: number }> {
  const doc = await db.selectFrom('documents').select(['id', 'type', 'status', 'customer_id']).where('id', '=', documentId).executeTakeFirst();
  if (!doc) throw notFound('document', documentId);
  if (doc.type !== 'invoice') throw new AppError('conflict', 'payment.notInvoice', `document ${documentId} is a ${doc.type}; payments are booked on invoices`);
  if (doc.status === 'draft') throw new AppError('conflict', 'payment.invoiceNotFinal', `document ${documentId} is a draft; payments are booked on final invoices`);
  return doc;
}

export async function getReceivable(db: Executor, documentId: number): Promise<InvoiceReceivable> {
  await payableInvoice(db, documentId);
  const [result] = await invoiceReceivables(db, [documentId]);
  if (!result) throw notFound('document', documentId);
  return result;
}

export async function listPayments(db: Executor, documentId: number): Promise<PaymentRow[]> {
  return db.selectFrom('payments').selectAll().where('document_id', '=', documentId).orderBy('paid_on').orderBy('id').execute();
}

/**
 * Books a payment on a final (or cancelled: a refund) invoice and keeps `documents.paid_cents`
 * in step in the same transaction. `bankEntryId` links a payment to the bank statement entry it
 * came from; the unique (entry, invoice) pair refuses booking one entry twice on an invoice.
 */
export async function recordPayment(input: { trx: Executor; actor: Actor; documentId: number; data: PaymentInput; bankEntryId?: number }): Promise<PaymentRow> {
  const { trx, actor, documentId, data } = input;
  const doc = await payableInvoice(trx, documentId);
  const created = await trx
    .insertInto('payments')
    .values({
      document_id: documentId,
      customer_id: doc.customer_id,
      paid_on: data.paidOn,
      amount_cents: data.amountCents,
      reference: data.reference,
      source: data.source,
      bank_entry_id: input.bankEntryId ?? null,
      created_at: new Date().toISOString(),
      created_by_user_id: actor.userId,
      created_by_token_id: actor.tokenId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .updateTable('documents')
    .set({ paid_cents: sql`paid_cents + ${data.amountCents}` })
    .where('id', '=', documentId)
    .execute();
  await audit(trx, actor, 'payment.record', 'document', documentId, { paymentId: Number(created.id), amountCents: data.amountCents, paidOn: data.paidOn, source: data.source, bankEntryId: input.bankEntryId ?? null });
  const row = await trx.selectFrom('payments').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
  return row;
}

/**
 * Deleting a payment (a typo, a booking on the wrong invoice) leaves an audit entry with what was
 * deleted. A payment that came from a bank statement sends its entry back to the review list, so
 * the money is not forgotten and a re-import still does not book it a second time.
 */
export async function deletePayment(input: { trx: Executor; actor: Actor; id: number }): Promise<void> {
  const { trx, actor, id } = input;
  const payment = await trx.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
  if (!payment) throw notFound('payment', id);
  await trx.deleteFrom('payments').where('id', '=', id).execute();
  await trx
    .updateTable('documents')
    .set({ paid_cents: sql`paid_cents - ${payment.amount_cents}` })
    .where('id', '=', payment.document_id)
    .execute();
  if (payment.bank_entry_id !== null) {
    const remaining = await trx.selectFrom('payments').select('id').where('bank_entry_id', '=', payment.bank_entry_id).executeTakeFirst();
    if (!remaining) {
      await trx
        .updateTable('bank_entries')
        .set({ status: 'review', match_code: 'bank.match.paymentDeleted', decided_at: null, decided_by_user_id: null })
        .where('id', '=', payment.bank_entry_id)
        .execute();
    }
  }
  await audit(trx, actor, 'payment.delete', 'document', payment.document_id, {
    paymentId: id,
    amountCents: Number(payment.amount_cents),
    paidOn: payment.paid_on,
    source: payment.source,
    reference: payment.reference,
    bankEntryId: payment.bank_entry_id,
  });
}

export interface CustomerAccount {
  customerId: number;
  invoices: InvoiceReceivable[];
  payments: PaymentRow[];
  /** invoiced net of credit notes minus paid: positive = the customer owes, negative = a credit */
  balanceCents: number;
  openCents: number;
  overdueCents: number;
}

/** The customer's account: every issued invoice with its state, every payment, the balance. */
export async function customerAccount(db: Executor, customerId: number, today = receivableToday()): Promise<CustomerAccount> {
  const customer = await db.selectFrom('customers').select('id').where('id', '=', customerId).executeTakeFirst();
  if (!customer) throw notFound('customer', customerId);
  const docs = await db
    .selectFrom('documents')
    .select(['id', 'number', 'status', 'issue_date', 'due_date', 'gross_cents', 'paid_cents'])
    .where('customer_id', '=', customerId)
    .where('type', '=', 'invoice')
    .where('status', '!=', 'draft')
    .orderBy('issue_date', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const credited = await creditedByInvoice(
    db,
    docs.map((d) => d.id),
  );
  const invoices = docs.map((d) => toInvoiceReceivable(d, credited.get(d.id) ?? 0, today));
  const payments = await db.selectFrom('payments').selectAll().where('customer_id', '=', customerId).orderBy('paid_on', 'desc').orderBy('id', 'desc').execute();
  return {
    customerId,
    invoices,
    payments,
    balanceCents: accountBalance(invoices),
    openCents: invoices.reduce((sum, i) => sum + i.openCents, 0),
    overdueCents: invoices.filter((i) => i.state === 'overdue').reduce((sum, i) => sum + i.openCents, 0),
  };
}

/** SQL for "offen" and "überfällig seit mehr als N Tagen" over `documents as d` (index documents_open_due). */
export function receivableConditions(filter: { open?: boolean; overdueDays?: number }, today = receivableToday()): RawBuilder<unknown>[] {
  const conditions: RawBuilder<unknown>[] = [];
  const open = sql`(d.type = 'invoice' and d.status = 'final' and d.gross_cents > d.paid_cents)`;
  if (filter.open !== undefined) conditions.push(filter.open ? open : sql`not ${open}`);
  if (filter.overdueDays !== undefined) conditions.push(sql`${open} and d.due_date < ${addDays(today, -filter.overdueDays)}`);
  return conditions;
}

/** What a list row shows as "offen": for final invoices what is still owed, 0 once cancelled, nothing for other documents. */
export function listOpenCents(d: { type: DocumentType; status: DocumentStatus; gross_cents: number; paid_cents: number }): number | null {
  if (d.type !== 'invoice' || d.status === 'draft') return null;
  if (d.status === 'cancelled') return 0;
  return Math.max(0, Number(d.gross_cents) - Number(d.paid_cents));
}
