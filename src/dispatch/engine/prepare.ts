import type { Db } from '../../db/connection.ts';
import type { ClassifiedFailure } from '../../domain/dispatch.ts';
import {
  AttachmentMissingError,
  composeDeliveryMessage,
  deliveryMessageId,
  loadMessageCompany,
  loadMessageCustomers,
  loadMessageDocuments,
  type MessageCompany,
  type MessageCustomer,
  type MessageDocument,
} from '../message.ts';
import type { DispatchPorts, LoadedPdf, Mailer, TemplateSnapshot } from '../ports.ts';
import { parseTemplateSnapshot } from '../template-snapshot.ts';
import type { Claimed, Prepared } from './types.ts';

/**
 * Message preparation: builds the e-mails of claimed deliveries in batches while the SMTP
 * connections are busy with earlier messages. Keeps the dispatches' template snapshots and the
 * company's letterhead data for a while, so a batch costs four queries however many deliveries
 * it holds.
 */
export class MessagePreparer {
  private readonly templates = new Map<number, TemplateSnapshot | null>();
  private company: { value: MessageCompany; at: number } | undefined;

  constructor(
    private readonly db: Db,
    private readonly ports: DispatchPorts,
    private readonly now: () => number,
  ) {}

  private async template(dispatchId: number): Promise<TemplateSnapshot | null> {
    const cached = this.templates.get(dispatchId);
    if (cached !== undefined) return cached;
    const row = await this.db.kysely.selectFrom('dispatches').select('template_snapshot').where('id', '=', dispatchId).executeTakeFirst();
    const value = parseTemplateSnapshot(row?.template_snapshot ?? null);
    if (this.templates.size > 100) this.templates.clear();
    this.templates.set(dispatchId, value);
    return value;
  }

  private async companyData(): Promise<MessageCompany> {
    if (this.company && this.now() - this.company.at < 10_000) return this.company.value;
    const value = await loadMessageCompany(this.db.kysely);
    this.company = { value, at: this.now() };
    return value;
  }

  /**
   * Builds the messages of a few claimed deliveries: their document links, documents, customers
   * and archived PDFs in one query each. Each message gets exactly its own delivery's customer and
   * documents (looked up by id), so batching cannot mix recipients. Deliveries whose message
   * cannot be built come back as `failed`, nothing was sent for them.
   */
  async prepare(chunk: readonly Claimed[], mailer: Mailer): Promise<{ ready: Prepared[]; failed: { c: Claimed; failure: ClassifiedFailure }[] }> {
    const k = this.db.kysely;
    const ready: Prepared[] = [];
    const failed: { c: Claimed; failure: ClassifiedFailure }[] = [];
    let links: Map<number, number[]>;
    let documents: MessageDocument[];
    let customers: Map<number, MessageCustomer>;
    let pdfs: Map<number, LoadedPdf>;
    try {
      links = new Map();
      const rows = await k.selectFrom('delivery_documents').select(['delivery_id', 'document_id']).where('delivery_id', 'in', chunk.map((c) => c.id)).execute();
      for (const r of rows) {
        const list = links.get(r.delivery_id) ?? [];
        list.push(r.document_id);
        links.set(r.delivery_id, list);
      }
      const documentIds = [...new Set(rows.map((r) => r.document_id))];
      documents = await loadMessageDocuments(k, documentIds);
      customers = await loadMessageCustomers(
        k,
        chunk.map((c) => c.customer_id),
      );
      pdfs = await this.ports.loadPdfs(k, documentIds);
    } catch (error) {
      // A database hiccup: nothing was sent, each delivery is worth another attempt.
      const failure: ClassifiedFailure = { class: 'temporary', code: 'message.composeFailed', reply: error instanceof Error ? error.message : String(error) };
      return { ready, failed: chunk.map((c) => ({ c, failure })) };
    }
    for (const c of chunk) {
      const documentIds = links.get(c.id) ?? [];
      try {
        const template = await this.template(c.dispatch_id);
        if (!template) throw new Error('dispatch has no template snapshot');
        const customer = customers.get(c.customer_id);
        if (!customer) throw new Error(`customer ${c.customer_id} vanished`);
        const mine = new Set(documentIds);
        const message = await composeDeliveryMessage({
          db: this.db,
          ports: this.ports,
          template,
          to: { name: c.to_name, email: c.to_email },
          customer,
          // In the order of the query (document number, id), as the per-delivery load had them.
          documents: documents.filter((d) => mine.has(d.id)),
          company: await this.companyData(),
          senderName: mailer.senderName,
          messageId: deliveryMessageId(c.dispatch_id, c.id, mailer.messageIdDomain),
          pdfs,
        });
        ready.push({ c, message, documentIds, mailerVersion: mailer.version });
      } catch (error) {
        // Nothing was sent: the message could not even be built. A missing archive PDF will not
        // appear by waiting; anything else (a database hiccup) is worth another attempt.
        const failure: ClassifiedFailure =
          error instanceof AttachmentMissingError
            ? { class: 'permanent', code: 'document.pdfMissing', reply: error.message }
            : { class: 'temporary', code: 'message.composeFailed', reply: error instanceof Error ? error.message : String(error) };
        failed.push({ c, failure });
      }
    }
    return { ready, failed };
  }
}
