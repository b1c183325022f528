import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { ImapTestOutcome } from '../../http/api-types.ts';
import { redact } from '../connection-test.ts';
import { certificateProblem, errorFacts } from '../smtp-errors.ts';
import type { ImapSettings } from '../settings.ts';

/**
 * The practice's mailbox over IMAP (imapflow, by nodemailer's author): one client factory for the
 * poller, the Sent-folder copy and "Verbindung testen".
 */

export interface ImapTimeouts {
  connectionMs: number;
  greetingMs: number;
  socketMs: number;
}

export const IMAP_TEST_TIMEOUTS: ImapTimeouts = { connectionMs: 10_000, greetingMs: 10_000, socketMs: 30_000 };
export const IMAP_POLL_TIMEOUTS: ImapTimeouts = { connectionMs: 20_000, greetingMs: 16_000, socketMs: 120_000 };

export function createImapClient(settings: ImapSettings, timeouts: ImapTimeouts = IMAP_POLL_TIMEOUTS): ImapFlow {
  const options: ImapFlowOptions = {
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    // STARTTLS when asked for; with `none` never (a server offering it would otherwise be upgraded
    // against the admin's setting, and one that lies about it would fail the login)
    doSTARTTLS: settings.security === 'starttls' ? true : settings.security === 'none' ? false : undefined,
    auth: { user: settings.auth.user, pass: settings.auth.password },
    tls: { rejectUnauthorized: !settings.acceptSelfSigned },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: timeouts.connectionMs,
    greetingTimeout: timeouts.greetingMs,
    socketTimeout: timeouts.socketMs,
  };
  const client = new ImapFlow(options);
  // imapflow emits 'error' for a dropped connection; without a listener that would crash the process
  client.on('error', () => undefined);
  return client;
}

/**
 * "Verbindung testen" for the bounce mailbox: connect, TLS, log in, open the folder bounces arrive
 * in, and say whether the processed folder exists yet (it is created on first use) and which folder
 * takes the copies of sent messages.
 */
export async function testImapConnection(settings: ImapSettings, timeouts: ImapTimeouts = IMAP_TEST_TIMEOUTS): Promise<ImapTestOutcome> {
  const started = Date.now();
  const client = createImapClient(settings, timeouts);
  try {
    await client.connect();
    const folders = await client.list();
    const has = (path: string) => folders.some((f) => f.path.toLowerCase() === path.toLowerCase());
    const sent = settings.sentFolder ?? folders.find((f) => f.specialUse === '\\Sent')?.path ?? null;
    const base = { durationMs: Date.now() - started, processedFolderExists: has(settings.processedFolder), sentFolder: sent };
    if (!has(settings.folder)) {
      return { ...base, result: 'folderMissing', detail: `the folder "${settings.folder}" does not exist in this mailbox` };
    }
    const status = await client.status(settings.folder, { messages: true });
    const messages = status === false ? 0 : (status.messages ?? 0);
    return {
      ...base,
      result: 'ok',
      detail: `logged in to ${settings.host}:${settings.port} (${settings.security}) as ${settings.auth.user}; ${messages} messages in ${settings.folder}`,
      messages,
    };
  } catch (error) {
    return { ...describeImapError(error, settings), durationMs: Date.now() - started, processedFolderExists: null, sentFolder: null };
  } finally {
    await closeQuietly(client);
  }
}

export async function closeQuietly(client: ImapFlow): Promise<void> {
  try {
    if (client.usable) await client.logout();
  } catch {
    // the connection is gone already
  }
  client.close();
}

export function describeImapError(error: unknown, settings: Pick<ImapSettings, 'host' | 'port' | 'auth'>): Pick<ImapTestOutcome, 'result' | 'detail' | 'certificateProblem'> {
  const facts = errorFacts(error);
  const target = `${settings.host}:${settings.port}`;
  const response = typeof error === 'object' && error !== null ? Reflect.get(error, 'responseText') : undefined;
  const reply = typeof response === 'string' && response !== '' ? `: ${redact(response, settings)}` : '';
  if (typeof error === 'object' && error !== null && Reflect.get(error, 'serverResponseCode') === 'UNAVAILABLE') {
    // RFC 5530 UNAVAILABLE: the server could not check the credentials just now; they may be right
    return { result: 'failed', detail: `the server could not check the login right now${reply}` };
  }
  if (typeof error === 'object' && error !== null && Reflect.get(error, 'authenticationFailed') === true) {
    return { result: 'authFailed', detail: `the server rejected the user name or password${reply}` };
  }
  if (facts.chain.some((c) => ['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'ENODATA', 'ESERVFAIL', 'EREFUSED', 'EBADNAME'].includes(c))) {
    return { result: 'dnsFailed', detail: `the host name ${settings.host} could not be resolved` };
  }
  if (facts.chain.includes('ECONNREFUSED')) return { result: 'connectionRefused', detail: `nothing accepts connections on ${target} (wrong port, or a firewall)` };
  if (facts.chain.some((c) => ['CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT', 'ETIMEOUT', 'ETIMEDOUT'].includes(c))) {
    const greeting = facts.chain.includes('GREETING_TIMEOUT');
    return { result: 'timeout', detail: greeting ? 'the server did not send its greeting in time (for port 993 choose TLS)' : `no answer from ${target}` };
  }
  const certificate = certificateProblem(error);
  if (certificate || facts.chain.some((c) => c === 'ETLS' || c.startsWith('ERR_SSL_') || c.startsWith('ERR_TLS_'))) {
    const detail = certificate
      ? `the server's certificate is not trusted (${certificate}); switch on "accept self-signed" only if you trust this server`
      : /wrong version number|packet length too long|unknown protocol/i.test(facts.message)
        ? 'TLS did not start: the port expects a different security mode (993 → TLS, 143 → STARTTLS)'
        : `TLS failed: ${redact(facts.message, settings)}`;
    return { result: 'tlsFailed', detail, certificateProblem: certificate ?? null };
  }
  if (facts.chain.includes('NoConnection') || facts.chain.some((c) => ['ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH'].includes(c))) {
    return { result: 'connectionRefused', detail: `the connection to ${target} was closed${reply}` };
  }
  return { result: 'failed', detail: redact(facts.message, settings) || 'the connection test failed' };
}
