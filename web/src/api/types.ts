import type { Company as DomainCompany } from '../../../src/domain/company.ts';
/** Shapes of the HTTP API as the presenters in src/http/presenters.ts write them. */
export type Role = 'admin' | 'staff';
export type Locale = 'de' | 'en';

export interface User {
  id: number;
  email: string;
  name: string;
  role: Role;
  locale: Locale;
  disabled: boolean;
  createdAt: string;
}

export interface LoginResult {
  user: User;
  csrfToken: string;
  expiresAt: string;
}

export interface Me {
  user: User | null;
  role: Role;
  csrfToken: string | null;
  expiresAt?: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface Customer {
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
  emailConsentAt: string | null;
  vatId: string | null;
  notes: string | null;
  createdAt: string;
  updatedAt: string;
}

export type CustomerInput = Omit<Customer, 'id' | 'displayName' | 'createdAt' | 'updatedAt' | 'number'> & { number?: string };

export type DocumentType = 'invoice' | 'quote' | 'creditNote';
export type DocumentStatus = 'draft' | 'final' | 'cancelled';

export interface DocumentListItem {
  id: number;
  type: DocumentType;
  number: string | null;
  status: DocumentStatus;
  issueDate: string;
  dueDate: string | null;
  customerId: number;
  customerNumber: string;
  customerName: string;
  customerEmail: string | null;
  invoiceByPost: boolean;
  netCents: number;
  grossCents: number;
  lastSentAt: string | null;
  lastSentTo: string | null;
}

export interface DocumentLine {
  position: number;
  description: string;
  quantity: number;
  unit: string;
  unitPriceCents: number;
  vatRate: 19 | 7 | 0;
  exemptionReason: string | null;
  discountPercent: number;
  netCents: number;
}

export interface FaktDocument {
  id: number;
  type: DocumentType;
  number: string | null;
  status: DocumentStatus;
  customerId: number;
  language: Locale;
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
  lines: DocumentLine[];
}

export interface DocumentLineInput {
  description: string;
  quantity: number;
  unit: string;
  unitPriceCents: number;
  vatRate: 19 | 7 | 0;
  exemptionReason: string | null;
  discountPercent: number;
}

export interface DocumentInput {
  type?: 'invoice' | 'quote';
  customerId: number;
  language: Locale;
  issueDate?: string;
  serviceDate: string | null;
  paymentTermsDays?: number;
  introText: string | null;
  closingText: string | null;
  lines: DocumentLineInput[];
}

/** What `GET /api/company` returns: the domain's Company without the logo bytes (see presentCompany). */
export type Company = Omit<DomainCompany, 'logo'> & { hasLogo: boolean };

export interface ApiToken {
  id: number;
  name: string;
  prefix: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export type TemplateKind = 'customerNotification';

export interface Template {
  id: number;
  active?: boolean;
  name: string;
  kind: TemplateKind;
  language: Locale;
  subject: string;
  body: string;
  createdAt?: string;
  updatedAt?: string;
}

export interface TemplatePreview {
  subject: string;
  text: string;
  html?: string;
  /** rendered with sample data (no customer chosen) */
  sample: boolean;
}

export interface TestMessageResult {
  result: 'sent' | 'failed';
  messageId: string;
  reply: string | null;
  failureClass?: string;
}

export type SecurityMode = 'none' | 'starttls' | 'tls';

/** Before an admin set up a server, the API answers `{ configured: false }`. */
export type MailSettingsResponse = MailSettings | { configured: false };

export interface MailSettings {
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
  warnings: string[];
  updatedAt?: string;
}

export interface MailPreset {
  id: string;
  name: { de: string; en: string };
  host: string;
  port: number;
  security: SecurityMode;
  ratePerMinute: number;
  ratePerDay: number | null;
  poolSize: number;
  note: { code: string; message: string } | null;
}

export interface ConnectionTestOutcome {
  result: string;
  detail: string;
  certificateProblem?: string | null;
  stage?: string;
  reply?: string;
  durationMs: number;
}

/** One e-mail delivery that carried a document (GET /api/documents/:id/sends), newest first. */
export interface DocumentSend {
  dispatchId: number;
  deliveryId: number;
  state: string;
  to: string;
  attempts: number;
  sentAt: string | null;
  lastAttemptAt: string | null;
  messageId: string | null;
  smtpResponse: string | null;
  errorMessage: string | null;
  createdAt: string;
}
