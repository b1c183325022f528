import { audit, type Actor } from '../commands/context.ts';
import type { Db } from '../db/connection.ts';
import { AppError, notFound } from '../domain/errors.ts';
import type { PreviewView } from '../http/api-types.ts';
import { loadDispatch, type DispatchRow } from './dispatch-row.ts';
import { composeDeliveryMessage, loadMessageCompany, loadMessageCustomer, loadMessageDocuments } from './message.ts';
import type { DispatchPorts, TemplateSnapshot } from './ports.ts';
import { loadRecipients, type RecipientView } from './recipients.ts';
import { parseTemplateSnapshot } from './template-snapshot.ts';

/** The message one recipient would get (PreviewView): shown as a preview, or sent as a test to the user. */

export type { PreviewView };

async function dispatchTemplate(db: Db, ports: DispatchPorts, d: DispatchRow): Promise<TemplateSnapshot> {
  const snapshot = parseTemplateSnapshot(d.template_snapshot);
  if (snapshot) return snapshot;
  if (d.template_id === null) throw new AppError('incomplete', 'dispatch.templateMissing', 'choose a template (Dokumentvorlage) first', { field: 'templateId' });
  const template = await ports.loadTemplate(db.kysely, d.template_id);
  if (!template) throw new AppError('incomplete', 'dispatch.templateMissing', `template ${d.template_id} no longer exists`, { field: 'templateId' });
  return template;
}

export async function previewRecipient(input: { db: Db; ports: DispatchPorts; id: number; customerId?: number }): Promise<PreviewView> {
  const { db, ports, id } = input;
  const d = await loadDispatch(db.kysely, id);
  const template = await dispatchTemplate(db, ports, d);
  let recipient: RecipientView | undefined;
  if (input.customerId !== undefined) [recipient] = await loadRecipients(db.kysely, id, { customerIds: [input.customerId] });
  else [recipient] = (await loadRecipients(db.kysely, id, { includeRemoved: false, page: { offset: 0, limit: 50 } })).filter((r) => r.eligible);
  if (!recipient) throw notFound('recipient', input.customerId ?? 'eligible');
  const customer = await loadMessageCustomer(db.kysely, recipient.customerId);
  if (!customer) throw notFound('customer', recipient.customerId);
  const documents = await loadMessageDocuments(db.kysely, recipient.documents.filter((x) => !x.excluded && x.status === 'final').map((x) => x.id));
  const company = await loadMessageCompany(db.kysely);
  const mailer = await ports.openMailer(db.kysely);
  mailer?.close();
  const message = await composeDeliveryMessage({
    db,
    ports,
    template,
    to: { name: recipient.name, email: customer.email ?? '' },
    customer,
    documents,
    company,
    senderName: mailer?.senderName ?? company.name,
    messageId: '<preview@faktura>',
  });
  return {
    customerId: recipient.customerId,
    to: { name: recipient.name, email: customer.email },
    subject: message.subject,
    text: message.text,
    html: message.html ?? null,
    attachments: message.attachments.map((a) => ({ documentId: a.documentId, filename: a.filename, size: a.content.length, sha256: a.sha256 })),
  };
}

/** "Send a test to me": the exact message one recipient would get, sent to the current user. */
export async function sendTestMessage(input: { db: Db; ports: DispatchPorts; actor: Actor; id: number; customerId?: number; to: string }): Promise<{ messageId: string; response: string }> {
  const { db, ports, actor, id } = input;
  const preview = await previewRecipient({ db, ports, id, ...(input.customerId === undefined ? {} : { customerId: input.customerId }) });
  const mailer = await ports.openMailer(db.kysely);
  if (!mailer) throw new AppError('incomplete', 'smtp.notConfigured', 'configure the SMTP server (Postausgangsserver) first');
  try {
    const d = await loadDispatch(db.kysely, id);
    const template = await dispatchTemplate(db, ports, d);
    const customer = await loadMessageCustomer(db.kysely, preview.customerId);
    if (!customer) throw notFound('customer', preview.customerId);
    const documents = await loadMessageDocuments(db.kysely, preview.attachments.map((a) => a.documentId));
    const message = await composeDeliveryMessage({
      db,
      ports,
      template,
      to: { name: '', email: input.to },
      customer,
      documents,
      company: await loadMessageCompany(db.kysely),
      senderName: mailer.senderName,
      messageId: `<faktura.test.${id}.${Date.now()}@${mailer.messageIdDomain}>`,
    });
    let result;
    try {
      result = await mailer.send({ ...message, subject: `[Test] ${message.subject}` });
    } catch (error) {
      const failure = mailer.classify(error);
      throw new AppError('unavailable', failure.code, `test message not sent: ${failure.reply}`, { retryable: failure.class !== 'permanent' });
    }
    await audit(db.kysely, actor, 'dispatch.test', 'dispatch', id, { customerId: preview.customerId, to: input.to });
    return result;
  } finally {
    mailer.close();
  }
}
