import { isValidEmail } from './customer.ts';
import type { DocumentStatus, DocumentType } from './document.ts';

/**
 * Pure rules of a dispatch (Versandauftrag): which recipients may be e-mailed, how their
 * documents are grouped into e-mails, how deliveries move between states and how long a
 * temporary failure waits before the next attempt. No database, no clock, no randomness of its
 * own: callers pass them in, so every rule is testable as plain data.
 */

export const DISPATCH_MODES = ['perCustomer', 'perDocument'] as const;
export type DispatchMode = (typeof DISPATCH_MODES)[number];

export const DISPATCH_STATUSES = ['draft', 'sending', 'paused', 'completed', 'cancelled'] as const;
export type DispatchStatus = (typeof DISPATCH_STATUSES)[number];

// ---- eligibility ----

export type RecipientIssueCode =
  | 'emailMissing'
  | 'emailInvalid'
  | 'invoiceByPost'
  | 'documentNotFinal'
  | 'documentCancelled'
  | 'documentInActiveDispatch'
  | 'alreadySent';

export interface RecipientIssue {
  code: RecipientIssueCode;
  /** blocking issues prevent sending; a warning must only be confirmed */
  severity: 'blocking' | 'warning';
  /** the documents concerned, for document-level issues */
  documentIds?: number[];
  meta?: Record<string, unknown>;
}

export interface EligibilityDocument {
  id: number;
  type: DocumentType;
  status: DocumentStatus;
  lastSentAt: string | null;
  lastSentTo: string | null;
  /** the dispatch (Versandauftrag) that sent it last, when known */
  lastSentDispatchId?: number | null;
  /** id of another dispatch whose queued/sending delivery holds this document, if any */
  activeDispatchId: number | null;
}

export interface EligibilityCustomer {
  email: string | null;
  invoiceByPost: boolean;
  /** a person chose "Erneut senden" for this recipient: documents sent before go out again */
  resend?: boolean;
}

/** Issues that belong to the customer (the whole recipient is ineligible). */
const CUSTOMER_LEVEL: ReadonlySet<RecipientIssueCode> = new Set(['emailMissing', 'emailInvalid', 'invoiceByPost']);

export const isCustomerLevelIssue = (code: RecipientIssueCode): boolean => CUSTOMER_LEVEL.has(code);

/**
 * Why a recipient can or cannot be e-mailed, before anyone clicks "Senden". A customer who wants
 * paper invoices is never e-mailed, even if an address is on file: that is their choice
 * (DESIGN: "what must never happen").
 */
export function recipientIssues(customer: EligibilityCustomer, documents: readonly EligibilityDocument[]): RecipientIssue[] {
  const issues: RecipientIssue[] = [];
  const email = customer.email?.trim() ?? '';
  if (email === '') issues.push({ code: 'emailMissing', severity: 'blocking' });
  else if (!isValidEmail(email)) issues.push({ code: 'emailInvalid', severity: 'blocking', meta: { email } });
  if (customer.invoiceByPost) issues.push({ code: 'invoiceByPost', severity: 'blocking' });

  const drafts = documents.filter((d) => d.status === 'draft').map((d) => d.id);
  if (drafts.length > 0) issues.push({ code: 'documentNotFinal', severity: 'blocking', documentIds: drafts });
  const cancelled = documents.filter((d) => d.status === 'cancelled').map((d) => d.id);
  if (cancelled.length > 0) issues.push({ code: 'documentCancelled', severity: 'blocking', documentIds: cancelled });
  const busy = documents.filter((d) => d.activeDispatchId !== null);
  if (busy.length > 0) {
    issues.push({
      code: 'documentInActiveDispatch',
      severity: 'blocking',
      documentIds: busy.map((d) => d.id),
      meta: { dispatchIds: [...new Set(busy.map((d) => d.activeDispatchId))] },
    });
  }
  // Sending an invoice a second time is never one careless click away (issue 13; the peers' most
  // reported bulk-mail bug, e.g. Invoice Ninja #553, #9109): it blocks until a person removes the
  // documents or chooses "Erneut senden", which turns it into a warning and records the re-send.
  const sent = documents.filter((d) => d.lastSentAt !== null);
  if (sent.length > 0) {
    issues.push({
      code: 'alreadySent',
      severity: customer.resend === true ? 'warning' : 'blocking',
      documentIds: sent.map((d) => d.id),
      meta: { resend: customer.resend === true, sent: sent.map((d) => ({ documentId: d.id, at: d.lastSentAt, to: d.lastSentTo, dispatchId: d.lastSentDispatchId ?? null })) },
    });
  }
  return issues;
}

/** The documents of a recipient that may be attached (final, not held by another dispatch). */
export function sendableDocumentIds(documents: readonly EligibilityDocument[]): number[] {
  return documents.filter((d) => d.status === 'final' && d.activeDispatchId === null).map((d) => d.id);
}

export const hasBlockingIssue = (issues: readonly RecipientIssue[]): boolean => issues.some((i) => i.severity === 'blocking');

// ---- grouping ----

export interface GroupableRecipient {
  recipientId: number;
  customerId: number;
  documentIds: readonly number[];
}

export interface DeliveryPlan {
  recipientId: number;
  customerId: number;
  documentIds: number[];
}

/**
 * Per customer (the default): one e-mail with all of the customer's documents attached, so a
 * customer with five invoices gets one message, not five. Per document: one e-mail each.
 * Documents keep their given order (the dispatch orders them by number).
 */
export function planDeliveries(mode: DispatchMode, recipients: readonly GroupableRecipient[]): DeliveryPlan[] {
  const plans: DeliveryPlan[] = [];
  for (const r of recipients) {
    if (r.documentIds.length === 0) continue;
    if (mode === 'perCustomer') plans.push({ recipientId: r.recipientId, customerId: r.customerId, documentIds: [...r.documentIds] });
    else for (const id of r.documentIds) plans.push({ recipientId: r.recipientId, customerId: r.customerId, documentIds: [id] });
  }
  return plans;
}

// ---- delivery states ----

export const DELIVERY_STATES = ['queued', 'sending', 'sent', 'retrying', 'failed', 'uncertain', 'cancelled', 'bounced'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/**
 * The only moves a delivery may make. `sending → uncertain` happens when the worker that marked
 * it died (its lease expired): the SMTP server may or may not have accepted the message, so a
 * person decides; `sent → bounced` when a bounce report for it arrives in the mailbox (after the 250,
 * so it is not a failure of the attempt; from `uncertain` too, as the bounce proves the server had taken
 * it); `uncertain → sent` is allowed because the original worker may still receive the
 * 250 after its lease expired (the truth wins), and a person may also confirm it manually.
 */
const TRANSITIONS: Record<DeliveryState, readonly DeliveryState[]> = {
  queued: ['sending', 'cancelled'],
  retrying: ['sending', 'cancelled'],
  sending: ['sent', 'retrying', 'failed', 'uncertain'],
  uncertain: ['sent', 'failed', 'queued', 'bounced'],
  failed: ['queued'],
  // the server accepted it, the recipient's server returned it later (a bounce read from the mailbox)
  sent: ['bounced'],
  cancelled: ['queued'],
  bounced: [],
};

export function canTransition(from: DeliveryState, to: DeliveryState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** States in which a delivery still holds its documents (at most one such delivery per document). */
export const ACTIVE_DELIVERY_STATES: readonly DeliveryState[] = ['queued', 'retrying', 'sending'];
/** States a worker may claim. */
export const CLAIMABLE_DELIVERY_STATES: readonly DeliveryState[] = ['queued', 'retrying'];
export const isActiveDeliveryState = (state: DeliveryState): boolean => ACTIVE_DELIVERY_STATES.includes(state);

// ---- retries ----

/** Default waits after the 1st, 2nd, 3rd, 4th temporary failure (1 min, 5 min, 30 min, 2 h). */
export const DEFAULT_BACKOFF_MS: readonly number[] = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000];

/**
 * Wait before the next attempt after `failedAttempts` temporary failures, with ±`jitter` spread
 * (`random` in [0, 1)) so that many deliveries failing at once do not all hit the server again in
 * the same second. Beyond the schedule, its last step repeats.
 */
export function backoffDelayMs(failedAttempts: number, schedule: readonly number[] = DEFAULT_BACKOFF_MS, random = 0.5, jitter = 0.2): number {
  if (schedule.length === 0) return 0;
  const index = Math.min(Math.max(failedAttempts, 1), schedule.length) - 1;
  const base = schedule[index] ?? 0;
  const factor = 1 + jitter * (2 * random - 1);
  return Math.max(0, Math.round(base * factor));
}

// ---- SMTP outcome classification ----

export type FailureClass = 'temporary' | 'permanent' | 'auth' | 'connection';

export interface ClassifiedFailure {
  class: FailureClass;
  /** stable code, e.g. `smtp.rejected`, `smtp.authFailed` */
  code: string;
  /** the server's reply or a short description (never the password or message body) */
  reply: string;
}

/** What a failure class does to the delivery: retry later, or stop for good. */
export const failureIsRetryable = (c: FailureClass): boolean => c !== 'permanent';

/**
 * A dispatch pauses itself after this many consecutive failed attempts across its deliveries, or
 * at once when the server rejects the login: every further attempt would fail the same way and
 * could get the account locked.
 */
export function shouldPause(consecutiveFailures: number, threshold: number, failure: FailureClass): boolean {
  return failure === 'auth' || consecutiveFailures >= threshold;
}
