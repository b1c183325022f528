import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import type { Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';

/** What the test SMTP server received: envelope recipients and the parsed message. */
export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  attachments: { filename: string; sha256: string }[];
}

export interface TestSmtp {
  port: number;
  received: ReceivedMail[];
  /** addresses answered with 550 on their first RCPT TO (a mailbox "not found", then fixed) */
  rejectOnce: Set<string>;
  close(): Promise<void>;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A real SMTP server on 127.0.0.1 that keeps what it receives, parsed. */
export async function startSmtp(): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const rejectOnce = new Set<string>();
  const pending: Promise<void>[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const to = address.address.toLowerCase();
      if (rejectOnce.has(to)) {
        rejectOnce.delete(to);
        callback(Object.assign(new Error('5.1.1 <' + to + '>: Recipient address rejected: User unknown in virtual mailbox table'), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        pending.push(
          simpleParser(Buffer.concat(chunks)).then((mail) => {
            received.push({ to, subject: mail.subject ?? '', text: mail.text ?? '', attachments: mail.attachments.map((a) => ({ filename: a.filename ?? '', sha256: sha256(a.content) })) });
          }),
        );
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? (address satisfies AddressInfo).port : 0;
  return {
    port,
    received,
    rejectOnce,
    close: async () => {
      await Promise.all(pending);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value ? Reflect.get(value, key) : undefined;
}

/** The API as the test's set-up uses it (same session as the browser page). */
export class Api {
  private token = '';
  constructor(private readonly page: Page) {}

  async csrf(): Promise<string> {
    if (!this.token) {
      const me: unknown = await (await this.page.request.get('/api/auth/me')).json();
      const token = field(me, 'csrfToken');
      if (typeof token !== 'string') throw new Error('no csrf token');
      this.token = token;
    }
    return this.token;
  }

  async send(method: 'POST' | 'PUT', path: string, data: unknown, contentType?: string): Promise<unknown> {
    const headers: Record<string, string> = { 'x-csrf-token': await this.csrf(), ...(contentType ? { 'content-type': contentType } : {}) };
    // Set-up requests wait for the server's answer (an import of 5,000 rows took longer than the
    // context's 15 s on a loaded machine); the test's own timeout still bounds them.
    const timeout = 0;
    const response = method === 'POST' ? await this.page.request.post(path, { headers, timeout, data: typeof data === 'string' ? data : (data ?? {}) }) : await this.page.request.put(path, { headers, timeout, data: data ?? {} });
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok()) throw new Error(`${method} ${path} → ${response.status()}: ${JSON.stringify(body)}`);
    return body;
  }

  /** DELETE (e.g. discarding a draft: Verwerfen) */
  async delete(path: string): Promise<unknown> {
    const response = await this.page.request.delete(path, { headers: { 'x-csrf-token': await this.csrf() } });
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok()) throw new Error(`DELETE ${path} → ${response.status()}: ${JSON.stringify(body)}`);
    return body;
  }

  async get(path: string): Promise<unknown> {
    const response = await this.page.request.get(path);
    if (!response.ok()) throw new Error(`GET ${path} → ${response.status()}`);
    return response.json();
  }

  async pdfHash(documentId: number): Promise<string> {
    const response = await this.page.request.get(`/api/documents/${documentId}/pdf`);
    if (!response.ok()) throw new Error(`pdf ${documentId} → ${response.status()}`);
    return sha256(await response.body());
  }

  async customer(data: Record<string, unknown>): Promise<number> {
    // An address unless the test says otherwise: an invoice over 250 € must name it (§14 Abs. 4 Nr. 1 UStG).
    const id = field(await this.send('POST', '/api/customers', { street: 'Lindenallee 7', postcode: '50667', city: 'Köln', ...data }), 'id');
    if (typeof id !== 'number') throw new Error('no customer id');
    return id;
  }

  private companyReady = false;

  /**
   * A company as an admin leaves it after the first set-up: §14 UStG (and EN 16931 BR-CO-26) need
   * a tax number or VAT id before anything can be finalised. Set once, where none is set yet.
   */
  async companyTaxNumber(): Promise<void> {
    if (this.companyReady) return;
    const company = await this.get('/api/company');
    if (typeof company === 'object' && company !== null && !field(company, 'taxNumber') && !field(company, 'vatId')) {
      const { hasLogo: _logo, ...data } = { ...company, hasLogo: undefined };
      await this.send('PUT', '/api/company', { ...data, taxNumber: '214/5723/0815' });
    }
    this.companyReady = true;
  }

  /** A final invoice (numbered, PDF archived) for the customer; returns its id and number. */
  async invoice(customerId: number, description: string, unitPriceCents: number, type: 'invoice' | 'quote' = 'invoice'): Promise<{ id: number; number: string }> {
    await this.companyTaxNumber();
    const created = await this.send('POST', '/api/documents', { type, customerId, lines: [{ description, quantity: 1, unit: 'Stk', unitPriceCents, vatRate: 19 }] });
    const id = field(created, 'id');
    if (typeof id !== 'number') throw new Error('no document id');
    const final = await this.send('POST', `/api/documents/${id}/finalize`, {});
    const number = field(final, 'number');
    if (typeof number !== 'string') throw new Error('no number');
    return { id, number };
  }

  async mailSettings(port: number): Promise<void> {
    await this.send('PUT', '/api/settings/mail', {
      host: '127.0.0.1',
      port,
      security: 'none',
      user: null,
      fromName: 'Hörakustik Sonnenschein',
      fromEmail: 'rechnung@sonnenschein.test',
      ratePerMinute: 6000,
    });
  }

  async template(name: string, subject: string, body: string, language: 'de' | 'en' = 'de'): Promise<number> {
    const id = field(await this.send('POST', '/api/templates', { name, kind: 'customerNotification', language, subject, body }), 'id');
    if (typeof id !== 'number') throw new Error('no template id');
    return id;
  }
}

/** Waits until the condition holds (the SMTP side is asynchronous). */
export async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
