import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { DEFAULT_MAX_MESSAGE_BYTES, type MailSettings } from '../src/mail/settings.ts';

/**
 * Real SMTP servers on 127.0.0.1 for the mail tests. Node cannot create X.509 certificates, so
 * the self-signed one comes from the `openssl` command line tool (Debian package `openssl`).
 */
let cached: { key: Buffer; cert: Buffer } | undefined;
export function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'faktura-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ], { stdio: 'ignore' });
    cached = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ReceivedMail {
  from: string | null;
  to: string[];
  raw: Buffer;
  user: string | undefined;
}

export interface TestSmtpServer {
  port: number;
  received: ReceivedMail[];
  close(): Promise<void>;
}

export const SMTP_USER = 'praxis@klangwerk.test';
export const SMTP_PASSWORD = 'Geheim-Passwort-7!';

/** An smtp-server on a random port that records what it receives; AUTH with SMTP_USER / SMTP_PASSWORD. */
export async function startTestSmtpServer(options: Partial<SMTPServerOptions> = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const { key, cert } = selfSignedCertificate();
  const server = new SMTPServer({
    key,
    cert,
    logger: false,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        callback();
      });
    },
    ...options,
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return { port: address.port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function portOf(server: Server): number {
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('server has no TCP address');
  return address.port;
}

/** A TCP server that accepts connections and never says a word (no SMTP greeting). */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = portOf(server);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bind to port 0, note the port, close again. */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = portOf(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function testSettings(overrides: Partial<MailSettings> = {}): MailSettings {
  return {
    preset: 'custom',
    host: '127.0.0.1',
    port: 25,
    security: 'starttls',
    auth: { user: SMTP_USER, password: SMTP_PASSWORD },
    acceptSelfSigned: true,
    fromName: 'Hörakustik Klangwerk GmbH',
    fromEmail: 'rechnung@klangwerk.test',
    replyTo: 'buchhaltung@klangwerk.test',
    bccArchive: null,
    heloName: null,
    poolSize: 2,
    ratePerMinute: 1000,
    ratePerDay: null,
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    dkim: null,
    imap: null,
    ...overrides,
  };
}

export const FAST_TIMEOUTS = { connectionMs: 1_500, greetingMs: 800, socketMs: 2_000, dnsMs: 2_000 };
