import type { DocumentStatus, DocumentType } from '../../api/types';

/**
 * The dispatch API's shapes as this screen reads them (src/dispatch/dispatch-view.ts: DispatchView,
 * recipients.ts: RecipientView, preview.ts: PreviewView). Eligibility is the server's: the UI
 * only shows `issues`.
 */
export type DispatchStatus = 'draft' | 'sending' | 'paused' | 'completed' | 'cancelled';
export type DispatchMode = 'perCustomer' | 'perDocument';
export const DELIVERY_STATES = ['queued', 'sending', 'retrying', 'sent', 'failed', 'uncertain', 'cancelled'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
export type DeliveryCounts = Record<DeliveryState, number> & { total: number };

export interface DispatchView {
  id: number;
  status: DispatchStatus;
  mode: DispatchMode;
  templateId: number | null;
  pausedReason: string | null;
  pausedMessage: string | null;
  createdAt: string;
  sendRequestedAt: string | null;
  completedAt: string | null;
  cancelledAt: string | null;
  recipients: { total: number; removed: number; active: number };
  deliveries: DeliveryCounts;
}

export type IssueCode = 'emailMissing' | 'emailInvalid' | 'invoiceByPost' | 'documentNotFinal' | 'documentCancelled' | 'documentInActiveDispatch' | 'alreadySent';

export interface RecipientIssue {
  code: IssueCode;
  severity: 'blocking' | 'warning';
  documentIds?: number[];
  meta?: Record<string, unknown>;
}

export interface RecipientDocument {
  id: number;
  type: DocumentType;
  number: string | null;
  status: DocumentStatus;
  issueDate: string;
  dueDate: string | null;
  grossCents: number;
  lastSentAt: string | null;
  lastSentTo: string | null;
  excluded: boolean;
}

export interface RecipientDelivery {
  id: number;
  state: DeliveryState;
  attempts: number;
  sentAt: string | null;
  messageId: string | null;
  errorCode?: string | null;
  error: string | null;
}

export interface RecipientView {
  recipientId: number;
  customerId: number;
  customerNumber: string;
  name: string;
  email: string | null;
  invoiceByPost: boolean;
  removed: boolean;
  documents: RecipientDocument[];
  totalCents: number;
  issues: RecipientIssue[];
  eligible: boolean;
  deliveries: RecipientDelivery[];
}

export interface RecipientPage {
  items: RecipientView[];
  total: number;
}

export interface PreviewView {
  customerId: number;
  to: { name: string; email: string | null };
  subject: string;
  text: string;
  html: string | null;
  attachments: { documentId: number; filename: string; size: number; sha256: string }[];
}

/** The document filter in the JSON form POST /api/dispatches and POST /api/documents/print take. */
export interface DocumentFilterBody {
  type?: DocumentType[];
  status?: DocumentStatus[];
  dateFrom?: string;
  dateTo?: string;
  customerId?: number;
  sent?: boolean;
  amountMinCents?: number;
  amountMaxCents?: number;
  q?: string;
}

export type DispatchSelection = { documentIds: number[] } | { filter: DocumentFilterBody };

export const isFinished = (status: DispatchStatus): boolean => status === 'completed' || status === 'cancelled';
