import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { ClassifiedFailure, FailureClass } from '../domain/dispatch.ts';
import { AppError, isAppError } from '../domain/errors.ts';
import { deliveryIdFromMessageId, verpReturnPath } from '../mail/bounces/verp.ts';
import { composeMessage, messageIdDomain } from '../mail/compose.ts';
import { loadMailSettingsRow, settingsFromRow, type MailSettings } from '../mail/settings.ts';
import { classifySmtpError, type SmtpFailureClass } from '../mail/smtp-errors.ts';
import { buildTemplateContext } from '../mail/templates/context.ts';
import { renderNotification } from '../mail/templates/engine.ts';
import { createThreadedMailTransport } from '../mail/transport-thread.ts';
import { DEFAULT_TIMEOUTS, type SmtpTimeouts } from '../mail/transport.ts';
import { databasePdfArchive, sha256Hex } from '../pdf/archive.ts';
import type { DispatchPorts, LoadedPdf, Mailer, OutgoingMessage } from './ports.ts';

/**
 * The production wiring of the dispatch engine: SMTP settings, transport, composition and
 * error classification from the mail module; archived PDFs and merging from the PDF module.
 */

export interface DispatchPortOptions {
  /** the installation secret that decrypts the stored SMTP password */
  secret: string;
  /** attempts per delivery before a temporary failure becomes `failed` */
  maxAttempts?: number;
  timeouts?: SmtpTimeouts;
}

const CLASS_MAP: Record<SmtpFailureClass, FailureClass> = {
  temporary: 'temporary',
  permanent: 'permanent',
  auth: 'auth',
  connection: 'connection',
  timeout: 'connection',
  // A certificate or DNS problem is a configuration problem: retrying the same recipient later
  // can work once an admin fixes it, so it is not the recipient's permanent failure.
  tls: 'connection',
  dns: 'connection',
};

/** Maps whatever sending threw to what the engine does with the delivery. */
export function classifyForDispatch(error: unknown): ClassifiedFailure {
  if (isAppError(error)) {
    // Our own checks before the SMTP conversation (message too large, invalid recipient): no
    // later attempt would change the outcome.
    return { class: error.retryable ? 'temporary' : 'permanent', code: error.code, reply: error.message };
  }
  const c = classifySmtpError(error);
  const cls = CLASS_MAP[c.class];
  const message = error instanceof Error ? error.message : String(error);
  const code = cls === 'auth' ? 'smtp.authFailed' : cls === 'permanent' ? 'smtp.rejected' : cls === 'temporary' ? 'smtp.deferred' : `smtp.${c.class}`;
  return { class: cls, code, reply: (c.reply ?? message).slice(0, 1000) };
}

export function mailerFromSettings(
  settings: MailSettings,
  version: string,
  options: { maxAttempts?: number; timeouts?: SmtpTimeouts; settingsVersion?: number } = {},
): Mailer {
  // The engine's token bucket in the database is the rate limit, across all processes. nodemailer's
  // own limiter counts a fixed real minute per process: with the window configured shorter (tests)
  // or several workers, each process sent a full minute's quota in a burst and then stalled for the
  // rest of that minute (the cluster test averaged 25 msg/s under a 120 msg/s limit).
  const transport = createThreadedMailTransport(settings, options.timeouts ?? DEFAULT_TIMEOUTS, { perProcessRateLimit: false });
  return {
    limits: { poolSize: settings.poolSize, perMinute: settings.ratePerMinute, perDay: settings.ratePerDay, maxAttempts: options.maxAttempts ?? 5 },
    senderName: settings.fromName,
    messageIdDomain: messageIdDomain(settings.fromEmail),
    version,
    settingsVersion: options.settingsVersion,
    server: `${settings.host}:${settings.port}`,
    async send(message: OutgoingMessage, hooks) {
      const mail = composeMessage({ settings, subject: message.subject, text: message.text, html: message.html, to: message.to, attachments: message.attachments, messageId: message.messageId, returnPath: verpFor(settings, message.messageId) });
      const info = await transport.sendMail(mail, hooks);
      return { messageId: info.messageId || message.messageId, response: info.response };
    },
    classify: classifyForDispatch,
    close: () => transport.close(),
    warm: () => transport.warm(),
  };
}

/** With VERP on (bounce mailbox settings), each delivery's own return path: rechnung+d123@praxis.de. */
function verpFor(settings: MailSettings, messageId: string): string | undefined {
  const deliveryId = settings.imap?.verp ? deliveryIdFromMessageId(messageId) : null;
  return deliveryId === null ? undefined : verpReturnPath(settings.fromEmail, deliveryId);
}

export function createDispatchPorts(options: DispatchPortOptions): DispatchPorts {
  return {
    async openMailer(db: Kysely<Database>) {
      const row = await loadMailSettingsRow(db);
      if (!row) return undefined;
      const version = createHash('sha256').update(JSON.stringify(row)).digest('hex').slice(0, 16);
      return mailerFromSettings(settingsFromRow(row, options.secret), version, { ...options, settingsVersion: row.version });
    },
    loadPdf: (db, documentId) => databasePdfArchive.load(db, documentId),
    async loadPdfs(db, documentIds) {
      const out = new Map<number, LoadedPdf>();
      const ids = [...new Set(documentIds)];
      for (let i = 0; i < ids.length; i += 200) {
        const rows = await db.selectFrom('document_pdfs').select(['document_id', 'pdf', 'sha256']).where('document_id', 'in', ids.slice(i, i + 200)).execute();
        for (const row of rows) {
          const pdf = Buffer.isBuffer(row.pdf) ? row.pdf : Buffer.from(row.pdf.buffer, row.pdf.byteOffset, row.pdf.byteLength);
          // The same integrity check as the archive's own load: what is attached is provably what was
          // archived (GoBD). A mismatch fails only that document's delivery, not the batch.
          out.set(
            row.document_id,
            sha256Hex(pdf) === row.sha256 ? { pdf, sha256: row.sha256 } : { error: new AppError('conflict', 'pdf.archiveCorrupt', `archived PDF of document ${row.document_id} does not match its SHA-256`) },
          );
        }
      }
      return out;
    },
    async loadTemplate(db, templateId) {
      const t = await db
        .selectFrom('templates')
        .select(['id', 'name', 'language', 'subject', 'body'])
        .where('id', '=', templateId)
        .where('kind', '=', 'customerNotification')
        .executeTakeFirst();
      return t;
    },
    async render(template, data) {
      const context = buildTemplateContext({ ...data, language: template.language });
      return renderNotification(template, context);
    },
    async mergePdfs(pdfs) {
      // pdf-lib (≈ 6 MB) loads only in the merge thread, not in every process; off the event loop.
      const { mergePdfsOffThread } = await import('../pdf/merge-thread.ts');
      return Buffer.from(await mergePdfsOffThread(pdfs));
    },
  };
}
