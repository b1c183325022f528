import type { Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Db } from '../src/db/connection.ts';
import { mailSettingsInput, saveMailSettings } from '../src/mail/settings.ts';

/**
 * A real SMTP server on 127.0.0.1 for the dispatch tests, whose answer to each message can be
 * scripted: accept, reply with a code, or drop the connection in the middle of DATA.
 */

export interface SinkMessage {
  at: number;
  to: string[];
  messageId: string | null;
  raw: Buffer;
}

export type SinkVerdict = 'accept' | 'drop' | { code: number; message: string };

export interface Sink {
  port: number;
  received: SinkMessage[];
  /** every DATA attempt, including rejected and dropped ones */
  attempts: number;
  behaviour: (attempt: number, to: string[]) => SinkVerdict;
  close(): Promise<void>;
}

export const SINK_USER = 'praxis';
export const SINK_PASSWORD = 'richtiges-passwort';

export async function startSink(options: { auth?: boolean; keepRaw?: boolean } = {}): Promise<Sink> {
  const sockets = new Map<number, Socket>();
  const sink: Sink = {
    port: 0,
    received: [],
    attempts: 0,
    behaviour: () => 'accept',
    close: async () => undefined,
  };
  const server = new SMTPServer({
    logger: false,
    secure: false,
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    size: 50 * 1024 * 1024,
    onAuth(auth, _session, callback) {
      if (auth.username === SINK_USER && auth.password === SINK_PASSWORD) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        sink.attempts++;
        const to = session.envelope.rcptTo.map((r) => r.address);
        const verdict = sink.behaviour(sink.attempts, to);
        if (verdict === 'drop') {
          sockets.get(session.remotePort)?.destroy();
          return;
        }
        if (verdict !== 'accept') {
          callback(Object.assign(new Error(verdict.message), { responseCode: verdict.code }));
          return;
        }
        const raw = Buffer.concat(chunks);
        const header = raw.subarray(0, Math.min(raw.length, 8192)).toString('latin1');
        const messageId = /^Message-ID:\s*(<[^>]+>)/im.exec(header)?.[1] ?? null;
        sink.received.push({ at: Date.now(), to, messageId, raw: options.keepRaw === false ? Buffer.alloc(0) : raw });
        callback(null, `2.0.0 Ok: queued as ${sink.received.length}`);
      });
    },
  });
  // A killed client resets its connection; that is the point of some tests, not an error.
  server.on('error', () => undefined);
  server.server.on('connection', (socket: Socket) => {
    const port = socket.remotePort;
    if (port !== undefined) {
      sockets.set(port, socket);
      socket.on('close', () => sockets.delete(port));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  sink.port = typeof address === 'object' && address ? address.port : 0;
  sink.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets.values()) s.destroy();
      server.close(() => resolve());
    });
  return sink;
}

export const TEST_SECRET = 'x'.repeat(40);

export async function configureMail(db: Db, port: number, options: { poolSize?: number; ratePerMinute?: number; ratePerDay?: number | null; auth?: { user: string; password: string } } = {}): Promise<void> {
  const input = mailSettingsInput.parse({
    host: '127.0.0.1',
    port,
    security: 'none',
    user: options.auth?.user ?? null,
    ...(options.auth ? { password: options.auth.password } : {}),
    fromName: 'Hörakustik Klangwerk',
    fromEmail: 'rechnung@klangwerk.test',
    poolSize: options.poolSize ?? 3,
    ratePerMinute: options.ratePerMinute ?? 100_000,
    ratePerDay: options.ratePerDay ?? null,
  });
  await db.kysely.transaction().execute((trx) => saveMailSettings(trx, TEST_SECRET, input));
}

export async function createTemplate(db: Db): Promise<number> {
  const now = new Date().toISOString();
  const row = await db.kysely
    .insertInto('templates')
    .values({
      name: 'Rechnungsversand',
      kind: 'customerNotification',
      language: 'de',
      subject: 'Ihre Rechnung {{ documents[0].number }} von {{ company.name }}',
      body: '{{ customer.greeting }},\n\nanbei erhalten Sie {{ documentCount }} Dokument(e) über insgesamt {{ total | money }}.\n\nMit freundlichen Grüßen\n{{ sender.name }}',
      active: 1,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 20_000, stepMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
