import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { VatCategory } from '../domain/document.ts';

/**
 * Column conventions, identical on SQLite and PostgreSQL so one set of queries serves both:
 * timestamps are ISO-8601 UTC strings (`2026-11-27T09:30:00.000Z`, sortable as text), calendar
 * dates are `YYYY-MM-DD`, booleans are integers 0/1, money is integer cents, JSON is text.
 */
export type Bool = 0 | 1;

export interface UsersTable {
  id: Generated<number>;
  email: string;
  name: string;
  password_hash: string;
  role: 'admin' | 'staff';
  locale: 'de' | 'en';
  disabled: Generated<Bool>;
  created_at: string;
  updated_at: string;
}

export interface SessionsTable {
  id: string; // SHA-256 of the cookie token: a leaked database does not leak live sessions
  user_id: number;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  /** Last request with this session (updated at most once a minute), for the idle timeout; null: none since login. */
  last_seen_at: string | null;
}

export interface ApiTokensTable {
  id: Generated<number>;
  name: string;
  token_hash: string;
  token_prefix: string;
  role: 'admin' | 'staff';
  created_by: number;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  /** Optional expiry; null: valid until revoked (or its creator is disabled). */
  expires_at: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor_user_id: number | null;
  actor_token_id: number | null;
  action: string;
  entity: string;
  entity_id: string | null;
  details: string | null;
}

export interface CompanyTable {
  id: number; // always 1
  name: string;
  street: string;
  postcode: string;
  city: string;
  country: string;
  vat_id: string | null;
  tax_number: string | null;
  iban: string | null;
  bic: string | null;
  bank_name: string | null;
  email: string | null;
  phone: string | null;
  website: string | null;
  managing_director: string | null;
  register_court: string | null;
  register_number: string | null;
  payment_terms_days: number;
  invoice_number_pattern: string;
  quote_number_pattern: string;
  credit_note_number_pattern: string;
  embed_einvoice: Bool;
  logo: Uint8Array | null;
  logo_mime: string | null;
  email_footer: string | null;
  /** e-invoice contact, BT-41…43 (migration 0019_xrechnung) */
  contact_name: string | null;
  contact_phone: string | null;
  contact_email: string | null;
  /** Kleinunternehmer, §19 UStG (0019) */
  small_business: Bool;
  updated_at: string;
}

export interface CustomersTable {
  id: Generated<number>;
  number: string;
  salutation: string | null;
  first_name: string | null;
  last_name: string | null;
  company_name: string | null;
  street: string | null;
  postcode: string | null;
  city: string | null;
  country: string;
  email: string | null;
  invoice_by_post: Bool;
  /** the customer's language for documents and e-mails (migration 0016a; default German) */
  language: Generated<'de' | 'en'>;
  email_consent_at: string | null;
  /** "unzustellbar seit …": when a bounce came back for `email_bounce_address` (migration 0013); holds only while `email` is that address */
  email_bounced_at: string | null;
  email_bounce_address: string | null;
  /** the report's status and text, e.g. `550 5.1.1 user unknown` */
  email_bounce_reason: string | null;
  vat_id: string | null;
  /** Leitweg-ID of a public-sector buyer, BT-10 (migration 0019_xrechnung) */
  leitweg_id: string | null;
  notes: string | null;
  /** lower-cased "number name email" for case-insensitive search on both databases */
  search_text: string;
  created_at: string;
  updated_at: string;
}

export interface NumberSequencesTable {
  scope: string; // 'invoice', 'quote', 'creditNote', 'customer'
  year: number; // 0 for sequences that do not restart yearly
  last_value: number;
}

export interface DocumentsTable {
  id: Generated<number>;
  type: 'invoice' | 'quote' | 'creditNote';
  number: string | null;
  status: 'draft' | 'final' | 'cancelled';
  customer_id: number;
  language: 'de' | 'en';
  issue_date: string;
  service_date: string | null;
  due_date: string | null;
  payment_terms_days: number;
  intro_text: string | null;
  closing_text: string | null;
  cancels_document_id: number | null;
  cancelled_by_document_id: number | null;
  net_cents: number;
  vat_cents: number;
  gross_cents: number;
  /** snapshot of the customer as addressed on the final document (GoBD: what was issued) */
  customer_snapshot: string | null;
  company_snapshot: string | null;
  last_sent_at: string | null;
  last_sent_to: string | null;
  finalized_at: string | null;
  created_at: string;
  updated_at: string;
  /** the sum of the invoice's payments, kept with every payment write (migration 0020_receivables) */
  paid_cents: Generated<number>;
}

export interface DocumentLinesTable {
  id: Generated<number>;
  document_id: number;
  position: number;
  description: string;
  quantity_milli: number;
  unit: string;
  unit_price_cents: number;
  vat_rate: 19 | 7 | 0;
  /** EN 16931 VAT category (migration 0018_vat_category) */
  vat_category: VatCategory;
  exemption_reason: string | null;
  discount_bp: number;
  net_cents: number;
}

// ---- dispatch (Versandauftrag): owned by src/dispatch, migration 0004_dispatch ----

export interface DispatchesTable {
  id: Generated<number>;
  status: 'draft' | 'sending' | 'paused' | 'completed' | 'cancelled';
  mode: 'perCustomer' | 'perDocument';
  template_id: number | null;
  /** the template's subject and body as they were when sending started (JSON), so editing the template later changes nothing in flight */
  template_snapshot: string | null;
  /** how the selection was made (JSON: `{ documentIds }` or `{ filter }`), for the history */
  selection: string;
  created_by_user_id: number | null;
  created_by_token_id: number | null;
  /** idempotency key of the accepted send request; a repeat with the same key gets the same answer */
  send_key: string | null;
  send_requested_at: string | null;
  paused_reason: string | null;
  paused_message: string | null;
  consecutive_failures: number;
  completed_at: string | null;
  cancelled_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface DispatchRecipientsTable {
  id: Generated<number>;
  dispatch_id: number;
  customer_id: number;
  removed: Bool;
  /** "Erneut senden": a person chose to send this recipient's already sent documents again (migration 0016) */
  resend: Generated<Bool>;
  created_at: string;
}

/** A document held by an open draft: at most one per document (primary key; migration 0016) */
export interface DispatchDraftDocumentsTable {
  document_id: number;
  dispatch_id: number;
}

export interface DispatchDocumentsTable {
  dispatch_id: number;
  recipient_id: number;
  document_id: number;
  /** removed from the recipient by "remove ineligible" (e.g. a draft); the recipient stays */
  excluded: Bool;
}

export interface DeliveriesTable {
  id: Generated<number>;
  dispatch_id: number;
  recipient_id: number;
  customer_id: number;
  state: 'queued' | 'sending' | 'sent' | 'retrying' | 'failed' | 'uncertain' | 'cancelled' | 'bounced';
  /** number of attempts that reached `sending` */
  attempts: number;
  next_attempt_at: string;
  /** worker id holding the lease, and until when (ISO); an expired lease may be taken over */
  lease_owner: string | null;
  lease_until: string | null;
  to_email: string;
  to_name: string;
  message_id: string | null;
  smtp_response: string | null;
  error_code: string | null;
  error_message: string | null;
  last_attempt_at: string | null;
  sent_at: string | null;
  /** the recipient's server returned the message after the 250 (migration 0013_bounces) */
  bounced_at: string | null;
  bounce_status: string | null;
  bounce_diagnostic: string | null;
  /** host:port the last attempt went to, set with `sending` (migration 0017_dispatch_truth) */
  smtp_server: string | null;
  /** a deliberate re-send of documents sent before ("erneut gesendet", migration 0016) */
  resend: Generated<Bool>;
  created_at: string;
  updated_at: string;
}

export interface DeliveryDocumentsTable {
  delivery_id: number;
  document_id: number;
  dispatch_id: number;
  /** 1 while the delivery is queued/retrying/sending; a partial unique index allows one active row per document */
  active: Bool;
}

export interface DispatchRateBucketsTable {
  name: string;
  /** tokens × 1000, integer so compare-and-swap works the same on both databases */
  tokens_milli: number;
  updated_ms: number;
}

// ---- end dispatch ----

// ---- mail (SMTP settings, Dokumentvorlagen): owned by src/mail, migration 0002_mail ----

export interface MailSettingsTable {
  id: number; // always 1
  /** which provider preset the values came from (`microsoft365`, `custom`, …), for the UI only */
  preset: string | null;
  host: string;
  port: number;
  security: 'none' | 'starttls' | 'tls';
  auth_user: string | null;
  /** AES-256-GCM, see src/mail/secret-box.ts; never leaves the server */
  password_enc: string | null;
  accept_self_signed: Bool;
  from_name: string;
  from_email: string;
  reply_to: string | null;
  bcc_archive: string | null;
  helo_name: string | null;
  pool_size: number;
  rate_per_minute: number;
  rate_per_day: number | null;
  max_message_bytes: number;
  dkim_domain: string | null;
  dkim_selector: string | null;
  /** AES-256-GCM like the password */
  dkim_key_enc: string | null;
  updated_at: string;
  // the bounce mailbox (IMAP), migration 0013_bounces; imap_host null = no mailbox
  imap_host: string | null;
  imap_port: number | null;
  imap_security: 'none' | 'starttls' | 'tls' | null;
  imap_user: string | null;
  /** AES-256-GCM like password_enc */
  imap_password_enc: string | null;
  imap_accept_self_signed: Bool;
  /** where bounces arrive (INBOX) */
  imap_folder: string | null;
  /** where processed bounces are moved (Faktura/Verarbeitet) */
  imap_processed_folder: string | null;
  /** the Sent folder for copies of sent messages; null = the one the server marks \Sent */
  imap_sent_folder: string | null;
  /** send with a VERP return path (rechnung+d123@praxis.de) */
  verp: Bool;
  /** store a copy of each sent message in the Sent folder */
  save_sent_copy: Bool;
  /** a daily e-mail to the admins listing new bounces */
  bounce_digest: Bool;
  /** counts the saves; checked when a delivery is marked `sending` (migration 0017_dispatch_truth) */
  version: Generated<number>;
}

/** Every recognised bounce or delay report, per failed address (migration 0013_bounces). */
export interface MailBouncesTable {
  id: Generated<number>;
  kind: 'permanent' | 'delayed';
  report_key: string;
  address: string;
  delivery_id: number | null;
  dispatch_id: number | null;
  customer_id: number | null;
  matched_by: 'verp' | 'messageId' | 'envelopeId';
  status: string | null;
  diagnostic: string | null;
  reported_at: string;
  processed_at: string;
  digest_sent_at: string | null;
}

/** The bounce poller's place in the mailbox (one row). */
export interface MailboxStateTable {
  id: number; // always 1
  uid_validity: string | null;
  last_uid: number;
  last_polled_at: string | null;
  last_result: string | null;
  last_error: string | null;
  last_digest_at: string | null;
}

/** A job that must run in one process at a time (the bounce poller), whoever holds it until when. */
export interface SingletonLeasesTable {
  name: string;
  owner: string;
  lease_until_ms: number;
}

export interface TemplatesTable {
  id: Generated<number>;
  name: string;
  kind: 'customerNotification';
  language: 'de' | 'en';
  subject: string;
  body: string;
  active: Bool;
  created_at: string;
  updated_at: string;
}

// ---- end mail ----

// ---- PDF archive: owned by src/pdf, migration 0003_pdf_archive ----

/** A final document's PDF as issued (GoBD), append-only. */
export interface DocumentPdfsTable {
  document_id: number;
  /** Buffer on both drivers (better-sqlite3 blob, pg bytea) */
  pdf: Uint8Array;
  sha256: string;
  size: number;
  created_at: string;
}

// ---- end PDF archive ----

// ---- receivables: owned by src/receivables, migration 0020_receivables ----

export interface BankStatementsTable {
  id: Generated<number>;
  format: 'camt053' | 'csv';
  statement_key: string;
  account_iban: string | null;
  statement_ref: string | null;
  from_date: string | null;
  to_date: string | null;
  file_name: string | null;
  imported_at: string;
  imported_by_user_id: number | null;
  imported_by_token_id: number | null;
}

export interface BankEntriesTable {
  id: Generated<number>;
  statement_id: number;
  entry_key: string;
  booking_date: string;
  value_date: string | null;
  /** credits positive, debits negative */
  amount_cents: number;
  currency: string;
  counterparty_name: string | null;
  counterparty_iban: string | null;
  remittance: string | null;
  end_to_end_id: string | null;
  bank_reference: string | null;
  status: 'booked' | 'review' | 'rejected' | 'ignored';
  match_code: string | null;
  /** JSON, see src/receivables/bank-import.ts */
  proposal: string | null;
  decided_at: string | null;
  decided_by_user_id: number | null;
  created_at: string;
}

export interface PaymentsTable {
  id: Generated<number>;
  document_id: number;
  customer_id: number;
  paid_on: string;
  amount_cents: number;
  reference: string | null;
  source: 'bank' | 'cash' | 'card' | 'manual';
  bank_entry_id: number | null;
  created_at: string;
  created_by_user_id: number | null;
  created_by_token_id: number | null;
}

// ---- end receivables ----

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  company: CompanyTable;
  customers: CustomersTable;
  number_sequences: NumberSequencesTable;
  documents: DocumentsTable;
  document_lines: DocumentLinesTable;
  document_pdfs: DocumentPdfsTable;
  dispatches: DispatchesTable;
  dispatch_recipients: DispatchRecipientsTable;
  dispatch_documents: DispatchDocumentsTable;
  dispatch_draft_documents: DispatchDraftDocumentsTable;
  deliveries: DeliveriesTable;
  delivery_documents: DeliveryDocumentsTable;
  dispatch_rate_buckets: DispatchRateBucketsTable;
  mail_settings: MailSettingsTable;
  templates: TemplatesTable;
  mail_bounces: MailBouncesTable;
  mailbox_state: MailboxStateTable;
  singleton_leases: SingletonLeasesTable;
  bank_statements: BankStatementsTable;
  bank_entries: BankEntriesTable;
  payments: PaymentsTable;
}

export type UserRow = Selectable<UsersTable>;
export type CustomerRow = Selectable<CustomersTable>;
export type NewCustomerRow = Insertable<CustomersTable>;
export type CustomerUpdate = Updateable<CustomersTable>;
export type DocumentRow = Selectable<DocumentsTable>;
export type DocumentLineRow = Selectable<DocumentLinesTable>;
export type CompanyRow = Selectable<CompanyTable>;
