import { createPrivateKey } from 'node:crypto';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { Db } from '../db/connection.ts';
import type { MailSettingsTable } from '../db/schema.ts';
import type { Executor } from '../commands/context.ts';
import { isValidEmail } from '../domain/customer.ts';
import { AppError, validationError } from '../domain/errors.ts';
import { multiLineText, singleLineText } from '../domain/text-input.ts';
import type { ImapSettingsView, MailSettingsView } from '../http/api-types.ts';
import { createSecretBox } from './secret-box.ts';
import { hasControlChars } from './text.ts';

/**
 * The SMTP outgoing server (SMTP Postausgangsserver), as the mail module uses it internally:
 * secrets decrypted. It never goes to a client: `presentMailSettings` decides what the API shows.
 */
export const SECURITY_MODES = ['none', 'starttls', 'tls'] as const;
export type SecurityMode = (typeof SECURITY_MODES)[number];

export const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export interface MailSettings {
  preset: string | null;
  host: string;
  port: number;
  security: SecurityMode;
  auth: { user: string; password: string } | null;
  /** accept a self-signed or otherwise unverifiable certificate (off by default: it allows interception) */
  acceptSelfSigned: boolean;
  fromName: string;
  fromEmail: string;
  replyTo: string | null;
  /** a copy of every message to this address (the accounting inbox) */
  bccArchive: string | null;
  /** the name sent in EHLO; the machine's host name when null */
  heloName: string | null;
  poolSize: number;
  ratePerMinute: number;
  ratePerDay: number | null;
  maxMessageBytes: number;
  dkim: { domain: string; selector: string; privateKey: string } | null;
  /** the mailbox bounces arrive in (IMAP), null when none is set up */
  imap: ImapSettings | null;
}

/** The practice's mailbox, read for bounces (and the Sent folder for copies). */
export interface ImapSettings {
  host: string;
  port: number;
  security: SecurityMode;
  auth: { user: string; password: string };
  acceptSelfSigned: boolean;
  /** where bounces arrive */
  folder: string;
  /** where processed bounces are moved; created when missing */
  processedFolder: string;
  /** null: the folder the server marks \Sent (RFC 6154) */
  sentFolder: string | null;
  /** send with a VERP return path, e.g. rechnung+d123@praxis.de */
  verp: boolean;
  saveSentCopy: boolean;
  dailyDigest: boolean;
}

export const DEFAULT_BOUNCE_FOLDER = 'INBOX';
export const DEFAULT_PROCESSED_FOLDER = 'Faktura/Verarbeitet';

export type MailSettingsRow = Selectable<MailSettingsTable>;

/** What a client may send. Secrets are write-only: omitted means "keep what is stored". */
const hostname = singleLineText({ max: 253 });
export const mailSettingsInput = z.strictObject({
  preset: singleLineText({ max: 40, trim: false }).nullable().default(null),
  host: hostname,
  port: z.number().int().min(1).max(65535),
  security: z.enum(SECURITY_MODES),
  user: singleLineText({ max: 320 }).nullable().default(null),
  /** omitted: keep the stored password; a string: replace it */
  password: z.string().min(1).max(1000).optional(),
  acceptSelfSigned: z.boolean().default(false),
  fromName: singleLineText({ max: 200 }),
  fromEmail: singleLineText({ max: 254 }),
  replyTo: singleLineText({ max: 254 }).nullable().default(null),
  bccArchive: singleLineText({ max: 254 }).nullable().default(null),
  heloName: hostname.nullable().default(null),
  poolSize: z.number().int().min(1).max(20).default(2),
  ratePerMinute: z.number().int().min(1).max(100_000),
  ratePerDay: z.number().int().min(1).max(10_000_000).nullable().default(null),
  maxMessageBytes: z.number().int().min(100_000).max(100 * 1024 * 1024).default(DEFAULT_MAX_MESSAGE_BYTES),
  dkim: z
    .strictObject({
      domain: hostname,
      selector: singleLineText({ max: 63 }),
      /** PEM; omitted: keep the stored key */
      privateKey: multiLineText({ max: 20_000, trim: false }).optional(),
    })
    .nullable()
    .default(null),
  /** the bounce mailbox: omitted = keep what is stored, null = none */
  imap: z
    .strictObject({
      host: hostname,
      port: z.number().int().min(1).max(65535),
      security: z.enum(SECURITY_MODES),
      user: singleLineText({ max: 320 }),
      /** omitted: keep the stored password */
      password: z.string().min(1).max(1000).optional(),
      acceptSelfSigned: z.boolean().default(false),
      folder: singleLineText({ max: 200 }).default(DEFAULT_BOUNCE_FOLDER),
      processedFolder: singleLineText({ max: 200 }).default(DEFAULT_PROCESSED_FOLDER),
      sentFolder: singleLineText({ max: 200 }).nullable().default(null),
      verp: z.boolean().default(false),
      saveSentCopy: z.boolean().default(false),
      dailyDigest: z.boolean().default(false),
    })
    .nullable()
    .optional(),
});
export type MailSettingsInput = z.infer<typeof mailSettingsInput>;

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;

export function isValidHost(value: string): boolean {
  return HOSTNAME.test(value) || IPV4.test(value) || /^\[[0-9a-fA-F:.]+\]$/.test(value);
}

/**
 * Whether the stored SMTP password may be used for these settings: only for the server, port and
 * user it was stored for. Otherwise a draft (or a saved change) pointing at another host would
 * hand the stored password to that host (issue 15 item 6).
 */
export function storedPasswordApplies(row: Pick<MailSettingsRow, 'host' | 'port' | 'auth_user'> | undefined, input: Pick<MailSettingsInput, 'host' | 'port' | 'user'>): boolean {
  return row !== undefined && row.host.toLowerCase() === input.host.toLowerCase() && row.port === input.port && row.auth_user === input.user;
}

/**
 * Checks the business rules zod cannot express. `stored` tells whether a password / DKIM key is
 * already on file, so "keep the stored one" is valid only when there is one.
 */
export function validateMailSettings(input: MailSettingsInput, stored: { passwordSet: boolean; dkimKeySet: boolean; imapPasswordSet?: boolean; passwordForOtherServer?: boolean }): void {
  if (input.host === '') throw validationError('mailSettings.hostMissing', 'the SMTP server (host) is missing', 'host');
  if (!isValidHost(input.host)) throw validationError('mailSettings.hostInvalid', 'the SMTP server must be a host name or an IP address', 'host');
  if (input.heloName !== null && input.heloName !== '' && !isValidHost(input.heloName)) {
    throw validationError('mailSettings.heloNameInvalid', 'the HELO name must be a host name', 'heloName');
  }
  if (input.fromEmail === '') throw validationError('mailSettings.fromMissing', 'the sender address is missing', 'fromEmail');
  if (!isValidEmail(input.fromEmail)) throw validationError('mailSettings.fromInvalid', 'the sender address is not a valid e-mail address', 'fromEmail');
  // A line break in a display name would be folded away by nodemailer, but it is never intended.
  if (hasControlChars(input.fromName)) throw validationError('mailSettings.fromNameInvalid', 'the sender name must not contain line breaks or control characters', 'fromName');
  if (input.replyTo && !isValidEmail(input.replyTo)) throw validationError('mailSettings.replyToInvalid', 'the reply-to address is not a valid e-mail address', 'replyTo');
  if (input.bccArchive && !isValidEmail(input.bccArchive)) throw validationError('mailSettings.bccInvalid', 'the archive (BCC) address is not a valid e-mail address', 'bccArchive');
  if (input.user !== null && input.user !== '') {
    if (hasControlChars(input.user)) throw validationError('mailSettings.userInvalid', 'the user name must not contain control characters', 'user');
    if (input.password === undefined && !stored.passwordSet) {
      throw stored.passwordForOtherServer
        ? validationError('mailSettings.passwordReenter', 'enter the password again: the stored one is used only for the stored server, port and user', 'password')
        : validationError('mailSettings.passwordMissing', 'a user name is set but no password', 'password');
    }
  }
  if (input.dkim) {
    if (!isValidHost(input.dkim.domain)) throw validationError('mailSettings.dkimDomainInvalid', 'the DKIM domain must be a domain name', 'dkim.domain');
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62})$/.test(input.dkim.selector)) throw validationError('mailSettings.dkimSelectorInvalid', 'the DKIM selector must be a DNS label', 'dkim.selector');
    if (input.dkim.privateKey === undefined) {
      if (!stored.dkimKeySet) throw validationError('mailSettings.dkimKeyMissing', 'DKIM needs a private key', 'dkim.privateKey');
    } else if (!isUsableDkimKey(input.dkim.privateKey)) {
      throw validationError('mailSettings.dkimKeyInvalid', 'the DKIM key must be an RSA or Ed25519 private key in PEM format', 'dkim.privateKey');
    }
  }
  if (input.imap) {
    const imap = input.imap;
    if (imap.host === '') throw validationError('mailSettings.imapHostMissing', 'the IMAP server (host) is missing', 'imap.host');
    if (!isValidHost(imap.host)) throw validationError('mailSettings.imapHostInvalid', 'the IMAP server must be a host name or an IP address', 'imap.host');
    if (imap.user === '') throw validationError('mailSettings.imapUserMissing', 'the IMAP user name is missing', 'imap.user');
    if (hasControlChars(imap.user)) throw validationError('mailSettings.imapUserInvalid', 'the user name must not contain control characters', 'imap.user');
    if (imap.password === undefined && !stored.imapPasswordSet) throw validationError('mailSettings.imapPasswordMissing', 'the IMAP mailbox needs a password', 'imap.password');
    for (const field of ['folder', 'processedFolder', 'sentFolder'] as const) {
      const value = imap[field];
      if (value === null) continue;
      if (value === '' && field !== 'sentFolder') throw validationError('mailSettings.imapFolderInvalid', 'the folder name is missing', `imap.${field}`);
      if (hasControlChars(value) || /[*%]/.test(value)) throw validationError('mailSettings.imapFolderInvalid', 'a folder name must not contain control characters, * or %', `imap.${field}`);
    }
    if (imap.folder.toLowerCase() === imap.processedFolder.toLowerCase()) {
      throw validationError('mailSettings.imapFolderInvalid', 'processed bounces must go to another folder than the one they arrive in', 'imap.processedFolder');
    }
  }
}

function isUsableDkimKey(pem: string): boolean {
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'ed25519';
  } catch {
    return false;
  }
}

/** Hints the settings page shows next to the values; not errors, the admin may have reasons. */
export function mailSettingsWarnings(s: Pick<MailSettings, 'security' | 'auth' | 'acceptSelfSigned' | 'port'>): string[] {
  const warnings: string[] = [];
  if (s.acceptSelfSigned) warnings.push('mailSettings.selfSignedAccepted');
  if (s.security === 'none' && s.auth) warnings.push('mailSettings.passwordUnencrypted');
  if (s.security === 'tls' && s.port === 587) warnings.push('mailSettings.port587UsuallyStarttls');
  if (s.security === 'starttls' && s.port === 465) warnings.push('mailSettings.port465UsuallyTls');
  return warnings;
}

export function settingsFromRow(row: MailSettingsRow, secret: string): MailSettings {
  const box = createSecretBox(secret);
  const password = row.password_enc ? box.open(row.password_enc, 'smtpPassword') : null;
  const dkimKey = row.dkim_key_enc ? box.open(row.dkim_key_enc, 'dkimPrivateKey') : null;
  return {
    preset: row.preset,
    host: row.host,
    port: row.port,
    security: row.security,
    auth: row.auth_user && password !== null ? { user: row.auth_user, password } : null,
    acceptSelfSigned: row.accept_self_signed === 1,
    fromName: row.from_name,
    fromEmail: row.from_email,
    replyTo: row.reply_to,
    bccArchive: row.bcc_archive,
    heloName: row.helo_name,
    poolSize: row.pool_size,
    ratePerMinute: row.rate_per_minute,
    ratePerDay: row.rate_per_day,
    maxMessageBytes: row.max_message_bytes,
    dkim: row.dkim_domain && row.dkim_selector && dkimKey !== null ? { domain: row.dkim_domain, selector: row.dkim_selector, privateKey: dkimKey } : null,
    imap: imapFromRow(row, box),
  };
}

function imapFromRow(row: MailSettingsRow, box: ReturnType<typeof createSecretBox>): ImapSettings | null {
  const stored = storedImap(row);
  if (!stored || !row.imap_password_enc) return null;
  const { user, ...rest } = stored;
  return { ...rest, auth: { user, password: box.open(row.imap_password_enc, 'imapPassword') } };
}

/** The stored mailbox without its password, or null when none is set up. */
function storedImap(row: MailSettingsRow): (Omit<ImapSettings, 'auth'> & { user: string }) | null {
  if (!row.imap_host || !row.imap_port || !row.imap_security || !row.imap_user) return null;
  return {
    host: row.imap_host,
    port: row.imap_port,
    security: row.imap_security,
    user: row.imap_user,
    acceptSelfSigned: row.imap_accept_self_signed === 1,
    folder: row.imap_folder ?? DEFAULT_BOUNCE_FOLDER,
    processedFolder: row.imap_processed_folder ?? DEFAULT_PROCESSED_FOLDER,
    sentFolder: row.imap_sent_folder,
    verp: row.verp === 1,
    saveSentCopy: row.save_sent_copy === 1,
    dailyDigest: row.bounce_digest === 1,
  };
}

/**
 * The IMAP settings of a form that was not saved yet: `input` as the admin sent it, the stored
 * password where the form left it empty. Undefined input means "as stored".
 */
export function imapFromInput(input: MailSettingsInput['imap'], stored: ImapSettings | null): ImapSettings | null {
  if (input === undefined) return stored;
  if (input === null) return null;
  // The stored password goes only to the server it was stored for: a form pointing at another
  // host or user must bring its own, or a test could send the stored password anywhere.
  const sameServer = stored !== null && stored.host.toLowerCase() === input.host.toLowerCase() && stored.auth.user === input.user;
  const password = input.password ?? (sameServer ? stored.auth.password : undefined);
  if (password === undefined) return null;
  return {
    host: input.host,
    port: input.port,
    security: input.security,
    auth: { user: input.user, password },
    acceptSelfSigned: input.acceptSelfSigned,
    folder: input.folder,
    processedFolder: input.processedFolder,
    sentFolder: input.sentFolder || null,
    verp: input.verp,
    saveSentCopy: input.saveSentCopy,
    dailyDigest: input.dailyDigest,
  };
}

export async function loadMailSettingsRow(db: Executor): Promise<MailSettingsRow | undefined> {
  return db.selectFrom('mail_settings').selectAll().where('id', '=', 1).executeTakeFirst();
}

/** The configured SMTP server with secrets decrypted, or undefined before an admin set one up. */
export async function loadMailSettings(db: Db, secret: string): Promise<MailSettings | undefined> {
  const row = await loadMailSettingsRow(db.kysely);
  return row ? settingsFromRow(row, secret) : undefined;
}

/**
 * Validates and stores the settings; secrets are encrypted before they reach the database. Returns
 * which secrets changed, for the audit entry (never the values).
 */
export async function saveMailSettings(
  trx: Executor,
  secret: string,
  input: MailSettingsInput,
): Promise<{ row: MailSettingsRow; passwordChanged: boolean; dkimKeyChanged: boolean; imapPasswordChanged: boolean }> {
  const current = await loadMailSettingsRow(trx);
  const user = input.user === null || input.user === '' ? null : input.user;
  const keepPassword = Boolean(current?.password_enc) && storedPasswordApplies(current, { host: input.host, port: input.port, user });
  validateMailSettings(input, {
    passwordSet: keepPassword,
    passwordForOtherServer: Boolean(current?.password_enc) && !keepPassword,
    dkimKeySet: Boolean(current?.dkim_key_enc),
    imapPasswordSet: Boolean(current?.imap_password_enc),
  });
  const box = createSecretBox(secret);
  // No user: no authentication, so a stored password is dropped rather than kept unused. Another
  // server, port or user never inherits the stored password.
  const passwordEnc = user === null ? null : input.password !== undefined ? box.seal(input.password, 'smtpPassword') : keepPassword ? (current?.password_enc ?? null) : null;
  const dkimKeyEnc =
    input.dkim === null ? null : input.dkim.privateKey !== undefined ? box.seal(input.dkim.privateKey.trim() + '\n', 'dkimPrivateKey') : (current?.dkim_key_enc ?? null);
  const values = {
    preset: input.preset,
    host: input.host,
    port: input.port,
    security: input.security,
    auth_user: user,
    password_enc: passwordEnc,
    accept_self_signed: input.acceptSelfSigned ? 1 : 0,
    from_name: input.fromName,
    from_email: input.fromEmail,
    reply_to: input.replyTo || null,
    bcc_archive: input.bccArchive || null,
    helo_name: input.heloName || null,
    pool_size: input.poolSize,
    rate_per_minute: input.ratePerMinute,
    rate_per_day: input.ratePerDay,
    max_message_bytes: input.maxMessageBytes,
    dkim_domain: input.dkim?.domain ?? null,
    dkim_selector: input.dkim?.selector ?? null,
    dkim_key_enc: dkimKeyEnc,
    updated_at: new Date().toISOString(),
    ...imapColumns(input.imap, current, box),
  } satisfies Omit<MailSettingsRow, 'id' | 'version'>;
  // Every save counts: the dispatch worker marks a delivery `sending` only while the version it
  // opened its SMTP pool with is still the stored one (src/dispatch/engine/outcomes.ts).
  if (current) await trx.updateTable('mail_settings').set((eb) => ({ ...values, version: eb('version', '+', 1) })).where('id', '=', 1).execute();
  else await trx.insertInto('mail_settings').values({ id: 1, ...values }).execute();
  const row = await loadMailSettingsRow(trx);
  if (!row) throw new AppError('unavailable', 'mailSettings.saveFailed', 'mail settings were not stored');
  return {
    row,
    passwordChanged: (current?.password_enc ?? null) !== passwordEnc,
    dkimKeyChanged: (current?.dkim_key_enc ?? null) !== dkimKeyEnc,
    imapPasswordChanged: (current?.imap_password_enc ?? null) !== row.imap_password_enc,
  };
}

type ImapColumns = Pick<
  MailSettingsRow,
  | 'imap_host'
  | 'imap_port'
  | 'imap_security'
  | 'imap_user'
  | 'imap_password_enc'
  | 'imap_accept_self_signed'
  | 'imap_folder'
  | 'imap_processed_folder'
  | 'imap_sent_folder'
  | 'verp'
  | 'save_sent_copy'
  | 'bounce_digest'
>;

const NO_IMAP: ImapColumns = {
  imap_host: null,
  imap_port: null,
  imap_security: null,
  imap_user: null,
  imap_password_enc: null,
  imap_accept_self_signed: 0,
  imap_folder: null,
  imap_processed_folder: null,
  imap_sent_folder: null,
  verp: 0,
  save_sent_copy: 0,
  bounce_digest: 0,
};

/** The IMAP columns to store: omitted input keeps the stored ones, null removes the mailbox. */
function imapColumns(input: MailSettingsInput['imap'], current: MailSettingsRow | undefined, box: ReturnType<typeof createSecretBox>): ImapColumns {
  if (input === undefined) {
    if (!current) return NO_IMAP;
    const { imap_host, imap_port, imap_security, imap_user, imap_password_enc, imap_accept_self_signed, imap_folder, imap_processed_folder, imap_sent_folder, verp, save_sent_copy, bounce_digest } = current;
    return { imap_host, imap_port, imap_security, imap_user, imap_password_enc, imap_accept_self_signed, imap_folder, imap_processed_folder, imap_sent_folder, verp, save_sent_copy, bounce_digest };
  }
  if (input === null) return NO_IMAP;
  return {
    imap_host: input.host,
    imap_port: input.port,
    imap_security: input.security,
    imap_user: input.user,
    imap_password_enc: input.password !== undefined ? box.seal(input.password, 'imapPassword') : (current?.imap_password_enc ?? null),
    imap_accept_self_signed: input.acceptSelfSigned ? 1 : 0,
    imap_folder: input.folder,
    imap_processed_folder: input.processedFolder,
    imap_sent_folder: input.sentFolder || null,
    verp: input.verp ? 1 : 0,
    save_sent_copy: input.saveSentCopy ? 1 : 0,
    bounce_digest: input.dailyDigest ? 1 : 0,
  };
}

/** The only shape of the settings that leaves the server (see MailSettingsView). */
export function presentMailSettings(row: MailSettingsRow): MailSettingsView {
  return {
    configured: true,
    preset: row.preset,
    host: row.host,
    port: row.port,
    security: row.security,
    user: row.auth_user,
    passwordSet: row.password_enc !== null,
    acceptSelfSigned: row.accept_self_signed === 1,
    fromName: row.from_name,
    fromEmail: row.from_email,
    replyTo: row.reply_to,
    bccArchive: row.bcc_archive,
    heloName: row.helo_name,
    poolSize: row.pool_size,
    ratePerMinute: row.rate_per_minute,
    ratePerDay: row.rate_per_day,
    maxMessageBytes: row.max_message_bytes,
    dkim: row.dkim_domain && row.dkim_selector ? { domain: row.dkim_domain, selector: row.dkim_selector, privateKeySet: row.dkim_key_enc !== null } : null,
    imap: imapView(row),
    warnings: mailSettingsWarnings({
      security: row.security,
      auth: row.auth_user && row.password_enc ? { user: row.auth_user, password: '' } : null,
      acceptSelfSigned: row.accept_self_signed === 1,
      port: row.port,
    }),
    updatedAt: row.updated_at,
  };
}

function imapView(row: MailSettingsRow): ImapSettingsView | null {
  const stored = storedImap(row);
  return stored ? { ...stored, passwordSet: row.imap_password_enc !== null } : null;
}
