import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { ClassifiedFailure } from '../domain/dispatch.ts';

/**
 * What the dispatch engine needs from the outside world, as small interfaces. The production
 * implementation (`adapters.ts`) wires them to the mail and PDF modules; tests may wire them to a
 * local smtp-server directly. The engine never imports nodemailer or the PDF archive itself.
 */

export interface Address {
  name: string;
  email: string;
}

export interface OutgoingAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

/** One e-mail as the dispatch wants it sent; sender, reply-to, BCC and DKIM come from the mail settings. */
export interface OutgoingMessage {
  to: Address;
  subject: string;
  text: string;
  html?: string | undefined;
  attachments: OutgoingAttachment[];
  /** stable per delivery (`<…@domain>`), so a duplicate caused by an uncertain re-send can be recognised by mail clients */
  messageId: string;
}

export interface SendResult {
  messageId: string;
  /** the server's final reply, e.g. `250 2.0.0 Ok: queued as 4F2A1` */
  response: string;
}

/** Limits and sizes from the mail settings that the engine obeys. */
export interface MailLimits {
  /** parallel SMTP connections (the worker's concurrency) */
  poolSize: number;
  /** null: no limit */
  perMinute: number | null;
  perDay: number | null;
  /** attempts per delivery before a temporary failure becomes `failed` */
  maxAttempts: number;
}

export interface Mailer {
  limits: MailLimits;
  /** the sender's display name (templates may use it as `sender.name`) */
  senderName: string;
  /** the domain for Message-IDs (from the sender address) */
  messageIdDomain: string;
  /** a fingerprint of the settings: when it changes, the worker opens a new mailer */
  version: string;
  /**
   * The stored settings' save counter (`mail_settings.version`) this mailer was opened with. A
   * delivery is marked `sending` for this mailer only while it is still the stored one, so a
   * saved change reaches the very next message in every process. Undefined: not checked.
   */
  settingsVersion?: number | undefined;
  /** the server the messages go to (host:port), recorded with each attempt */
  server?: string | undefined;
  /**
   * Sends one message. It may take over the attachments' bytes (moved to the SMTP thread): do not
   * use them afterwards. With `hooks.ready`, the content is sent only after `ready` resolved true,
   * which is called once a connection is ready to carry it (connected, greeted, TLS and login done,
   * envelope accepted, the server waiting for the content); otherwise the send fails and nothing
   * of the message was transmitted.
   */
  send(message: OutgoingMessage, hooks?: { ready(): Promise<boolean> }): Promise<SendResult>;
  /** Starts what sending needs (the SMTP thread) ahead of the first message. */
  warm?(): void;
  classify(error: unknown): ClassifiedFailure;
  close(): void;
}

export interface ArchivedPdf {
  pdf: Buffer;
  sha256: string;
}

/** A PDF as loaded in a batch: the bytes, or why they cannot be used (e.g. the hash does not match). */
export type LoadedPdf = ArchivedPdf | { error: Error };

export interface TemplateText {
  id: number;
  name: string;
  language: 'de' | 'en';
  subject: string;
  body: string;
}

/** The plain data a template is rendered with (one customer, their documents, the sender). */
export interface RenderData {
  customer: {
    number: string;
    salutation: string | null;
    firstName: string | null;
    lastName: string | null;
    companyName: string | null;
    street: string | null;
    postcode: string | null;
    city: string | null;
    country: string | null;
    email: string | null;
  };
  documents: readonly { type: 'invoice' | 'quote' | 'creditNote'; number: string | null; issueDate: string; dueDate: string | null; grossCents: number }[];
  company: {
    name: string;
    street: string | null;
    postcode: string | null;
    city: string | null;
    email: string | null;
    phone: string | null;
    website: string | null;
    iban: string | null;
    bic: string | null;
    bankName: string | null;
    vatId: string | null;
    taxNumber: string | null;
    emailFooter: string | null;
  };
  senderName: string;
}

/** What a dispatch keeps of its template when sending starts. */
export type TemplateSnapshot = Pick<TemplateText, 'subject' | 'body' | 'language'>;

export interface RenderedText {
  subject: string;
  text: string;
  html?: string | undefined;
}

/**
 * Functions take the executor to run on (the caller's transaction where there is one): on SQLite a
 * call on another connection handle inside a transaction would wait for that transaction forever.
 */
export interface DispatchPorts {
  /** undefined when no SMTP server is configured yet (the seed's precondition) */
  openMailer(db: Kysely<Database>): Promise<Mailer | undefined>;
  /** the archived bytes of a final document, exactly as finalised; loaded per delivery */
  loadPdf(db: Kysely<Database>, documentId: number): Promise<ArchivedPdf | undefined>;
  /** the same for many documents in one query (the worker prepares several deliveries at once); absent ids are not in the map */
  loadPdfs(db: Kysely<Database>, documentIds: readonly number[]): Promise<Map<number, LoadedPdf>>;
  /** a template of kind `customerNotification` (Kunden Benachrichtigung) */
  loadTemplate(db: Kysely<Database>, templateId: number): Promise<TemplateText | undefined>;
  render(template: TemplateSnapshot, data: RenderData): Promise<RenderedText>;
  /** one PDF from many, for the print batch of customers who want paper */
  mergePdfs(pdfs: Buffer[]): Promise<Buffer>;
}
