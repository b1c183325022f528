/** The receivables API's shapes: the server's own types (src/http/receivables-views.ts). */
export type { BankCandidateView, BankEntryView, CustomerAccountView, InvoicePaymentsView, PaymentView, ReceivableView } from '../../../../src/http/receivables-views.ts';
export type { ImportStatementReport } from '../../../../src/commands/bank-import.ts';
export type { PaymentSource, ReceivableState } from '../../../../src/domain/receivables.ts';

export const PAYMENT_SOURCES = ['bank', 'cash', 'card', 'manual'] as const;

export const paymentsKey = (documentId: number) => ['document', documentId, 'payments'] as const;
export const accountKey = (customerId: number) => ['customer', customerId, 'account'] as const;
