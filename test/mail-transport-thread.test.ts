import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { dkimVerify } from 'mailauth';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeMessage } from '../src/mail/compose.ts';
import { classifySmtpError } from '../src/mail/smtp-errors.ts';
import { createMailTransport } from '../src/mail/transport.ts';
import { createThreadedMailTransport } from '../src/mail/transport-thread.ts';
import { FAST_TIMEOUTS, startTestSmtpServer, testSettings, unusedPort, type TestSmtpServer } from './mail-support.ts';

/** The dispatch engine's SMTP pool runs in a worker thread: same bytes on the wire, same verdicts. */
describe('SMTP transport in a worker thread', () => {
  let server: TestSmtpServer;

  beforeAll(async () => {
    server = await startTestSmtpServer({
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('gibts-nicht')) callback(Object.assign(new Error('5.1.1 Mailbox unavailable'), { responseCode: 550 }));
        else callback();
      },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  function message(to: string, pdf: Buffer, n: number) {
    return composeMessage({
      settings: testSettings({ port: server.port }),
      subject: `Ihre Rechnung RE-${n}`,
      text: 'Guten Tag,\n\nanbei Ihre Rechnung.',
      html: undefined,
      to: { name: 'Erika Müller', email: to },
      attachments: [{ filename: `Rechnung_RE-${n}.pdf`, content: pdf }],
      messageId: `<thread.${n}@klangwerk.test>`,
    });
  }

  it('delivers each message with exactly its attachment bytes, several at once over the pool', async () => {
    const transport = createThreadedMailTransport(testSettings({ port: server.port }), FAST_TIMEOUTS);
    try {
      // Each in an ArrayBuffer of its own (Buffer.alloc; as a PDF read from the database is), which
      // is what gets moved: Node 24 serves Buffer.concat's 20 KB from a shared pool.
      const pdfs = Array.from({ length: 6 }, () => {
        const pdf = Buffer.alloc(20_009);
        Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(20_000)]).copy(pdf);
        return pdf;
      });
      const originals = pdfs.map((pdf) => Buffer.from(pdf));
      const before = server.received.length;
      const results = await Promise.all(pdfs.map((pdf, i) => transport.sendMail(message(`kunde${i}@example.de`, pdf, i))));
      // Moved to the thread, not copied (ThreadedTransport.sendMail).
      for (const pdf of pdfs) expect(pdf.byteLength).toBe(0);
      expect(results.map((r) => r.messageId)).toEqual(pdfs.map((_, i) => `<thread.${i}@klangwerk.test>`));
      for (const r of results) expect(r.response).toMatch(/^250 /);
      const received = server.received.slice(before);
      expect(received).toHaveLength(6);
      for (const mail of received) {
        const parsed = await simpleParser(mail.raw);
        const i = Number(/RE-(\d+)/.exec(parsed.subject ?? '')?.[1]);
        expect(mail.to).toEqual([`kunde${i}@example.de`]);
        expect(parsed.attachments).toHaveLength(1);
        expect(Buffer.compare(parsed.attachments[0]?.content ?? Buffer.alloc(0), originals[i] ?? Buffer.alloc(1))).toBe(0);
      }
    } finally {
      transport.close();
    }
  });

  it('rejects with the same classification as the in-process transport', async () => {
    const pdf = Buffer.from('%PDF-1.7\n%%EOF\n');
    const cases = [
      { settings: testSettings({ port: server.port }), to: 'gibts-nicht@example.de', expected: 'permanent' },
      { settings: testSettings({ port: server.port, auth: { user: 'praxis@klangwerk.test', password: 'falsch' } }), to: 'kunde@example.de', expected: 'auth' },
      { settings: testSettings({ port: await unusedPort() }), to: 'kunde@example.de', expected: 'connection' },
    ] as const;
    for (const c of cases) {
      const threaded = createThreadedMailTransport(c.settings, FAST_TIMEOUTS);
      const inProcess = createMailTransport(c.settings, FAST_TIMEOUTS);
      try {
        const viaThread = await threaded.sendMail(message(c.to, pdf, 1)).then(() => undefined, (e: unknown) => e);
        const direct = await inProcess.sendMail(message(c.to, pdf, 1)).then(() => undefined, (e: unknown) => e);
        expect(viaThread).toBeInstanceOf(Error);
        expect(classifySmtpError(viaThread)).toEqual(classifySmtpError(direct));
        expect(classifySmtpError(viaThread).class).toBe(c.expected);
        expect((viaThread as Error).message).toBe((direct as Error).message);
      } finally {
        threaded.close();
        inProcess.close();
      }
    }
    const rejected = server.received.filter((m) => m.to.includes('gibts-nicht@example.de'));
    expect(rejected).toHaveLength(0);
  });

  it('signs with DKIM in the thread; the signature verifies with the published key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dkim = { domain: 'klangwerk.test', selector: 'faktura', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    const transport = createThreadedMailTransport(testSettings({ port: server.port, dkim }), FAST_TIMEOUTS);
    try {
      const before = server.received.length;
      await transport.sendMail(message('signiert@example.de', Buffer.from('%PDF-1.7\n%%EOF\n'), 7));
      const raw = server.received[before]?.raw ?? Buffer.alloc(0);
      const resolver = async (name: string, rrtype: string): Promise<string[][]> => {
        if (rrtype === 'TXT' && name === 'faktura._domainkey.klangwerk.test') return [[`v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`]];
        throw Object.assign(new Error(`no ${rrtype} record for ${name}`), { code: 'ENOTFOUND' });
      };
      const result = await dkimVerify(raw, { resolver });
      expect(result.results[0]?.status.result).toBe('pass');
      expect(result.results[0]?.signingDomain).toBe('klangwerk.test');
    } finally {
      transport.close();
    }
  });

  it('rejects a message that cannot cross to the thread, and goes on with the next', async () => {
    const transport = createThreadedMailTransport(testSettings({ port: server.port }), FAST_TIMEOUTS);
    try {
      const streamed = { ...message('kunde@example.de', Buffer.from('%PDF-1.7\n'), 8), attachments: [{ filename: 'a.pdf', content: Readable.from(['%PDF-1.7']) }] };
      await expect(transport.sendMail(streamed)).rejects.toThrow(/could not be cloned/i);
      const next = await transport.sendMail(message('kunde@example.de', Buffer.from('%PDF-1.7\n'), 9));
      expect(next.response).toMatch(/^250 /);
    } finally {
      transport.close();
    }
  });

  it('refuses messages once closed', async () => {
    const transport = createThreadedMailTransport(testSettings({ port: server.port }), FAST_TIMEOUTS);
    transport.close();
    await expect(transport.sendMail(message('kunde@example.de', Buffer.from('%PDF-1.7\n'), 2))).rejects.toThrow(/closed/);
  });
});
