import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { dkimVerify } from 'mailauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/domain/errors.ts';
import { attachmentFilename, composeMessage, messageIdFor } from '../src/mail/compose.ts';
import { classifySmtpError } from '../src/mail/smtp-errors.ts';
import { buildTemplateContext } from '../src/mail/templates/context.ts';
import { renderNotification } from '../src/mail/templates/engine.ts';
import { createMailTransport } from '../src/mail/transport.ts';
import { startTestSmtpServer, testSettings, type TestSmtpServer } from './mail-support.ts';

const TEMPLATE = {
  language: 'de' as const,
  subject: 'Ihre Rechnungen {% for d in documents %}{{ d.number }}{% unless forloop.last %}, {% endunless %}{% endfor %} – {{ company.name }}',
  body: `{{ customer.greeting }},

anbei erhalten Sie {{ documentCount }} Dokument(e) über insgesamt {{ total | money }}:
{% for d in documents %}- {{ d.typeLabel }} {{ d.number }} vom {{ d.issueDate | date }}, fällig am {{ d.dueDate | date }}: {{ d.total | money }}
{% endfor %}
Mit freundlichen Grüßen
{{ sender.name }}`,
};

function pdfBytes(size: number): Buffer {
  return Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(size)]);
}

describe('composed messages over real SMTP', () => {
  let server: TestSmtpServer;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dkimKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const dkimPublic = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

  beforeAll(async () => {
    server = await startTestSmtpServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  async function send(options: Parameters<typeof composeMessage>[0], settings = testSettings({ port: server.port })) {
    const transport = createMailTransport(settings);
    try {
      const before = server.received.length;
      const info = await transport.sendMail(composeMessage(options));
      expect(server.received.length).toBe(before + 1);
      const received = server.received[server.received.length - 1];
      if (!received) throw new Error('nothing received');
      return { info, received, parsed: await simpleParser(received.raw) };
    } finally {
      transport.close();
    }
  }

  it('sends text, escaped HTML, umlauts and byte-equal attachments with a stable Message-ID', async () => {
    const customer = { number: 'K-00042', salutation: 'Frau', firstName: 'Jördis', lastName: 'Müßig-<b>Bold</b>', companyName: null, email: 'joerdis@example.de' };
    const documents = [
      { type: 'invoice' as const, number: 'RE-2026-00042', issueDate: '2026-11-02', dueDate: '2026-11-16', grossCents: 189_900 },
      { type: 'invoice' as const, number: 'RE-2026-00043', issueDate: '2026-11-03', dueDate: '2026-11-17', grossCents: 9_750 },
    ];
    const context = buildTemplateContext({ customer, documents, company: { name: 'Hörakustik Klangwerk GmbH' }, senderName: 'Ihr Klangwerk-Team', language: 'de' });
    const rendered = await renderNotification(TEMPLATE, context);
    const pdfs = [pdfBytes(30_000), pdfBytes(5_000)];
    const messageId = messageIdFor({ dispatchId: 12, recipientId: 34, attempt: 1, fromEmail: 'rechnung@klangwerk.test' });
    expect(messageId).toBe('<dispatch-12.recipient-34.attempt-1@klangwerk.test>');

    const { info, received, parsed } = await send(
      {
        settings: testSettings({ bccArchive: 'archiv@klangwerk.test' }),
        ...rendered,
        to: { name: 'Jördis Müßig', email: 'joerdis@example.de' },
        attachments: documents.map((d, i) => ({ filename: attachmentFilename({ ...d, id: i + 1, language: 'de' }), content: pdfs[i] ?? Buffer.alloc(0) })),
        messageId,
      },
      testSettings({ port: server.port, bccArchive: 'archiv@klangwerk.test' }),
    );

    expect(info.messageId).toBe(messageId);
    expect(parsed.messageId).toBe(messageId);
    expect(received.user).toBe('praxis@klangwerk.test');
    expect(received.from).toBe('rechnung@klangwerk.test');
    // BCC archive copy: in the envelope, never in the headers the customer sees
    expect(received.to).toEqual(['joerdis@example.de', 'archiv@klangwerk.test']);
    expect(received.raw.toString('latin1')).not.toMatch(/^bcc:/im);

    expect(parsed.subject).toBe('Ihre Rechnungen RE-2026-00042, RE-2026-00043 – Hörakustik Klangwerk GmbH');
    // RFC 2047: the raw subject and names are ASCII encoded words
    expect(received.raw.toString('latin1')).toMatch(/^Subject: =\?UTF-8\?[QB]\?/m);
    expect(parsed.from?.value[0]).toEqual({ name: 'Hörakustik Klangwerk GmbH', address: 'rechnung@klangwerk.test' });
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0] : undefined).toEqual({ name: 'Jördis Müßig', address: 'joerdis@example.de' });
    expect(parsed.replyTo?.value[0]?.address).toBe('buchhaltung@klangwerk.test');

    expect(parsed.text).toContain('Sehr geehrte Frau Müßig-<b>Bold</b>,');
    // Intl puts a no-break space between amount and currency, so the amount never wraps apart
    expect(parsed.text).toContain('über insgesamt 1.996,50\u00a0€');
    expect(parsed.text).toContain('- Rechnung RE-2026-00042 vom 02.11.2026, fällig am 16.11.2026: 1.899,00\u00a0€');
    expect(typeof parsed.html).toBe('string');
    const html = String(parsed.html);
    expect(html).toContain('Müßig-&lt;b&gt;Bold&lt;/b&gt;');
    expect(html).not.toContain('<b>');

    expect(parsed.attachments.map((a) => a.filename)).toEqual(['Rechnung_RE-2026-00042.pdf', 'Rechnung_RE-2026-00043.pdf']);
    expect(parsed.attachments.map((a) => a.contentType)).toEqual(['application/pdf', 'application/pdf']);
    parsed.attachments.forEach((a, i) => expect(a.content.equals(pdfs[i] ?? Buffer.alloc(1))).toBe(true));
  });

  it('CR/LF in names and subject never creates a header', async () => {
    const { received, parsed } = await send({
      settings: testSettings({ fromName: 'Klangwerk' }),
      subject: 'Rechnung\r\nBcc: opfer@example.de\r\nX-Injected: yes',
      text: 'Hallo\r\n\r\nBcc: not-a-header@example.de',
      to: { name: 'Eve\r\nBcc: opfer@example.de\nX-Evil: 1', email: 'eve@example.de' },
      attachments: [{ filename: 'Rechnung\r\nX-Att: 1.pdf', content: pdfBytes(100) }],
      messageId: '<dispatch-1.recipient-1.attempt-1@klangwerk.test>',
    });
    const headerBlock = received.raw.toString('latin1').split('\r\n\r\n')[0] ?? '';
    expect(headerBlock).not.toMatch(/^(bcc|x-injected|x-evil|x-att):/im);
    expect(received.to).toEqual(['eve@example.de']);
    expect(parsed.headers.has('x-injected')).toBe(false);
    expect(parsed.subject).toBe('Rechnung Bcc: opfer@example.de X-Injected: yes');
    expect(parsed.attachments[0]?.filename).toBe('Rechnung X-Att_ 1.pdf');
  });

  it('refuses a message above the size limit before connecting', async () => {
    const before = server.received.length;
    const attempt = () =>
      composeMessage({
        settings: testSettings({ maxMessageBytes: 10 * 1024 * 1024 }),
        subject: 'Groß',
        text: 'x',
        to: { name: 'A', email: 'a@example.de' },
        attachments: [{ filename: 'a.pdf', content: Buffer.alloc(8 * 1024 * 1024) }],
        messageId: '<a@klangwerk.test>',
      });
    expect(attempt).toThrow(AppError);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ code: 'mail.tooLarge', kind: 'tooLarge', retryable: false });
    }
    expect(server.received.length).toBe(before);
  });

  it('signs with DKIM; the signature verifies with the published key', async () => {
    const settings = testSettings({ port: server.port, dkim: { domain: 'klangwerk.test', selector: 'faktura', privateKey: dkimKeyPem } });
    const { received } = await send(
      {
        settings,
        subject: 'Ihre Rechnung RE-2026-00042 – Grüße',
        text: 'Anbei Ihre Rechnung.\nViele Grüße',
        to: { name: 'Jörg Ärmel', email: 'joerg@example.de' },
        attachments: [{ filename: 'Rechnung_RE-2026-00042.pdf', content: pdfBytes(2_000) }],
        messageId: '<dispatch-2.recipient-3.attempt-1@klangwerk.test>',
      },
      settings,
    );
    expect(received.raw.toString('latin1')).toMatch(/^DKIM-Signature: .*d=klangwerk\.test/m);
    const queried: string[] = [];
    const resolver = async (name: string, rrtype: string): Promise<string[][]> => {
      queried.push(`${rrtype} ${name}`);
      if (rrtype === 'TXT' && name === 'faktura._domainkey.klangwerk.test') return [[`v=DKIM1; k=rsa; p=${dkimPublic}`]];
      throw Object.assign(new Error(`no ${rrtype} record for ${name}`), { code: 'ENOTFOUND' });
    };
    const result = await dkimVerify(received.raw, { resolver });
    expect(queried).toContain('TXT faktura._domainkey.klangwerk.test');
    expect(result.results[0]?.status.result).toBe('pass');
    expect(result.results[0]?.signingDomain).toBe('klangwerk.test');

    // and a tampered copy fails
    const tampered = Buffer.from(received.raw.toString('latin1').replace('Anbei Ihre Rechnung.', 'Anbei Ihre Mahnung.'), 'latin1');
    const bad = await dkimVerify(tampered, { resolver });
    expect(bad.results[0]?.status.result).not.toBe('pass');
  });
});

describe('classifySmtpError with real server replies', () => {
  let server: TestSmtpServer;
  beforeAll(async () => {
    server = await startTestSmtpServer({
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('unknown')) callback(Object.assign(new Error('5.1.1 Recipient address rejected: User unknown'), { responseCode: 550 }));
        else if (address.address.startsWith('greylist')) callback(Object.assign(new Error('4.7.1 Greylisted, try again later'), { responseCode: 451 }));
        else callback();
      },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  async function failure(to: string, settings = testSettings({ port: server.port })) {
    const transport = createMailTransport(settings, { connectionMs: 1500, greetingMs: 1500, socketMs: 3000, dnsMs: 2000 });
    try {
      await transport.sendMail(composeMessage({ settings, subject: 's', text: 't', to: { name: 'X', email: to }, attachments: [], messageId: '<c@klangwerk.test>' }));
      return undefined;
    } catch (error) {
      return classifySmtpError(error);
    } finally {
      transport.close();
    }
  }

  it('550 is permanent, 451 temporary, a bad password auth, a bad certificate tls', async () => {
    expect(await failure('unknown@example.de')).toMatchObject({ class: 'permanent', code: 550 });
    expect((await failure('unknown@example.de'))?.reply).toContain('User unknown');
    expect(await failure('greylist@example.de')).toMatchObject({ class: 'temporary', code: 451 });
    expect(await failure('ok@example.de', testSettings({ port: server.port, auth: { user: 'praxis@klangwerk.test', password: 'wrong' } }))).toMatchObject({ class: 'auth', code: 535 });
    expect(await failure('ok@example.de', testSettings({ port: server.port, acceptSelfSigned: false }))).toMatchObject({ class: 'tls' });
    expect(await failure('ok@example.de', testSettings({ host: 'smtp.faktura.invalid' }))).toMatchObject({ class: 'dns' });
    expect(await failure('ok@example.de')).toBeUndefined();
  });
});
