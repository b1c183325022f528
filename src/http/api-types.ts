import type { z } from 'zod';
import type { Company } from '../domain/company.ts';
import type { DeliveryState, DispatchMode, DispatchStatus, RecipientIssue, RecipientIssueCode } from '../domain/dispatch.ts';
import type { DocumentStatus, DocumentType, Language, VatCategory, VatRate } from '../domain/document.ts';
import type { customerInput, documentInput, documentPatch, lineInput } from '../domain/inputs.ts';
import type { MailSettingsTable, TemplatesTable, UsersTable } from '../db/schema.ts';
import type { CertificateProblem } from '../mail/smtp-errors.ts';
import type { documentFilterBody, documentSelectionBody } from './schemas.ts';

/**
 * The JSON the HTTP API reads and writes, declared once: the presenters and the use cases that
 * answer a request as they are (dispatch views, send history, mail tests) are typed with these,
 * and the web imports them (`import type`) instead of keeping copies that a server change
 * would silently leave behind. Request bodies are the zod schemas' input types.
 *
 * Types only, and only from modules that import nothing the browser's type check cannot read
 * (domain rules, the table types, zod schemas): `tsc -p web` compiles this file and everything
 * it imports. Values are as they are on the wire: timestamps are ISO-8601 strings, calendar
 * dates `YYYY-MM-DD`, money integer cents.
 */

export type Role = UsersTable['role'];
export type TemplateKind = TemplatesTable['kind'];
export type SecurityMode = MailSettingsTable['security'];
export type { DeliveryState, DispatchMode, DispatchStatus, DocumentStatus, DocumentType, Language, RecipientIssue, RecipientIssueCode, VatRate };

/** A page of a list (`page` counts from 1). */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

// ---- users and sessions ----

export interface UserView {
  id: number;
  email: string;
  name: string;
  role: Role;
  locale: Language;
  disabled: boolean;
  createdAt: string;
}

/** POST /api/auth/login */
export interface LoginResult {
  user: UserView;
  csrfToken: string;
  expiresAt: string;
}

/** GET /api/auth/me: a browser session, or an API token (no user, no CSRF token). */
export type Me = { user: UserView; role: Role; csrfToken: string; expiresAt: string } | { user: null; tokenId: number | null; role: Role; csrfToken: null };

/** An API token as listed; the token itself is shown once, in CreatedApiToken. */
export interface ApiTokenView {
  id: number;
  name: string;
  prefix: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** null: valid until revoked. */
  expiresAt: string | null;
  /** The admin who created it; its tokens stop working while that user is disabled. */
  createdBy: { id: number; name: string; email: string; disabled: boolean };
}

export interface CreatedApiToken {
  id: number;
  token: string;
  expiresAt: string | null;
}

// ---- customers, documents, company ----

export interface CustomerView {
  id: number;
  number: string;
  salutation: string | null;
  firstName: string | null;
  lastName: string | null;
  companyName: string | null;
  displayName: string;
  street: string | null;
  postcode: string | null;
  city: string | null;
  country: string;
  email: string | null;
  invoiceByPost: boolean;
  /** documents and e-mails in this language */
  language: 'de' | 'en';
  emailConsentAt: string | null;
  /** "E-Mail unzustellbar seit …": a bounce came back for the current address (ends when the address changes) */
  emailBounce: { since: string; address: string; reason: string | null } | null;
  vatId: string | null;
  /** Leitweg-ID of a public-sector buyer (XRechnung) */
  leitwegId: string | null;
  notes: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DocumentLineView {
  position: number;
  description: string;
  /** as a decimal number (stored in thousandths) */
  quantity: number;
  unit: string;
  unitPriceCents: number;
  vatRate: VatRate;
  vatCategory: VatCategory;
  exemptionReason: string | null;
  /** in percent (stored in basis points) */
  discountPercent: number;
  netCents: number;
}

export interface DocumentView {
  id: number;
  type: DocumentType;
  number: string | null;
  status: DocumentStatus;
  customerId: number;
  language: Language;
  issueDate: string;
  serviceDate: string | null;
  dueDate: string | null;
  paymentTermsDays: number;
  introText: string | null;
  closingText: string | null;
  cancelsDocumentId: number | null;
  cancelledByDocumentId: number | null;
  netCents: number;
  vatCents: number;
  grossCents: number;
  lastSentAt: string | null;
  lastSentTo: string | null;
  finalizedAt: string | null;
  createdAt: string;
  updatedAt: string;
  lines: DocumentLineView[];
}

/** A document as lists show it (the document list, a dispatch's recipients). */
export interface DocumentSummary {
  id: number;
  type: DocumentType;
  number: string | null;
  status: DocumentStatus;
  issueDate: string;
  dueDate: string | null;
  grossCents: number;
  lastSentAt: string | null;
  lastSentTo: string | null;
}

/** A row of GET /api/documents: the document with the customer it is addressed to. */
export interface DocumentListItem extends DocumentSummary {
  customerId: number;
  customerNumber: string;
  customerName: string;
  customerEmail: string | null;
  invoiceByPost: boolean;
  netCents: number;
  /** what is still owed on a final invoice (0 once paid or cancelled); null for drafts, quotes, credit notes */
  openCents: number | null;
}

/** GET /api/company: the company without the logo's bytes (they have their own route). */
export type CompanyView = Omit<Company, 'logo'> & { hasLogo: boolean };

/** One e-mail delivery that carried a document (GET /api/documents/:id/sends), newest first. */
export interface DocumentSend {
  dispatchId: number;
  deliveryId: number;
  state: DeliveryState;
  to: string;
  attempts: number;
  sentAt: string | null;
  lastAttemptAt: string | null;
  messageId: string | null;
  smtpResponse: string | null;
  /** stable code of the failure (e.g. `smtp.rejected`), which the UI turns into words */
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: string;
  /** a deliberate re-send ("erneut gesendet") of a document sent before */
  resend: boolean;
}

// ---- templates ----

export interface TemplateView {
  id: number;
  name: string;
  kind: TemplateKind;
  language: Language;
  subject: string;
  body: string;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

/** POST /api/templates/preview */
export interface TemplatePreview {
  subject: string;
  text: string;
  html: string;
  /** rendered with sample data (no customer chosen) */
  sample: boolean;
}

// ---- mail settings ----

/** The only shape of the SMTP settings that leaves the server: secrets appear as "is one set?". */
export interface MailSettingsView {
  configured: true;
  preset: string | null;
  host: string;
  port: number;
  security: SecurityMode;
  user: string | null;
  passwordSet: boolean;
  acceptSelfSigned: boolean;
  fromName: string;
  fromEmail: string;
  replyTo: string | null;
  bccArchive: string | null;
  heloName: string | null;
  poolSize: number;
  ratePerMinute: number;
  ratePerDay: number | null;
  maxMessageBytes: number;
  dkim: { domain: string; selector: string; privateKeySet: boolean } | null;
  /** the bounce mailbox (IMAP); the password only as "is set" */
  imap: ImapSettingsView | null;
  /** translation keys of hints (e.g. `mailSettings.passwordUnencrypted`) */
  warnings: string[];
  updatedAt: string;
}

export interface ImapSettingsView {
  host: string;
  port: number;
  security: SecurityMode;
  user: string;
  passwordSet: boolean;
  acceptSelfSigned: boolean;
  folder: string;
  processedFolder: string;
  sentFolder: string | null;
  verp: boolean;
  saveSentCopy: boolean;
  dailyDigest: boolean;
}

/** Before an admin set up a server, GET /api/settings/mail answers `{ configured: false }`. */
export type MailSettingsResponse = MailSettingsView | { configured: false };

/** Starting values for a common provider (GET /api/settings/mail/presets). */
export interface MailPreset {
  id: string;
  name: { de: string; en: string };
  host: string;
  port: number;
  security: SecurityMode;
  ratePerMinute: number;
  ratePerDay: number | null;
  poolSize: number;
  /** what the admin should know before using it; a translation key for the UI plus an English text */
  note: { code: string; message: string } | null;
}

/** The verdict of "Verbindung testen", a stable code the UI translates. */
export type ConnectionResult =
  | 'ok'
  | 'dnsFailed'
  | 'connectionRefused'
  | 'timeout'
  | 'tlsFailed'
  | 'authFailed'
  /** the server answered, but not with a 220 greeting (e.g. `554 no service`) */
  | 'greetingFailed'
  /** auth is configured but the server offers no mechanism we can use (often: not over plain text) */
  | 'authUnavailable'
  | 'failed';

/** POST /api/settings/mail/test */
export interface ConnectionTestOutcome {
  result: ConnectionResult;
  /** an English explanation that includes the server's reply where there is one, never the password */
  detail: string;
  /** for `tlsFailed`: why the certificate was not accepted; null when TLS failed otherwise */
  certificateProblem?: CertificateProblem | null;
  /** for `timeout`: which wait ran out */
  stage?: 'connect' | 'greeting' | 'tls' | 'response';
  reply?: string;
  durationMs: number;
  /** the sender domain's DNS records (SPF, DKIM, DMARC) and the From/login check */
  deliverability?: DeliverabilityReport;
}

/** Part of the SMTP connection test: whether the sender's domain lets receivers trust the mails. */
export interface DeliverabilityReport {
  fromDomain: string;
  spf: { status: 'found' | 'missing' | 'multiple' | 'allowsAnyone' | 'lookupFailed'; record: string | null };
  dkim: { status: 'found' | 'missing' | 'keyMismatch' | 'notConfigured' | 'lookupFailed'; domain: string | null; selector: string | null; aligned: boolean };
  dmarc: { status: 'found' | 'missing' | 'lookupFailed'; policy: 'none' | 'quarantine' | 'reject' | null; record: string | null };
  /** translation keys, e.g. `deliverability.fromNotLogin`, `deliverability.dmarc.missing` */
  warnings: string[];
}

/** POST /api/settings/mail/imap-test: the bounce mailbox's connection test */
export interface ImapTestOutcome {
  result: Exclude<ConnectionResult, 'greetingFailed' | 'authUnavailable'> | 'folderMissing';
  detail: string;
  certificateProblem?: CertificateProblem | null;
  durationMs: number;
  /** whether `processedFolder` exists already (it is created on first use); null when not connected */
  processedFolderExists: boolean | null;
  /** the folder copies of sent messages go to (the configured one or the server's \\Sent) */
  sentFolder: string | null;
  /** messages in the bounce folder */
  messages?: number;
}

/** POST /api/settings/mail/test-message */
export interface TestMessageResult {
  result: 'sent' | 'failed';
  messageId: string;
  /** the server's reply, e.g. `250 2.0.0 Ok: queued as 4F2A1` */
  reply: string | null;
  failureClass?: string;
}

// ---- dispatches (Versandauftrag) ----

export type DeliveryCounts = Record<DeliveryState, number> & { total: number };

/** A dispatch as the API shows it: its settings, how many recipients, its deliveries by state. */
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
  /** drafts: active recipients with a blocking issue (what "remove ineligible" removes or trims), exact at any size; null once sent, in the history list and in progress events */
  blockedRecipients: number | null;
  /** a draft older than the configured number of days (FAKTURA_DRAFT_STALE_DAYS, default 30) */
  stale: boolean;
  /** drafts: active recipients by their language (the template picker pre-selects the majority's and warns about the rest); null once sent */
  languages: { de: number; en: number } | null;
  deliveries: DeliveryCounts;
}

export interface RecipientDocumentView extends DocumentSummary {
  /** left out of this dispatch ("remove ineligible"); not attached */
  excluded: boolean;
}

export interface RecipientDelivery {
  id: number;
  state: DeliveryState;
  attempts: number;
  sentAt: string | null;
  /** set when the delivery is handed to SMTP: deterministic, also for uncertain deliveries (search the mail server's log for it) */
  messageId: string | null;
  /** when the last attempt's SMTP transaction started (the content was about to go out) */
  lastAttemptAt: string | null;
  /** the SMTP server (host:port) the last attempt went to */
  server: string | null;
  errorCode: string | null;
  error: string | null;
}

/** A recipient of a dispatch with its documents and issues, as the dialog lists them. Eligibility is the server's. */
export interface RecipientView {
  recipientId: number;
  customerId: number;
  customerNumber: string;
  name: string;
  email: string | null;
  invoiceByPost: boolean;
  removed: boolean;
  /** "Erneut senden" chosen: documents sent before go out again, recorded as a re-send */
  resend: boolean;
  documents: RecipientDocumentView[];
  totalCents: number;
  issues: RecipientIssue[];
  eligible: boolean;
  deliveries: RecipientDelivery[];
}

/** The message one recipient would get: shown as a preview, or sent as a test to the user. */
export interface PreviewView {
  customerId: number;
  /** the first eligible recipients (customer ids, in the dialog's order): the preview's switcher steps through them */
  candidates: number[];
  to: { name: string; email: string | null };
  subject: string;
  text: string;
  html: string | null;
  attachments: { documentId: number; filename: string; size: number; sha256: string }[];
}

// ---- request bodies ----

export type CustomerBody = z.input<typeof customerInput>;
export type DocumentLineBody = z.input<typeof lineInput>;
/** POST /api/documents */
export type DocumentBody = z.input<typeof documentInput>;
/** PATCH /api/documents/:id (a draft) */
export type DocumentPatchBody = z.input<typeof documentPatch>;
/** The document filter in the JSON form POST /api/dispatches and POST /api/documents/print take. */
export type DocumentFilterBody = z.input<typeof documentFilterBody>;
/** Documents by id, or everything matching a filter. */
export type DocumentSelectionBody = z.input<ReturnType<typeof documentSelectionBody>>;
