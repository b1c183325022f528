import type { SendMailOptions } from 'nodemailer';
import { isValidEmail } from '../domain/customer.ts';
import type { DocumentType, Language } from '../domain/document.ts';
import { AppError } from '../domain/errors.ts';
import { DOCUMENT_TYPE_LABELS } from './templates/context.ts';
import { sanitizeSubject, textToHtml } from './templates/engine.ts';
import type { MailSettings } from './settings.ts';
import { toOneLine } from './text.ts';

/**
 * One function from (settings, rendered template, recipient, attachments) to a nodemailer message.
 *
 * Header safety: nodemailer encodes non-ASCII names and subjects as RFC 2047 encoded words and
 * folds long lines; on top of that every name and the subject are reduced to one line here, so a
 * CR/LF in a customer name or a rendered subject can never start a header of its own.
 */
export interface ComposeAttachment {
  filename: string;
  content: Buffer;
  contentType?: string;
}

export interface ComposeInput {
  settings: Pick<MailSettings, 'fromName' | 'fromEmail' | 'replyTo' | 'bccArchive' | 'maxMessageBytes'>;
  subject: string;
  text: string;
  /** the HTML alternative; built from `text` (escaped) when omitted */
  html?: string | undefined;
  language?: Language;
  to: { name: string; email: string };
  attachments: readonly ComposeAttachment[];
  /** `<dispatch-12.recipient-34.attempt-1@praxis.de>`: stored with the delivery before sending */
  messageId: string;
  /** fixed for reproducible tests; the current time otherwise */
  date?: Date;
  /** the envelope sender (MAIL FROM) when it differs from the From address: a VERP return path */
  returnPath?: string | undefined;
}

const MESSAGE_ID = /^<[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+>$/;

/** A deterministic Message-ID (RFC 5322 §3.6.4): the same delivery attempt always gets the same id. */
export function messageIdFor(input: { dispatchId: number; recipientId: number; attempt: number; fromEmail: string }): string {
  return `<dispatch-${input.dispatchId}.recipient-${input.recipientId}.attempt-${input.attempt}@${messageIdDomain(input.fromEmail)}>`;
}

export function messageIdDomain(fromEmail: string): string {
  const domain = fromEmail.slice(fromEmail.lastIndexOf('@') + 1).toLowerCase();
  return /^[a-z0-9.-]+$/.test(domain) && domain !== '' ? domain : 'faktura.invalid';
}

/** `Rechnung_RE-2026-00042.pdf`: only characters every mail client and file system accepts. */
export function attachmentFilename(doc: { type: DocumentType; number: string | null; id: number; language: Language }): string {
  const label = DOCUMENT_TYPE_LABELS[doc.language][doc.type].replace(/\s+/g, '_');
  const number = (doc.number ?? `ENTWURF-${doc.id}`).replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${label}_${number}.pdf`;
}

/** A display name on one line: control characters (CR, LF, tab, …) become spaces. */
export function oneLine(value: string, maxLength = 200): string {
  return toOneLine(value, maxLength);
}

function safeFilename(name: string): string {
  // No path separators or control characters: some clients save attachments under this name.
  const cleaned = oneLine(name, 150).replace(/[\\/:*?"<>|]+/g, '_');
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'Dokument.pdf' : cleaned;
}

/** Roughly what the message will weigh on the wire: base64 grows attachments by 4/3 plus line breaks. */
export function estimateMessageBytes(input: Pick<ComposeInput, 'text' | 'html' | 'attachments' | 'subject'>): number {
  const base64 = (bytes: number) => Math.ceil(bytes / 3) * 4 * (78 / 76);
  const textBytes = Buffer.byteLength(input.text, 'utf8');
  const htmlBytes = input.html === undefined ? textBytes * 1.5 + 400 : Buffer.byteLength(input.html, 'utf8');
  const attachments = input.attachments.reduce((sum, a) => sum + base64(a.content.length) + 300, 0);
  // quoted-printable may triple non-ASCII text in the worst case; 2 KiB for headers and boundaries
  return Math.ceil(textBytes * 1.2 + htmlBytes * 1.2 + attachments + Buffer.byteLength(input.subject, 'utf8') * 2 + 2048);
}

export function composeMessage(input: ComposeInput): SendMailOptions {
  const { settings } = input;
  if (!MESSAGE_ID.test(input.messageId)) {
    throw new AppError('validation', 'mail.messageIdInvalid', 'the Message-ID must look like <local@domain>', { meta: { messageId: input.messageId } });
  }
  const toEmail = input.to.email.trim();
  if (!isValidEmail(toEmail)) throw new AppError('validation', 'mail.recipientInvalid', 'the recipient address is not a valid e-mail address', { field: 'to' });

  const size = estimateMessageBytes(input);
  if (size > settings.maxMessageBytes) {
    throw new AppError('tooLarge', 'mail.tooLarge', `the message would be about ${formatMb(size)} MB, more than the limit of ${formatMb(settings.maxMessageBytes)} MB`, {
      retryable: false,
      meta: { sizeBytes: size, limitBytes: settings.maxMessageBytes, attachments: input.attachments.length },
    });
  }

  const language = input.language ?? 'de';
  const text = input.text.replace(/\r\n?/g, '\n');
  return {
    messageId: input.messageId,
    date: input.date ?? new Date(),
    from: { name: oneLine(settings.fromName), address: settings.fromEmail },
    to: { name: oneLine(input.to.name), address: toEmail },
    ...(settings.replyTo ? { replyTo: settings.replyTo } : {}),
    ...(settings.bccArchive ? { bcc: settings.bccArchive } : {}),
    subject: sanitizeSubject(input.subject),
    text,
    html: input.html ?? textToHtml(text, language),
    textEncoding: 'quoted-printable',
    attachments: input.attachments.map((a) => ({
      filename: safeFilename(a.filename),
      content: a.content,
      contentType: a.contentType ?? 'application/pdf',
      contentDisposition: 'attachment',
    })),
    headers: { 'Content-Language': language },
    // Bounces go to the envelope sender; the recipients stay those of the headers (To and the BCC copy).
    ...(input.returnPath ? { envelope: { from: input.returnPath, to: [toEmail, ...(settings.bccArchive ? [settings.bccArchive] : [])] } } : {}),
    // content is always given as bytes; never let a value be read as a file path or URL
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

function formatMb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
