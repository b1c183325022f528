/**
 * Turns whatever nodemailer or the socket threw into a small verdict the dispatch engine and the
 * connection test can act on. Codes come from nodemailer (`EAUTH`, `EDNS`, …, see its
 * `errors.d.ts`), from Node's socket layer (`ECONNREFUSED`) and from OpenSSL (`CERT_HAS_EXPIRED`).
 */
export type SmtpFailureClass = 'temporary' | 'permanent' | 'auth' | 'connection' | 'timeout' | 'tls' | 'dns';

export interface ClassifiedSmtpError {
  class: SmtpFailureClass;
  /** the server's reply line, e.g. `550 5.1.1 <x@example.de>: Recipient address rejected` */
  reply?: string;
  /** the SMTP reply code (RFC 5321), e.g. 550 */
  code?: number;
}

export type CertificateProblem = 'selfSigned' | 'expired' | 'notYetValid' | 'hostnameMismatch' | 'untrustedIssuer' | 'other';

interface ErrorFacts {
  code: string | undefined;
  originalCode: string | undefined;
  responseCode: number | undefined;
  response: string | undefined;
  command: string | undefined;
  message: string;
  timeoutType: string | undefined;
  /** codes of the error and its causes, innermost last */
  chain: string[];
}

function stringProp(value: object, key: string): string | undefined {
  const v: unknown = Reflect.get(value, key);
  return typeof v === 'string' ? v : undefined;
}

function numberProp(value: object, key: string): number | undefined {
  const v: unknown = Reflect.get(value, key);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function errorFacts(error: unknown): ErrorFacts {
  if (typeof error !== 'object' || error === null) {
    return { code: undefined, originalCode: undefined, responseCode: undefined, response: undefined, command: undefined, message: String(error), timeoutType: undefined, chain: [] };
  }
  const chain: string[] = [];
  let cursor: unknown = error;
  for (let depth = 0; depth < 5 && typeof cursor === 'object' && cursor !== null; depth++) {
    for (const key of ['code', 'originalCode']) {
      const c = stringProp(cursor, key);
      if (c) chain.push(c);
    }
    cursor = Reflect.get(cursor, 'cause');
  }
  return {
    code: stringProp(error, 'code'),
    originalCode: stringProp(error, 'originalCode'),
    responseCode: numberProp(error, 'responseCode'),
    response: stringProp(error, 'response'),
    command: stringProp(error, 'command'),
    message: error instanceof Error ? error.message : String(stringProp(error, 'message') ?? ''),
    timeoutType: stringProp(error, 'timeoutType'),
    chain,
  };
}

const DNS_CODES = new Set(['EDNS', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'ENODATA', 'ESERVFAIL', 'ENOTIMP', 'EREFUSED', 'EBADNAME']);
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EADDRNOTAVAIL', 'ECONNABORTED']);
const CERT_CODES: Record<string, CertificateProblem> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'selfSigned',
  SELF_SIGNED_CERT_IN_CHAIN: 'selfSigned',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'notYetValid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostnameMismatch',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'untrustedIssuer',
  UNABLE_TO_GET_ISSUER_CERT: 'untrustedIssuer',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'untrustedIssuer',
  CERT_UNTRUSTED: 'untrustedIssuer',
  CERT_REVOKED: 'other',
  CERT_SIGNATURE_FAILURE: 'other',
  CERT_REJECTED: 'other',
};

/** The certificate problem behind a TLS failure, if it was one. */
export function certificateProblem(error: unknown): CertificateProblem | undefined {
  const facts = errorFacts(error);
  for (const code of facts.chain) {
    const problem = CERT_CODES[code];
    if (problem) return problem;
  }
  if (/self[- ]signed certificate/i.test(facts.message)) return 'selfSigned';
  if (/certificate has expired/i.test(facts.message)) return 'expired';
  if (/Hostname\/IP does not match certificate/i.test(facts.message)) return 'hostnameMismatch';
  return undefined;
}

function isTls(facts: ErrorFacts, error: unknown): boolean {
  return facts.chain.some((c) => c === 'ETLS' || c.startsWith('ERR_SSL_') || c.startsWith('ERR_TLS_')) || certificateProblem(error) !== undefined;
}

export function classifySmtpError(error: unknown): ClassifiedSmtpError {
  const facts = errorFacts(error);
  const withReply = (cls: SmtpFailureClass): ClassifiedSmtpError => ({
    class: cls,
    ...(facts.response !== undefined ? { reply: facts.response.trim().slice(0, 1000) } : {}),
    ...(facts.responseCode !== undefined ? { code: facts.responseCode } : {}),
  });
  if (facts.code === 'EAUTH' || facts.code === 'ENOAUTH' || facts.code === 'EOAUTH2') return withReply('auth');
  if (facts.chain.some((c) => DNS_CODES.has(c))) return withReply('dns');
  if (facts.code === 'ETIMEDOUT' || facts.chain.includes('ETIMEDOUT')) return withReply('timeout');
  if (isTls(facts, error)) return withReply('tls');
  if (facts.responseCode !== undefined && facts.responseCode >= 400) {
    // RFC 5321 §4.2.1: 5yz is permanent, 4yz transient. 503 "bad sequence" is a session
    // problem, not a verdict on the message, so a new attempt can succeed (nodemailer agrees).
    if (facts.responseCode >= 500 && facts.responseCode !== 503) return withReply('permanent');
    return withReply('temporary');
  }
  if (facts.chain.some((c) => CONNECTION_CODES.has(c)) || facts.code === 'ECONNECTION' || facts.code === 'ESOCKET') return withReply('connection');
  // Message-level problems on our side (bad address, configuration) do not fix themselves.
  if (facts.code === 'EENVELOPE' || facts.code === 'EMESSAGE' || facts.code === 'ECONFIG' || facts.code === 'EMAXRECIPIENTS') return withReply('permanent');
  return withReply('temporary');
}
