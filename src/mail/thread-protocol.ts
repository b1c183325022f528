import type { SendMailOptions } from 'nodemailer';
import type { MailSettings } from './settings.ts';
import type { SmtpTimeouts } from './transport.ts';

/** What the SMTP thread (transport-thread-worker.ts) and its owner (transport-thread.ts) exchange. */

export interface SmtpThreadData {
  settings: MailSettings;
  timeouts: SmtpTimeouts;
  perProcessRateLimit: boolean;
}

export interface SmtpThreadRequest {
  id: number;
  mail: SendMailOptions;
  /**
   * Hold the message's content until the owner says go: the thread answers `ready` once a
   * connection (connected, greeted, TLS and login done) has the envelope accepted and the server
   * waits for the content (DATA, 354), and sends the content only after a `go` with `proceed`.
   */
  gate?: boolean;
}

/** The owner's answer to `ready`: send the content, or abort the transaction before any of it. */
export interface SmtpThreadGo {
  go: number;
  proceed: boolean;
}

export type SmtpThreadResponse =
  | { id: number; ok: true; messageId: string; response: string }
  | { id: number; ok: false; error: SerializedError }
  | { id: number; ready: true };

/**
 * An error as plain data. Errors cross threads by structured clone, which keeps only name and
 * message; how a failure is classified depends on nodemailer's extra fields (`code`,
 * `responseCode`, `response`, `command`, …) and on the codes of its causes.
 */
export interface SerializedError {
  name: string;
  message: string;
  fields: Record<string, string | number | boolean>;
  cause?: SerializedError;
}

export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  const cause: unknown = error.cause;
  return { name: error.name, message: error.message, fields, ...(cause !== undefined && depth < 5 ? { cause: serializeError(cause, depth + 1) } : {}) };
}

export function deserializeError(data: SerializedError): Error {
  const error = new Error(data.message, data.cause ? { cause: deserializeError(data.cause) } : undefined);
  error.name = data.name;
  return Object.assign(error, data.fields);
}

/**
 * Structured clone turns a Buffer into a plain Uint8Array; nodemailer only treats Buffers as
 * content. Views of the same bytes, no copy.
 */
export function withBufferContent(mail: SendMailOptions): SendMailOptions {
  if (!mail.attachments) return mail;
  return {
    ...mail,
    attachments: mail.attachments.map((a) => {
      const content: unknown = a.content;
      return content instanceof Uint8Array && !Buffer.isBuffer(content) ? { ...a, content: Buffer.from(content.buffer, content.byteOffset, content.byteLength) } : a;
    }),
  };
}
