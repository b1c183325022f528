import { DOCUMENT_CUSTOMER_COLUMNS, documentCustomerFromRow } from '../commands/customers.ts';
import type { Executor } from '../commands/context.ts';
import type { Db } from '../db/connection.ts';
import type { DocumentType } from '../domain/document.ts';
import { attachmentFilename } from '../mail/compose.ts';
import type { DispatchPorts, LoadedPdf, OutgoingAttachment, OutgoingMessage, RenderData, TemplateSnapshot } from './ports.ts';

/**
 * Builds the e-mail of one delivery: the template rendered with that customer's data and that
 * customer's archived PDFs. Everything is read per delivery, never for the whole dispatch, so a
 * mistake cannot mix customers and memory stays flat however many recipients there are.
 */

export interface MessageDocument {
  id: number;
  type: DocumentType;
  number: string | null;
  language: 'de' | 'en';
  issueDate: string;
  dueDate: string | null;
  grossCents: number;
}

export type MessageCustomer = RenderData['customer'] & { id: number };
export type MessageCompany = RenderData['company'];

export async function loadMessageDocuments(db: Executor, documentIds: readonly number[]): Promise<MessageDocument[]> {
  if (documentIds.length === 0) return [];
  const rows = await db
    .selectFrom('documents')
    .select(['id', 'type', 'number', 'language', 'issue_date', 'due_date', 'gross_cents'])
    .where('id', 'in', [...documentIds])
    .orderBy('number')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, type: r.type, number: r.number, language: r.language, issueDate: r.issue_date, dueDate: r.due_date, grossCents: Number(r.gross_cents) }));
}

export async function loadMessageCustomer(db: Executor, customerId: number): Promise<MessageCustomer | undefined> {
  const c = await db.selectFrom('customers').select(DOCUMENT_CUSTOMER_COLUMNS).where('id', '=', customerId).executeTakeFirst();
  return c && documentCustomerFromRow(c);
}

/** The customers of a batch of deliveries in one query (the worker prepares several at once). */
export async function loadMessageCustomers(db: Executor, customerIds: readonly number[]): Promise<Map<number, MessageCustomer>> {
  const out = new Map<number, MessageCustomer>();
  const ids = [...new Set(customerIds)];
  if (ids.length === 0) return out;
  const rows = await db.selectFrom('customers').select(DOCUMENT_CUSTOMER_COLUMNS).where('id', 'in', ids).execute();
  for (const c of rows) out.set(c.id, documentCustomerFromRow(c));
  return out;
}

export async function loadMessageCompany(db: Executor): Promise<MessageCompany> {
  const c = await db
    .selectFrom('company')
    .select(['name', 'street', 'postcode', 'city', 'email', 'phone', 'website', 'iban', 'bic', 'bank_name', 'vat_id', 'tax_number', 'email_footer'])
    .executeTakeFirst();
  return {
    name: c?.name ?? '',
    street: c?.street ?? null,
    postcode: c?.postcode ?? null,
    city: c?.city ?? null,
    email: c?.email ?? null,
    phone: c?.phone ?? null,
    website: c?.website ?? null,
    iban: c?.iban ?? null,
    bic: c?.bic ?? null,
    bankName: c?.bank_name ?? null,
    vatId: c?.vat_id ?? null,
    taxNumber: c?.tax_number ?? null,
    emailFooter: c?.email_footer ?? null,
  };
}

export class AttachmentMissingError extends Error {
  constructor(readonly documentId: number) {
    super(`no archived PDF for document ${documentId}`);
    this.name = 'AttachmentMissingError';
  }
}

export type ArchivedAttachment = OutgoingAttachment & { documentId: number; sha256: string };
export type ComposedMessage = Omit<OutgoingMessage, 'attachments'> & { attachments: ArchivedAttachment[] };

/**
 * The archived PDFs of `documents`, in their order. `preloaded` holds what the worker fetched for
 * a batch of deliveries in one query; a document missing there is loaded on its own.
 */
export async function loadAttachments(db: Db, ports: DispatchPorts, documents: readonly MessageDocument[], preloaded?: ReadonlyMap<number, LoadedPdf>): Promise<ArchivedAttachment[]> {
  const attachments: ArchivedAttachment[] = [];
  for (const d of documents) {
    const loaded = preloaded?.get(d.id) ?? (await ports.loadPdf(db.kysely, d.id));
    if (!loaded) throw new AttachmentMissingError(d.id);
    if ('error' in loaded) throw loaded.error;
    const archived = loaded;
    attachments.push({ filename: attachmentFilename(d), content: archived.pdf, contentType: 'application/pdf', documentId: d.id, sha256: archived.sha256 });
  }
  return attachments;
}

export async function composeDeliveryMessage(input: {
  db: Db;
  ports: DispatchPorts;
  template: TemplateSnapshot;
  to: { name: string; email: string };
  customer: MessageCustomer;
  documents: readonly MessageDocument[];
  company: MessageCompany;
  senderName: string;
  messageId: string;
  pdfs?: ReadonlyMap<number, LoadedPdf>;
}): Promise<ComposedMessage> {
  const rendered = await input.ports.render(input.template, { customer: input.customer, documents: input.documents, company: input.company, senderName: input.senderName });
  const attachments = await loadAttachments(input.db, input.ports, input.documents, input.pdfs);
  return { to: input.to, subject: rendered.subject, text: rendered.text, html: rendered.html, attachments, messageId: input.messageId };
}

/** `<faktura.12.345@praxis.de>`: unique per delivery and identical on every attempt of it, so a
 * duplicate after an uncertain outcome is recognisable as the same message (RFC 5322 §3.6.4). */
export function deliveryMessageId(dispatchId: number, deliveryId: number, domain: string): string {
  return `<faktura.${dispatchId}.${deliveryId}@${domain}>`;
}
