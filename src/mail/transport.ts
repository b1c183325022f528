import { isIP } from 'node:net';
import nodemailer from 'nodemailer';
import type { SMTPPoolOptions, SMTPPoolSentMessageInfo, SMTPTransportOptions, Transporter } from 'nodemailer';
import type { MailSettings } from './settings.ts';

/** Timeouts in milliseconds; the connection test uses shorter ones so the admin is not kept waiting. */
export interface SmtpTimeouts {
  connectionMs: number;
  greetingMs: number;
  socketMs: number;
  dnsMs: number;
}

export const DEFAULT_TIMEOUTS: SmtpTimeouts = { connectionMs: 30_000, greetingMs: 30_000, socketMs: 60_000, dnsMs: 15_000 };

/** The SMTP options shared by the pooled transport and the one-shot connection test. */
export function smtpOptions(settings: MailSettings, timeouts: SmtpTimeouts = DEFAULT_TIMEOUTS): SMTPTransportOptions {
  return {
    host: settings.host,
    port: settings.port,
    // `tls`: TLS from the first byte (port 465, RFC 8314); `starttls`: plain connect, then
    // STARTTLS is required, so a downgrade by a man in the middle fails instead of sending the
    // password in clear; `none`: never upgrade (only for a local relay or the mail catcher).
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    ...(settings.heloName ? { name: settings.heloName } : {}),
    ...(settings.auth ? { auth: { user: settings.auth.user, pass: settings.auth.password } } : {}),
    tls: {
      rejectUnauthorized: !settings.acceptSelfSigned,
      minVersion: 'TLSv1.2',
      // SNI takes host names only (RFC 6066 §3); an IP address is matched against the certificate without it.
      ...(isIP(settings.host) === 0 ? { servername: settings.host } : {}),
    },
    connectionTimeout: timeouts.connectionMs,
    greetingTimeout: timeouts.greetingMs,
    socketTimeout: timeouts.socketMs,
    dnsTimeout: timeouts.dnsMs,
    // Message content never names files or URLs to fetch: attachments are archived bytes.
    disableFileAccess: true,
    disableUrlAccess: true,
    // nodemailer's logger would print the AUTH exchange at debug level; we log outcomes ourselves.
    logger: false,
    debug: false,
    ...(settings.dkim
      ? { dkim: { domainName: settings.dkim.domain, keySelector: settings.dkim.selector, privateKey: settings.dkim.privateKey } }
      : {}),
  };
}

export type MailTransport = Transporter<SMTPPoolSentMessageInfo, SMTPPoolOptions>;

/**
 * A pooled SMTP transport: `poolSize` connections, each reused for up to 100 messages.
 * The pool's own rate limit is a per-process safety net. The dispatch engine turns it off
 * (`perProcessRateLimit: false`): it enforces the provider's limit globally across workers, and
 * nodemailer's fixed one-minute window per process let every worker burst, then stall.
 */
export function createMailTransport(settings: MailSettings, timeouts: SmtpTimeouts = DEFAULT_TIMEOUTS, options: { perProcessRateLimit?: boolean } = {}): MailTransport {
  return nodemailer.createTransport({
    ...smtpOptions(settings, timeouts),
    pool: true,
    maxConnections: settings.poolSize,
    maxMessages: 100,
    ...(options.perProcessRateLimit === false ? {} : { rateLimit: settings.ratePerMinute, rateDelta: 60_000 }),
  });
}

/** A single, unpooled connection (connection test, test message). */
export function createSingleTransport(settings: MailSettings, timeouts: SmtpTimeouts = DEFAULT_TIMEOUTS) {
  return nodemailer.createTransport(smtpOptions(settings, timeouts));
}
