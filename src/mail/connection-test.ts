import type { ConnectionTestOutcome } from '../http/api-types.ts';
import { certificateProblem, errorFacts } from './smtp-errors.ts';
import { createSingleTransport, type SmtpTimeouts } from './transport.ts';
import type { MailSettings } from './settings.ts';

export const TEST_TIMEOUTS: SmtpTimeouts = { connectionMs: 10_000, greetingMs: 10_000, socketMs: 15_000, dnsMs: 10_000 };

/**
 * "Verbindung testen": connect, negotiate TLS, authenticate, and say in one word what went wrong.
 * `result` is the stable code the UI translates; `detail` is an English explanation that includes
 * the server's reply where there is one, never the password.
 */
export async function testSmtpConnection(settings: MailSettings, timeouts: SmtpTimeouts = TEST_TIMEOUTS): Promise<ConnectionTestOutcome> {
  const started = Date.now();
  const transport = createSingleTransport(settings, timeouts);
  try {
    await transport.verify();
    const auth = settings.auth ? `, authenticated as ${settings.auth.user}` : '';
    return { result: 'ok', detail: `connected to ${settings.host}:${settings.port} (${settings.security})${auth}`, durationMs: Date.now() - started };
  } catch (error) {
    return { ...describeConnectionError(error, settings), durationMs: Date.now() - started };
  } finally {
    transport.close();
  }
}

const TIMEOUT_STAGE = { CONNECT_TIMEOUT: 'connect', GREETING_TIMEOUT: 'greeting', UPGRADE_TIMEOUT: 'tls', SOCKET_TIMEOUT: 'response' } as const;

function isTimeoutType(value: string | undefined): value is keyof typeof TIMEOUT_STAGE {
  return value !== undefined && value in TIMEOUT_STAGE;
}

export function describeConnectionError(error: unknown, settings: Pick<MailSettings, 'host' | 'port' | 'auth'>): Omit<ConnectionTestOutcome, 'durationMs'> {
  const facts = errorFacts(error);
  const target = `${settings.host}:${settings.port}`;
  const reply = facts.response ? redact(facts.response.trim(), settings) : undefined;
  const withReply = reply ? { reply } : {};
  const chain = facts.chain;

  if (facts.code === 'EAUTH') {
    return { result: 'authFailed', detail: `the server rejected the user name or password${reply ? `: ${reply}` : ''}`, ...withReply };
  }
  if (facts.code === 'ENOAUTH' || /authentication (mechanism|method).*not supported|no (supported|suitable) auth/i.test(facts.message)) {
    return { result: 'authUnavailable', detail: 'the server offers no login method for these credentials (it may require TLS first)', ...withReply };
  }
  if (chain.some((c) => ['EDNS', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'ENODATA', 'ESERVFAIL', 'EREFUSED', 'EBADNAME'].includes(c))) {
    return { result: 'dnsFailed', detail: `the host name ${settings.host} could not be resolved` };
  }
  if (chain.includes('ECONNREFUSED')) {
    return { result: 'connectionRefused', detail: `nothing accepts connections on ${target} (wrong port, or a firewall)` };
  }
  if (facts.code === 'ETIMEDOUT' || chain.includes('ETIMEDOUT')) {
    const stage = isTimeoutType(facts.timeoutType) ? TIMEOUT_STAGE[facts.timeoutType] : /greeting/i.test(facts.message) ? 'greeting' : 'response';
    const what = stage === 'greeting' ? 'the server did not send its greeting in time (for port 465 choose TLS, not STARTTLS)' : stage === 'connect' ? `no answer from ${target}` : `the server stopped answering (${stage})`;
    return { result: 'timeout', detail: what, stage };
  }
  const certificate = certificateProblem(error);
  if (certificate || chain.some((c) => c === 'ETLS' || c.startsWith('ERR_SSL_') || c.startsWith('ERR_TLS_'))) {
    const protocolMismatch = /wrong version number|packet length too long|unknown protocol/i.test(facts.message);
    const detail = certificate
      ? `the server's certificate is not trusted (${certificate}); switch on "accept self-signed" only if you trust this server`
      : protocolMismatch
        ? 'TLS did not start: the port expects a different security mode (465 → TLS, 587 → STARTTLS)'
        : /STARTTLS/i.test(facts.message) || facts.command === 'STARTTLS'
          ? 'the server does not offer STARTTLS'
          : `TLS failed: ${redact(facts.message, settings)}`;
    return { result: 'tlsFailed', detail, certificateProblem: certificate ?? null, ...withReply };
  }
  if (facts.command === 'CONN' || (facts.responseCode !== undefined && /greeting/i.test(facts.message))) {
    return { result: 'greetingFailed', detail: `the server refused the session${reply ? `: ${reply}` : ''}`, ...withReply };
  }
  if (chain.some((c) => ['ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'].includes(c)) || facts.code === 'ECONNECTION' || facts.code === 'ESOCKET') {
    return { result: 'connectionRefused', detail: `the connection to ${target} was closed (${facts.originalCode ?? facts.code ?? 'socket error'})` };
  }
  return { result: 'failed', detail: redact(facts.message, settings) || 'the connection test failed', ...withReply };
}

/** The password (and its base64 forms, as AUTH sends it) must never appear in a detail text. */
export function redact(text: string, settings: Pick<MailSettings, 'auth'>): string {
  if (!settings.auth?.password) return text;
  const { user, password } = settings.auth;
  const forms = [password, Buffer.from(password).toString('base64'), Buffer.from(`\u0000${user}\u0000${password}`).toString('base64')];
  return forms.reduce((out, form) => (form ? out.split(form).join('***') : out), text);
}
