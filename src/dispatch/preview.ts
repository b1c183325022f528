import { audit, type Actor } from '../commands/context.ts';
import type { Db } from '../db/connection.ts';
import { AppError, isAppError, notFound } from '../domain/errors.ts';
import type { PreviewView } from '../http/api-types.ts';
import { loadDispatch, type DispatchRow } from './dispatch-row.ts';
import { composeDeliveryMessage, loadMessageCompany, loadMessageCustomer, loadMessageCustomers, loadMessageDocuments } from './message.ts';
import type { DispatchPorts, TemplateSnapshot } from './ports.ts';
import { loadRecipients, recipientPages, type RecipientView } from './recipients.ts';
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

/** How many of the first recipients the preview's switcher steps through. */
const PREVIEW_CANDIDATES = 50;

/**
 * The message one recipient of this dispatch would get, rendered exactly as the worker renders it
 * (the seed: "Dieser Text ist der Inhalt der E-Mail den Kunden"). Without `customerId`, the first
 * eligible recipient; `templateId` previews a template before it is chosen (the magnifier's
 * list). A template that cannot be rendered for this recipient answers 422
 * recipient.templateError naming the recipient.
 */
export async function previewRecipient(input: { db: Db; ports: DispatchPorts; id: number; customerId?: number; templateId?: number }): Promise<PreviewView> {
  const { db, ports, id } = input;
  const d = await loadDispatch(db.kysely, id);
  let template: TemplateSnapshot;
  if (input.templateId !== undefined && input.templateId !== d.template_id) {
    const candidate = await ports.loadTemplate(db.kysely, input.templateId);
    if (!candidate) throw new AppError('validation', 'dispatch.templateNotFound', `template ${input.templateId} does not exist or is not a customer notification`, { field: 'templateId' });
    template = candidate;
  } else template = await dispatchTemplate(db, ports, d);
  const first = await loadRecipients(db.kysely, id, { includeRemoved: false, page: { offset: 0, limit: PREVIEW_CANDIDATES } });
  const candidates = first.filter((r) => r.eligible).map((r) => r.customerId);
  let recipient: RecipientView | undefined;
  if (input.customerId !== undefined) [recipient] = await loadRecipients(db.kysely, id, { customerIds: [input.customerId] });
  else recipient = first.find((r) => r.eligible);
  if (!recipient) throw notFound('recipient', input.customerId ?? 'eligible');
  const customer = await loadMessageCustomer(db.kysely, recipient.customerId);
  if (!customer) throw notFound('customer', recipient.customerId);
  const documents = await loadMessageDocuments(db.kysely, recipient.documents.filter((x) => !x.excluded && x.status === 'final').map((x) => x.id));
  const company = await loadMessageCompany(db.kysely);
  const mailer = await ports.openMailer(db.kysely);
  mailer?.close();
  let message;
  try {
    message = await composeDeliveryMessage({
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
  } catch (error) {
    if (isAppError(error) && error.code.startsWith('template.')) throw templateErrorFor(recipient, error);
    throw error;
  }
  return {
    customerId: recipient.customerId,
    candidates,
    to: { name: recipient.name, email: customer.email },
    subject: message.subject,
    text: message.text,
    html: message.html ?? null,
    attachments: message.attachments.map((a) => ({ documentId: a.documentId, filename: a.filename, size: a.content.length, sha256: a.sha256 })),
  };
}

/** The template cannot be rendered for this recipient (e.g. a value it names is missing under strict variables). */
export function templateErrorFor(recipient: Pick<RecipientView, 'customerId' | 'name'>, error: AppError): AppError {
  return new AppError('incomplete', 'recipient.templateError', `the template cannot be rendered for ${recipient.name}: ${error.message}`, {
    meta: { customerId: recipient.customerId, name: recipient.name, templateCode: error.code, detail: error.message },
  });
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

/**
 * Renders the template for every active recipient, as the worker will: the recipients it cannot
 * be rendered for (their customer ids and the reason), so Senden names them in the
 * Unvollständigkeitshinweis instead of the worker failing their e-mails one by one.
 */
export async function templateRenderFailures(input: { db: Db; ports: DispatchPorts; id: number; template: TemplateSnapshot }): Promise<{ customerId: number; name: string; detail: string }[]> {
  const { db, ports, id, template } = input;
  const company = await loadMessageCompany(db.kysely);
  const mailer = await ports.openMailer(db.kysely);
  mailer?.close();
  const senderName = mailer?.senderName ?? company.name;
  const failures: { customerId: number; name: string; detail: string }[] = [];
  for await (const page of recipientPages(db.kysely, id, { includeRemoved: false })) {
    const customers = await loadMessageCustomers(db.kysely, page.map((r) => r.customerId));
    const sendable = (r: RecipientView) => r.documents.filter((x) => !x.excluded && x.status === 'final').map((x) => x.id);
    const documents = new Map((await loadMessageDocuments(db.kysely, page.flatMap(sendable))).map((x) => [x.id, x]));
    for (const r of page) {
      const customer = customers.get(r.customerId);
      const mine = sendable(r).flatMap((docId) => documents.get(docId) ?? []);
      if (!customer || mine.length === 0) continue;
      try {
        await ports.render(template, { customer, documents: mine, company, senderName });
      } catch (error) {
        if (!isAppError(error) || !error.code.startsWith('template.')) throw error;
        failures.push({ customerId: r.customerId, name: r.name, detail: error.message });
      }
    }
  }
  return failures;
}
