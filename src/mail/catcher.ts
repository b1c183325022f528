import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * The built-in mail catcher: an SMTP sink on the loopback interface that keeps the last messages
 * in memory, so the whole workflow can be tried without a mail provider (demo mode only). It
 * accepts any sender, recipient and login, and delivers nothing anywhere.
 */
export interface CaughtAttachment {
  index: number;
  filename: string;
  contentType: string;
  size: number;
  content: Buffer;
}

export interface CaughtMail {
  id: number;
  receivedAt: string;
  envelope: { from: string | null; to: string[] };
  messageId: string | null;
  subject: string;
  from: string;
  to: string;
  date: string | null;
  headers: { key: string; line: string }[];
  text: string;
  html: string | null;
  attachments: CaughtAttachment[];
  size: number;
  raw: Buffer;
}

export interface MailCatcher {
  port: number;
  host: string;
  /** newest first */
  messages(): CaughtMail[];
  get(id: number): CaughtMail | undefined;
  clear(): void;
  close(): Promise<void>;
}

export interface MailCatcherOptions {
  port: number;
  host?: string;
  /** messages kept; older ones are dropped */
  limit?: number;
  /** largest message accepted, in bytes */
  maxMessageBytes?: number;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function addressText(value: AddressObject | AddressObject[] | undefined): string {
  if (!value) return '';
  return (Array.isArray(value) ? value : [value]).map((a) => a.text).join(', ');
}

export async function startMailCatcher(options: MailCatcherOptions): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1';
  // A sink that accepts any login must never listen beyond this machine.
  if (!LOOPBACK.has(host)) throw new Error(`the mail catcher listens on the loopback interface only, not on ${host}`);
  const limit = options.limit ?? 200;
  const maxMessageBytes = options.maxMessageBytes ?? 30 * 1024 * 1024;
  const stored: CaughtMail[] = [];
  let nextId = 1;

  const server = new SMTPServer({
    name: 'faktura-mail-catcher',
    banner: 'Faktura mail catcher (demo): messages are kept in memory, nothing is delivered',
    authOptional: true,
    // Plain connections only: it is loopback, and a self-signed certificate would only teach
    // users to switch certificate checks off.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    size: maxMessageBytes,
    // The client is always 127.0.0.1; a reverse DNS lookup per connection only adds latency.
    disableReverseLookup: true,
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'demo' });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxMessageBytes) chunks.push(chunk);
      });
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        if (size > maxMessageBytes) {
          callback(Object.assign(new Error('552 message too large for the mail catcher'), { responseCode: 552 }));
          return;
        }
        const raw = Buffer.concat(chunks);
        const id = nextId++;
        simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true })
          .then((parsed) => {
            stored.unshift({
              id,
              receivedAt: new Date().toISOString(),
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
                to: session.envelope.rcptTo.map((r) => r.address),
              },
              messageId: parsed.messageId ?? null,
              subject: parsed.subject ?? '',
              from: addressText(parsed.from),
              to: addressText(parsed.to),
              date: parsed.date ? parsed.date.toISOString() : null,
              headers: parsed.headerLines.map((h) => ({ key: h.key, line: h.line })),
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : null,
              attachments: parsed.attachments.map((a, index) => ({
                index,
                filename: a.filename ?? `attachment-${index + 1}`,
                contentType: a.contentType,
                size: a.size,
                content: a.content,
              })),
              size: raw.length,
              raw,
            });
            stored.splice(limit);
            callback(null, `Ok: caught as ${id}`);
          })
          .catch((error: unknown) => callback(error instanceof Error ? error : new Error('message could not be parsed')));
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Errors of single connections (a client that hangs up) must not crash the app.
  server.on('error', () => undefined);
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? (address satisfies AddressInfo).port : options.port;

  return {
    port,
    host,
    messages: () => [...stored],
    get: (id) => stored.find((m) => m.id === id),
    clear: () => {
      stored.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
