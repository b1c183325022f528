import nodemailer from 'nodemailer';
import type { Db } from '../src/db/connection.ts';
import { createDispatchPorts } from '../src/dispatch/adapters.ts';
import { loadMessageCompany, loadMessageCustomers, loadMessageDocuments } from '../src/dispatch/message.ts';
import { composeMessage } from '../src/mail/compose.ts';
import { TEST_SECRET } from '../test/dispatch-support.ts';
import type { Sink } from './sink-client.ts';

/**
 * The raw limit the dispatch benchmarks compare with: nodemailer's pool, the same number of
 * connections, sending the same messages Faktura sends (each customer's rendered subject, text and
 * HTML, a PDF of the same size) to the same sink, without a database. The messages are built
 * before the clock starts; only MIME encoding and SMTP are timed.
 */

export interface Prebuilt {
  to: { name: string; email: string };
  subject: string;
  text: string;
  html: string | undefined;
  filename: string;
}

export async function buildRawMessages(db: Db, ids: readonly number[], templateId: number): Promise<Prebuilt[]> {
  const ports = createDispatchPorts({ secret: TEST_SECRET });
  const template = await db.kysely.selectFrom('templates').select(['subject', 'body', 'language']).where('id', '=', templateId).executeTakeFirstOrThrow();
  const company = await loadMessageCompany(db.kysely);
  const prebuilt: Prebuilt[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const docs = await loadMessageDocuments(db.kysely, chunk);
    const docRows = await db.kysely.selectFrom('documents').select(['id', 'customer_id']).where('id', 'in', chunk).execute();
    const customers = await loadMessageCustomers(db.kysely, docRows.map((r) => r.customer_id));
    const customerOf = new Map(docRows.map((r) => [r.id, r.customer_id]));
    for (const d of docs) {
      const customer = customers.get(customerOf.get(d.id) ?? -1);
      if (!customer) throw new Error(`no customer for document ${d.id}`);
      const rendered = await ports.render(template, { customer, documents: [d], company, senderName: 'Hörakustik Klangwerk' });
      prebuilt.push({ to: { name: customer.lastName ?? '', email: customer.email ?? '' }, ...rendered, html: rendered.html, filename: `Rechnung_${d.number ?? d.id}.pdf` });
    }
  }
  if (prebuilt.length !== ids.length) throw new Error('raw messages could not be built');
  return prebuilt;
}

export async function runRawPool(input: {
  sink: Sink;
  pool: number;
  messages: readonly Prebuilt[];
  pdfBytes: number;
}): Promise<{ rate: number; seconds: number; senderCpuMs: number; sinkCpuMs: number }> {
  const { messages, sink } = input;
  const before = await sink.stats();
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true, pool: true, maxConnections: input.pool, maxMessages: 100 });
  const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(input.pdfBytes, 0x20)]);
  const settings = { fromName: 'Hörakustik Klangwerk', fromEmail: 'rechnung@klangwerk.test', replyTo: null, bccArchive: null, maxMessageBytes: 10 * 1024 * 1024 };
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  let next = 0;
  const lane = async () => {
    for (let m = messages[next]; m; m = messages[next]) {
      const i = next++;
      await transport.sendMail(
        composeMessage({ settings, subject: m.subject, text: m.text, html: m.html, to: m.to, attachments: [{ filename: m.filename, content: pdf }], messageId: `<raw.${i}@klangwerk.test>` }),
      );
    }
  };
  // Twice as many senders as connections, so a connection never waits for the next message.
  await Promise.all(Array.from({ length: input.pool * 2 }, lane));
  const s = await sink.waitFor(before.count + messages.length);
  const cpu = process.cpuUsage(cpu0);
  transport.close();
  const seconds = (s.lastAt - t0) / 1000;
  return { rate: messages.length / seconds, seconds, senderCpuMs: (cpu.user + cpu.system) / 1000 / messages.length, sinkCpuMs: (s.cpuMs - before.cpuMs) / messages.length };
}
