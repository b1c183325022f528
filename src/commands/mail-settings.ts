import type { Db } from '../db/connection.ts';
import type { Language } from '../domain/document.ts';
import { AppError } from '../domain/errors.ts';
import { composeMessage, messageIdDomain } from '../mail/compose.ts';
import type { ConnectionTestOutcome, ImapTestOutcome, TestMessageResult } from '../http/api-types.ts';
import { testImapConnection } from '../mail/bounces/imap.ts';
import { testSmtpConnection } from '../mail/connection-test.ts';
import { checkDeliverability, systemResolver, type TxtResolver } from '../mail/deliverability.ts';
import { classifySmtpError } from '../mail/smtp-errors.ts';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  imapFromInput,
  loadMailSettingsRow,
  saveMailSettings,
  settingsFromRow,
  storedPasswordApplies,
  validateMailSettings,
  type MailSettings,
  type MailSettingsInput,
  type MailSettingsRow,
} from '../mail/settings.ts';
import { createSingleTransport } from '../mail/transport.ts';
import { getCompany } from './company.ts';
import { audit, SYSTEM_ACTOR, type Actor, type Executor } from './context.ts';

/** Use cases of the SMTP outgoing server settings (SMTP Postausgangsserver). Admin only, enforced by the routes. */

export async function getMailSettings(db: Executor): Promise<MailSettingsRow | undefined> {
  return loadMailSettingsRow(db);
}

export async function updateMailSettings(input: { trx: Executor; actor: Actor; secret: string; data: MailSettingsInput }): Promise<MailSettingsRow> {
  const { row, passwordChanged, dkimKeyChanged, imapPasswordChanged } = await saveMailSettings(input.trx, input.secret, input.data);
  // Which secrets changed is recorded, never their values.
  await audit(input.trx, input.actor, 'mailSettings.update', 'mailSettings', 1, {
    host: row.host,
    port: row.port,
    security: row.security,
    passwordChanged,
    dkimKeyChanged,
    imapHost: row.imap_host,
    imapPasswordChanged,
  });
  return row;
}

function requireSettings(row: MailSettingsRow | undefined): MailSettingsRow {
  if (!row) throw new AppError('incomplete', 'mailSettings.notConfigured', 'no SMTP server is configured yet');
  return row;
}

/**
 * The settings to test: the stored ones, or the unsaved values from the form (so the admin can
 * test before saving); a password left empty in the form means the stored one, but only for the
 * stored server, port and user.
 */
export async function settingsToTest(db: Executor, secret: string, draft: MailSettingsInput | undefined): Promise<MailSettings> {
  const row = await loadMailSettingsRow(db);
  if (!draft) return settingsFromRow(requireSettings(row), secret);
  const user = draft.user === null || draft.user === '' ? null : draft.user;
  // The stored password goes only to the server, port and user it was stored for (issue 15 item 6).
  const keepPassword = Boolean(row?.password_enc) && storedPasswordApplies(row, { host: draft.host, port: draft.port, user });
  validateMailSettings(draft, {
    passwordSet: keepPassword,
    passwordForOtherServer: Boolean(row?.password_enc) && !keepPassword,
    dkimKeySet: Boolean(row?.dkim_key_enc),
    imapPasswordSet: Boolean(row?.imap_password_enc),
  });
  const stored = row ? settingsFromRow(row, secret) : undefined;
  const password = draft.password ?? (keepPassword ? stored?.auth?.password : undefined);
  const dkimKey = draft.dkim?.privateKey ?? stored?.dkim?.privateKey;
  return {
    preset: draft.preset,
    host: draft.host,
    port: draft.port,
    security: draft.security,
    auth: user !== null && password !== undefined ? { user, password } : null,
    acceptSelfSigned: draft.acceptSelfSigned,
    fromName: draft.fromName,
    fromEmail: draft.fromEmail,
    replyTo: draft.replyTo || null,
    bccArchive: draft.bccArchive || null,
    heloName: draft.heloName || null,
    poolSize: draft.poolSize,
    ratePerMinute: draft.ratePerMinute,
    ratePerDay: draft.ratePerDay,
    maxMessageBytes: draft.maxMessageBytes,
    dkim: draft.dkim && dkimKey !== undefined ? { domain: draft.dkim.domain, selector: draft.dkim.selector, privateKey: dkimKey } : null,
    imap: imapFromInput(draft.imap, stored?.imap ?? null),
  };
}

export async function testMailConnection(input: { db: Db; secret: string; draft?: MailSettingsInput; resolver?: TxtResolver }): Promise<ConnectionTestOutcome> {
  const settings = await settingsToTest(input.db.kysely, input.secret, input.draft);
  // DNS and SMTP at the same time: the admin waits for the slower of the two, not for both
  const [outcome, deliverability] = await Promise.all([testSmtpConnection(settings), checkDeliverability(settings, input.resolver ?? systemResolver())]);
  return { ...outcome, deliverability };
}

/** "Verbindung testen" for the bounce mailbox (IMAP), with the stored or the unsaved settings. */
export async function testImapMailbox(input: { db: Db; secret: string; draft?: MailSettingsInput }): Promise<ImapTestOutcome> {
  const settings = await settingsToTest(input.db.kysely, input.secret, input.draft);
  if (!settings.imap) {
    const passwordMissing = input.draft?.imap && input.draft.imap.password === undefined;
    throw passwordMissing
      ? new AppError('validation', 'mailSettings.imapPasswordMissing', 'enter the IMAP password (the stored one is used only for the stored server and user)', { field: 'imap.password' })
      : new AppError('incomplete', 'mailSettings.imapNotConfigured', 'no IMAP mailbox is configured');
  }
  return testImapConnection(settings.imap);
}

const TEST_MESSAGE: Record<Language, { subject: string; text: (host: string) => string }> = {
  de: {
    subject: 'Faktura: Testnachricht',
    text: (host) => `Diese Testnachricht wurde von Faktura über ${host} gesendet.\n\nWenn Sie sie lesen, ist der Postausgangsserver richtig eingerichtet.`,
  },
  en: {
    subject: 'Faktura: test message',
    text: (host) => `This test message was sent by Faktura via ${host}.\n\nIf you can read it, the outgoing mail server is set up correctly.`,
  },
};

/** Sends one test e-mail through the stored settings ("Testnachricht an mich"). */
export async function sendTestMessage(input: { db: Db; actor: Actor; secret: string; to: string; language: Language }): Promise<TestMessageResult> {
  const settings = settingsFromRow(requireSettings(await loadMailSettingsRow(input.db.kysely)), input.secret);
  const company = await getCompany(input.db.kysely);
  const text = TEST_MESSAGE[input.language];
  const messageId = `<test-${Date.now()}.${Math.random().toString(36).slice(2, 10)}@${messageIdDomain(settings.fromEmail)}>`;
  // No archive copy for a test: it is not business correspondence.
  const message = composeMessage({
    settings: { ...settings, bccArchive: null },
    subject: text.subject,
    text: `${text.text(settings.host)}\n\n${company.name}`,
    language: input.language,
    to: { name: '', email: input.to },
    attachments: [],
    messageId,
  });
  const transport = createSingleTransport(settings);
  let result: TestMessageResult;
  try {
    const info = await transport.sendMail(message);
    result = { result: 'sent', messageId, reply: info.response };
  } catch (error) {
    const classified = classifySmtpError(error);
    result = { result: 'failed', messageId, reply: classified.reply ?? null, failureClass: classified.class };
  } finally {
    transport.close();
  }
  await audit(input.db.kysely, input.actor, 'mailSettings.testMessage', 'mailSettings', 1, { to: input.to, result: result.result });
  return result;
}

/** The preset id of settings that point at the built-in mail catcher. */
export const DEMO_CATCHER_PRESET = 'demoCatcher';

/**
 * Demo mode: point the mail settings at the built-in mail catcher, unless an admin has already
 * configured a real server (those settings are never overwritten).
 */
export async function ensureDemoMailSettings(db: Db, secret: string, catcherPort: number): Promise<'created' | 'updated' | 'kept'> {
  return db.kysely.transaction().execute(async (trx) => {
    const row = await loadMailSettingsRow(trx);
    if (row && row.preset !== DEMO_CATCHER_PRESET) return 'kept';
    if (row && row.host === '127.0.0.1' && row.port === catcherPort) return 'kept';
    const company = await getCompany(trx);
    const fromEmail = company.email ?? 'rechnung@faktura.test';
    await updateMailSettings({
      trx,
      actor: SYSTEM_ACTOR,
      secret,
      data: {
        preset: DEMO_CATCHER_PRESET,
        host: '127.0.0.1',
        port: catcherPort,
        security: 'none',
        user: null,
        acceptSelfSigned: false,
        fromName: company.name,
        fromEmail,
        replyTo: null,
        bccArchive: null,
        heloName: null,
        poolSize: 4,
        ratePerMinute: 600,
        ratePerDay: null,
        maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
        dkim: null,
      },
    });
    return row ? 'updated' : 'created';
  });
}
