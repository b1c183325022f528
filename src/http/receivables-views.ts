import type { CustomerAccount, InvoiceReceivable, PaymentRow } from '../commands/payments.ts';
import type { DocumentStatus } from '../domain/document.ts';
import type { PaymentSource, ReceivableState } from '../domain/receivables.ts';

/** JSON shapes of the receivables API (payments, bank import, customer account), made only here. */

export interface PaymentView {
  id: number;
  documentId: number;
  customerId: number;
  paidOn: string;
  amountCents: number;
  reference: string | null;
  source: PaymentSource;
  bankEntryId: number | null;
  createdAt: string;
}

export interface ReceivableView {
  documentId: number;
  number: string | null;
  status: DocumentStatus;
  issueDate: string;
  dueDate: string | null;
  grossCents: number;
  creditedCents: number;
  paidCents: number;
  openCents: number;
  overpaidCents: number;
  state: ReceivableState;
  overdueDays: number;
}

export interface InvoicePaymentsView {
  receivable: ReceivableView;
  payments: PaymentView[];
}

export interface CustomerAccountView {
  customerId: number;
  balanceCents: number;
  openCents: number;
  overdueCents: number;
  invoices: ReceivableView[];
  payments: PaymentView[];
}

export function presentPayment(p: PaymentRow): PaymentView {
  return {
    id: Number(p.id),
    documentId: Number(p.document_id),
    customerId: Number(p.customer_id),
    paidOn: p.paid_on,
    amountCents: Number(p.amount_cents),
    reference: p.reference,
    source: p.source,
    bankEntryId: p.bank_entry_id === null ? null : Number(p.bank_entry_id),
    createdAt: p.created_at,
  };
}

export function presentReceivable(r: InvoiceReceivable): ReceivableView {
  return {
    documentId: r.documentId,
    number: r.number,
    status: r.status,
    issueDate: r.issueDate,
    dueDate: r.dueDate,
    grossCents: r.grossCents,
    creditedCents: r.creditedCents,
    paidCents: r.paidCents,
    openCents: r.openCents,
    overpaidCents: r.overpaidCents,
    state: r.state,
    overdueDays: r.overdueDays,
  };
}

export function presentAccount(a: CustomerAccount): CustomerAccountView {
  return {
    customerId: a.customerId,
    balanceCents: a.balanceCents,
    openCents: a.openCents,
    overdueCents: a.overdueCents,
    invoices: a.invoices.map(presentReceivable),
    payments: a.payments.map(presentPayment),
  };
}

export interface BankCandidateView {
  documentId: number;
  number: string | null;
  customerId: number;
  customerName: string;
  issueDate: string;
  dueDate: string | null;
  grossCents: number;
  openCents: number;
}

export interface BankEntryView {
  id: number;
  statementId: number;
  bookingDate: string;
  valueDate: string | null;
  amountCents: number;
  currency: string;
  counterpartyName: string | null;
  counterpartyIban: string | null;
  remittance: string | null;
  endToEndId: string | null;
  status: 'booked' | 'review' | 'rejected' | 'ignored';
  /** how it was matched or why it needs review (bank.match.*), translated by the client */
  matchCode: string | null;
  /** the proposed assignment: confirm as it is or change it */
  proposal: { documentId: number; amountCents: number }[];
  /** invoices that came into question, with what is open on them now */
  candidates: BankCandidateView[];
}
