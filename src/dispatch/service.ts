import { sql } from 'kysely';
import { audit, type Actor, type Executor } from '../commands/context.ts';
import { documentFilterCondition, type DocumentFilter } from '../commands/documents.ts';
import { updateCustomer } from '../commands/customers.ts';
import type { Db } from '../db/connection.ts';
import { customerDisplayName } from '../domain/customer.ts';
import {
  DELIVERY_STATES,
  hasBlockingIssue,
  isCustomerLevelIssue,
  planDeliveries,
  recipientIssues,
  type DeliveryState,
  type DispatchMode,
  type DispatchStatus,
  type EligibilityDocument,
  type RecipientIssue,
  type RecipientIssueCode,
} from '../domain/dispatch.ts';
import { AppError, conflict, notFound, type ErrorDetail } from '../domain/errors.ts';
import type { DocumentStatus, DocumentType } from '../domain/document.ts';
import { composeDeliveryMessage, loadMessageCompany, loadMessageCustomer, loadMessageDocuments } from './message.ts';
import type { DispatchPorts, TemplateSnapshot } from './ports.ts';

/**
 * The use cases of the dispatch dialog ("Senden aller selektierten Rechnungen"), one function
 * each. Writes take the transaction they run in; reads take any executor. Results are plain
 * view objects shaped for the API (no database row leaves this module as it is).
 */

const CHUNK = 500;
const nowIso = (): string => new Date().toISOString();

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export type DispatchSelection = { documentIds: number[] } | { filter: DocumentFilter };

// ---- create ----

export async function createDispatch(input: { trx: Executor; actor: Actor; selection: DispatchSelection }): Promise<{ id: number }> {
  const { trx, actor, selection } = input;
  const now = nowIso();
  if ('documentIds' in selection) {
    const ids = [...new Set(selection.documentIds)];
    if (ids.length === 0) throw new AppError('validation', 'dispatch.emptySelection', 'select at least one document', { field: 'documentIds' });
    const found = new Set<number>();
    for (const part of chunks(ids)) {
      for (const r of await trx.selectFrom('documents').select('id').where('id', 'in', part).execute()) found.add(r.id);
    }
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new AppError('validation', 'dispatch.documentNotFound', `documents not found: ${missing.slice(0, 20).join(', ')}`, { field: 'documentIds', meta: { documentIds: missing } });
    }
  }
  const dispatch = await trx
    .insertInto('dispatches')
    .values({
      status: 'draft',
      mode: 'perCustomer',
      template_id: null,
      template_snapshot: null,
      selection: JSON.stringify(selection),
      created_by_user_id: actor.userId,
      created_by_token_id: actor.tokenId,
      send_key: null,
      send_requested_at: null,
      paused_reason: null,
      paused_message: null,
      consecutive_failures: 0,
      completed_at: null,
      cancelled_at: null,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = dispatch.id;

  // Recipients and their documents are written by INSERT … SELECT, so "select all" over tens of
  // thousands of filtered documents never travels through this process as a list of ids.
  const selections = 'documentIds' in selection ? chunks([...new Set(selection.documentIds)]).map((ids) => ({ ids })) : [{ filter: selection.filter }];
  for (const part of selections) {
    const selected = () => {
      const base = trx.selectFrom('documents as d');
      if ('ids' in part) return base.where('d.id', 'in', part.ids);
      const condition = documentFilterCondition(part.filter);
      return condition ? base.where(condition) : base;
    };
    await trx
      .insertInto('dispatch_recipients')
      .columns(['dispatch_id', 'customer_id', 'removed', 'created_at'])
      .expression(
        selected()
          // Typed literals: PostgreSQL cannot infer a parameter's type in a select list.
          .select([sql<number>`cast(${id} as integer)`.as('dispatch_id'), 'd.customer_id', sql<number>`0`.as('removed'), sql<string>`cast(${now} as text)`.as('created_at')])
          .distinct()
          .where(({ not, exists, selectFrom }) => not(exists(selectFrom('dispatch_recipients as r').select('r.id').where('r.dispatch_id', '=', id).whereRef('r.customer_id', '=', 'd.customer_id')))),
      )
      .execute();
    await trx
      .insertInto('dispatch_documents')
      .columns(['dispatch_id', 'recipient_id', 'document_id', 'excluded'])
      .expression(
        selected()
          // The recipient as a correlated lookup, not a join: with a join SQLite walked all of the
          // dispatch's recipients for every chunk of ids (quadratic: minutes for 100,000 documents).
          .select((eb) => [
            sql<number>`cast(${id} as integer)`.as('dispatch_id'),
            eb.selectFrom('dispatch_recipients as r').select('r.id').where('r.dispatch_id', '=', id).whereRef('r.customer_id', '=', 'd.customer_id').as('recipient_id'),
            'd.id as document_id',
            sql<number>`0`.as('excluded'),
          ]),
        // No "not yet added" check: the id chunks are disjoint (deduplicated above) and a filter is
        // one statement. On PostgreSQL such an anti-join against the table being filled rescans
        // the rows this very statement inserts: 14 s instead of 0.2 s for 65,000 documents.
      )
      .execute();
  }
  const count = await trx.selectFrom('dispatch_documents').select((eb) => eb.fn.countAll<number>().as('n')).where('dispatch_id', '=', id).executeTakeFirstOrThrow();
  if (Number(count.n) === 0) throw new AppError('validation', 'dispatch.emptySelection', 'no document matches the selection', { field: 'filter' });
  await audit(trx, actor, 'dispatch.create', 'dispatch', id, { documents: Number(count.n) });
  return { id };
}

// ---- reading ----

export interface DispatchRow {
  id: number;
  status: DispatchStatus;
  mode: DispatchMode;
  template_id: number | null;
  template_snapshot: string | null;
  send_key: string | null;
  send_requested_at: string | null;
  paused_reason: string | null;
  paused_message: string | null;
  completed_at: string | null;
  cancelled_at: string | null;
  created_at: string;
  updated_at: string;
}

async function loadDispatch(db: Executor, id: number): Promise<DispatchRow> {
  const row = await db
    .selectFrom('dispatches')
    .select(['id', 'status', 'mode', 'template_id', 'template_snapshot', 'send_key', 'send_requested_at', 'paused_reason', 'paused_message', 'completed_at', 'cancelled_at', 'created_at', 'updated_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('dispatch', id);
  return row;
}

function assertDraft(d: DispatchRow): void {
  if (d.status !== 'draft') throw conflict('dispatch.notDraft', `dispatch ${d.id} is ${d.status}; only a draft can be changed`, { status: d.status });
}

export type DeliveryCounts = Record<DeliveryState, number> & { total: number };

export async function deliveryCounts(db: Executor, id: number): Promise<DeliveryCounts> {
  const rows = await db.selectFrom('deliveries').select(['state', (eb) => eb.fn.countAll<number>().as('n')]).where('dispatch_id', '=', id).groupBy('state').execute();
  const counts = { total: 0 } as DeliveryCounts;
  for (const s of DELIVERY_STATES) counts[s] = 0;
  for (const r of rows) {
    counts[r.state] = Number(r.n);
    counts.total += Number(r.n);
  }
  return counts;
}

export interface DispatchView {
  id: number;
  status: DispatchStatus;
  mode: DispatchMode;
  templateId: number | null;
  pausedReason: string | null;
  pausedMessage: string | null;
  createdAt: string;
  sendRequestedAt: string | null;
  completedAt: string | null;
  cancelledAt: string | null;
  recipients: { total: number; removed: number; active: number };
  deliveries: DeliveryCounts;
}

export async function getDispatch(db: Executor, id: number): Promise<DispatchView> {
  const d = await loadDispatch(db, id);
  const r = await db
    .selectFrom('dispatch_recipients')
    .select([(eb) => eb.fn.countAll<number>().as('total'), (eb) => eb.fn.sum<number>('removed').as('removed')])
    .where('dispatch_id', '=', id)
    .executeTakeFirstOrThrow();
  const total = Number(r.total);
  const removed = Number(r.removed ?? 0);
  return {
    id: d.id,
    status: d.status,
    mode: d.mode,
    templateId: d.template_id,
    pausedReason: d.paused_reason,
    pausedMessage: d.paused_message,
    createdAt: d.created_at,
    sendRequestedAt: d.send_requested_at,
    completedAt: d.completed_at,
    cancelledAt: d.cancelled_at,
    recipients: { total, removed, active: total - removed },
    deliveries: await deliveryCounts(db, id),
  };
}

export async function listDispatches(db: Executor, paging: { page: number; pageSize: number }): Promise<{ items: DispatchView[]; total: number }> {
  const rows = await db
    .selectFrom('dispatches')
    .select('id')
    .orderBy('id', 'desc')
    .limit(paging.pageSize)
    .offset((paging.page - 1) * paging.pageSize)
    .execute();
  const total = await db.selectFrom('dispatches').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const items: DispatchView[] = [];
  for (const r of rows) items.push(await getDispatch(db, r.id));
  return { items, total: Number(total.n) };
}

// ---- recipients and their issues ----

export interface RecipientDocumentView {
  id: number;
  type: DocumentType;
  number: string | null;
  status: DocumentStatus;
  issueDate: string;
  dueDate: string | null;
  grossCents: number;
  lastSentAt: string | null;
  lastSentTo: string | null;
  excluded: boolean;
}

export interface RecipientView {
  recipientId: number;
  customerId: number;
  customerNumber: string;
  name: string;
  email: string | null;
  invoiceByPost: boolean;
  removed: boolean;
  documents: RecipientDocumentView[];
  totalCents: number;
  issues: RecipientIssue[];
  eligible: boolean;
  deliveries: { id: number; state: DeliveryState; attempts: number; sentAt: string | null; messageId: string | null; errorCode: string | null; error: string | null }[];
}

/**
 * Loads recipients with their documents and computes their issues. `documentInActiveDispatch`
 * looks at other dispatches only: this dispatch's own deliveries do not block it.
 */
export async function loadRecipients(
  db: Executor,
  dispatchId: number,
  options: {
    customerIds?: number[];
    includeRemoved?: boolean;
    onlyRemoved?: boolean;
    deliveryState?: DeliveryState;
    page?: { offset: number; limit: number };
    /** keyset paging: recipients after this one in (customer number, id) order */
    after?: { customerNumber: string; recipientId: number } | undefined;
  } = {},
): Promise<RecipientView[]> {
  let q = db
    .selectFrom('dispatch_recipients as r')
    .innerJoin('customers as c', 'c.id', 'r.customer_id')
    .select(['r.id', 'r.customer_id', 'r.removed', 'c.number', 'c.salutation', 'c.first_name', 'c.last_name', 'c.company_name', 'c.email', 'c.invoice_by_post'])
    .where('r.dispatch_id', '=', dispatchId);
  if (options.customerIds) q = q.where('r.customer_id', 'in', options.customerIds.length > 0 ? options.customerIds : [-1]);
  if (options.includeRemoved === false) q = q.where('r.removed', '=', 0);
  if (options.onlyRemoved === true) q = q.where('r.removed', '=', 1);
  const state = options.deliveryState;
  if (state) q = q.where(({ exists, selectFrom }) => exists(selectFrom('deliveries as x').select('x.id').whereRef('x.recipient_id', '=', 'r.id').where('x.state', '=', state)));
  const after = options.after;
  if (after) q = q.where((eb) => eb.or([eb('c.number', '>', after.customerNumber), eb.and([eb('c.number', '=', after.customerNumber), eb('r.id', '>', after.recipientId)])]));
  q = q.orderBy('c.number').orderBy('r.id');
  if (options.page) q = q.limit(options.page.limit).offset(options.page.offset);
  const recipients = await q.execute();
  const views: RecipientView[] = [];
  for (const part of chunks(recipients)) {
    const recipientIds = part.map((r) => r.id);
    const docs = await db
      .selectFrom('dispatch_documents as dd')
      .innerJoin('documents as d', 'd.id', 'dd.document_id')
      .select(['dd.recipient_id', 'dd.excluded', 'd.id', 'd.type', 'd.number', 'd.status', 'd.issue_date', 'd.due_date', 'd.gross_cents', 'd.last_sent_at', 'd.last_sent_to'])
      .where('dd.recipient_id', 'in', recipientIds)
      .orderBy('d.number')
      .orderBy('d.id')
      .execute();
    const busy = new Map<number, number>();
    for (const docPart of chunks(docs.map((d) => d.id))) {
      const rows = await db
        .selectFrom('delivery_documents')
        .select(['document_id', 'dispatch_id'])
        .where('active', '=', 1)
        .where('dispatch_id', '<>', dispatchId)
        .where('document_id', 'in', docPart)
        .execute();
      for (const row of rows) busy.set(row.document_id, row.dispatch_id);
    }
    const deliveries = await db
      .selectFrom('deliveries')
      .select(['id', 'recipient_id', 'state', 'attempts', 'sent_at', 'message_id', 'error_code', 'error_message', 'smtp_response'])
      .where('recipient_id', 'in', recipientIds)
      .orderBy('id')
      .execute();
    for (const r of part) {
      const mine = docs.filter((d) => d.recipient_id === r.id);
      const documents: RecipientDocumentView[] = mine.map((d) => ({
        id: d.id,
        type: d.type,
        number: d.number,
        status: d.status,
        issueDate: d.issue_date,
        dueDate: d.due_date,
        grossCents: Number(d.gross_cents),
        lastSentAt: d.last_sent_at,
        lastSentTo: d.last_sent_to,
        excluded: d.excluded === 1,
      }));
      const considered: EligibilityDocument[] = mine
        .filter((d) => d.excluded === 0)
        .map((d) => ({ id: d.id, type: d.type, status: d.status, lastSentAt: d.last_sent_at, lastSentTo: d.last_sent_to, activeDispatchId: busy.get(d.id) ?? null }));
      const issues = recipientIssues({ email: r.email, invoiceByPost: r.invoice_by_post === 1 }, considered);
      if (considered.length === 0) issues.push({ code: 'documentNotFinal', severity: 'blocking', documentIds: [], meta: { reason: 'noDocumentsLeft' } });
      views.push({
        recipientId: r.id,
        customerId: r.customer_id,
        customerNumber: r.number,
        name: customerDisplayName({ salutation: r.salutation, firstName: r.first_name, lastName: r.last_name, companyName: r.company_name }),
        email: r.email,
        invoiceByPost: r.invoice_by_post === 1,
        removed: r.removed === 1,
        documents,
        totalCents: documents.filter((d) => !d.excluded).reduce((s, d) => s + d.grossCents, 0),
        issues,
        eligible: !hasBlockingIssue(issues),
        deliveries: deliveries
          .filter((x) => x.recipient_id === r.id)
          .map((x) => ({ id: x.id, state: x.state, attempts: x.attempts, sentAt: x.sent_at, messageId: x.message_id, errorCode: x.error_code, error: x.error_message ?? (x.state === 'failed' ? x.smtp_response : null) })),
      });
    }
  }
  return views;
}

const PAGE = 1000;

/**
 * All recipients of a dispatch, a page at a time (keyset on customer number and id), so that
 * checking 100,000 recipients never holds them all in memory.
 */
export async function* recipientPages(db: Executor, dispatchId: number, options: { includeRemoved?: boolean } = {}): AsyncGenerator<RecipientView[]> {
  let after: { customerNumber: string; recipientId: number } | undefined;
  for (;;) {
    const page = await loadRecipients(db, dispatchId, { ...options, after, page: { offset: 0, limit: PAGE } });
    if (page.length === 0) return;
    yield page;
    const last = page[page.length - 1];
    if (!last || page.length < PAGE) return;
    after = { customerNumber: last.customerNumber, recipientId: last.recipientId };
  }
}

export async function listRecipients(
  db: Executor,
  dispatchId: number,
  query: { page: number; pageSize: number; view: 'all' | 'active' | 'removed' | 'ineligible'; state?: DeliveryState | undefined },
): Promise<{ items: RecipientView[]; total: number }> {
  await loadDispatch(db, dispatchId);
  if (query.view === 'ineligible') {
    // Issues are computed, not stored: evaluate the active recipients a page at a time, count
    // them and keep only the requested page.
    const from = (query.page - 1) * query.pageSize;
    const items: RecipientView[] = [];
    let total = 0;
    for await (const page of recipientPages(db, dispatchId, { includeRemoved: false })) {
      for (const r of page) {
        if (r.eligible && r.issues.length === 0) continue;
        if (total >= from && items.length < query.pageSize) items.push(r);
        total++;
      }
    }
    return { items, total };
  }
  let count = db.selectFrom('dispatch_recipients').select((eb) => eb.fn.countAll<number>().as('n')).where('dispatch_id', '=', dispatchId);
  if (query.view === 'removed') count = count.where('removed', '=', 1);
  if (query.view === 'active') count = count.where('removed', '=', 0);
  // The result view lists recipients by the state of their deliveries (failed, uncertain, …).
  const state = query.state;
  if (state) count = count.where(({ exists, selectFrom }) => exists(selectFrom('deliveries as x').select('x.id').whereRef('x.recipient_id', '=', 'dispatch_recipients.id').where('x.state', '=', state)));
  const total = Number((await count.executeTakeFirstOrThrow()).n);
  const items = await loadRecipients(db, dispatchId, {
    page: { offset: (query.page - 1) * query.pageSize, limit: query.pageSize },
    ...(state ? { deliveryState: state } : {}),
    ...(query.view === 'active' ? { includeRemoved: false } : query.view === 'removed' ? { onlyRemoved: true } : {}),
  });
  return { items, total };
}

// ---- editing the draft ----

export async function updateDispatch(input: { trx: Executor; actor: Actor; ports: DispatchPorts; id: number; templateId?: number | null; mode?: DispatchMode }): Promise<void> {
  const { trx, actor, id } = input;
  const d = await loadDispatch(trx, id);
  assertDraft(d);
  if (input.templateId !== undefined && input.templateId !== null) {
    const template = await input.ports.loadTemplate(trx, input.templateId);
    if (!template) throw new AppError('validation', 'dispatch.templateNotFound', `template ${input.templateId} does not exist or is not a customer notification`, { field: 'templateId' });
  }
  await trx
    .updateTable('dispatches')
    .set({
      ...(input.templateId !== undefined ? { template_id: input.templateId } : {}),
      ...(input.mode !== undefined ? { mode: input.mode } : {}),
      updated_at: nowIso(),
    })
    .where('id', '=', id)
    .execute();
  await audit(trx, actor, 'dispatch.update', 'dispatch', id, { templateId: input.templateId, mode: input.mode });
}

async function setRemoved(trx: Executor, dispatchId: number, customerIds: readonly number[], removed: 0 | 1): Promise<number> {
  let changed = 0;
  for (const part of chunks(customerIds)) {
    const r = await trx.updateTable('dispatch_recipients').set({ removed }).where('dispatch_id', '=', dispatchId).where('customer_id', 'in', part).where('removed', '<>', removed).executeTakeFirst();
    changed += Number(r.numUpdatedRows);
  }
  return changed;
}

export async function removeRecipients(input: { trx: Executor; actor: Actor; id: number; customerIds: number[] }): Promise<{ removed: number }> {
  assertDraft(await loadDispatch(input.trx, input.id));
  const removed = await setRemoved(input.trx, input.id, input.customerIds, 1);
  await audit(input.trx, input.actor, 'dispatch.removeRecipients', 'dispatch', input.id, { customerIds: input.customerIds });
  return { removed };
}

export async function restoreRecipients(input: { trx: Executor; actor: Actor; id: number; customerIds: number[] }): Promise<{ restored: number }> {
  assertDraft(await loadDispatch(input.trx, input.id));
  const restored = await setRemoved(input.trx, input.id, input.customerIds, 0);
  // Documents excluded by "remove ineligible" come back too; their issues show again.
  for (const part of chunks(input.customerIds)) {
    await input.trx
      .updateTable('dispatch_documents')
      .set({ excluded: 0 })
      .where('dispatch_id', '=', input.id)
      .where('recipient_id', 'in', (eb) => eb.selectFrom('dispatch_recipients').select('id').where('dispatch_id', '=', input.id).where('customer_id', 'in', part))
      .execute();
  }
  await audit(input.trx, input.actor, 'dispatch.restoreRecipients', 'dispatch', input.id, { customerIds: input.customerIds });
  return { restored };
}

/**
 * One click for every blocking issue (the reference product makes users do this by hand every
 * time): recipients who cannot be e-mailed are removed; documents that cannot be sent (drafts,
 * cancelled, held by another dispatch) are taken out of their recipient, who keeps the others.
 */
export async function removeIneligible(input: { trx: Executor; actor: Actor; id: number }): Promise<{ removedCustomerIds: number[]; excludedDocumentIds: number[] }> {
  const { trx, actor, id } = input;
  assertDraft(await loadDispatch(trx, id));
  const removedCustomerIds: number[] = [];
  const excludedDocumentIds: number[] = [];
  for await (const page of recipientPages(trx, id, { includeRemoved: false })) {
    for (const r of page) {
      const blocking = r.issues.filter((i) => i.severity === 'blocking');
      if (blocking.some((i) => isCustomerLevelIssue(i.code))) {
        removedCustomerIds.push(r.customerId);
        continue;
      }
      const bad = new Set(blocking.flatMap((i) => i.documentIds ?? []));
      const left = r.documents.filter((d) => !d.excluded && !bad.has(d.id));
      if (left.length === 0) removedCustomerIds.push(r.customerId);
      else excludedDocumentIds.push(...bad);
    }
  }
  await setRemoved(trx, id, removedCustomerIds, 1);
  for (const part of chunks(excludedDocumentIds)) {
    await trx.updateTable('dispatch_documents').set({ excluded: 1 }).where('dispatch_id', '=', id).where('document_id', 'in', part).execute();
  }
  await audit(trx, actor, 'dispatch.removeIneligible', 'dispatch', id, { removedCustomerIds, excludedDocumentIds });
  return { removedCustomerIds, excludedDocumentIds };
}

/** Fixes a recipient's address in the dialog: the customer record changes (audited there too). */
export async function fixRecipientAddress(input: { trx: Executor; actor: Actor; id: number; customerId: number; email: string }): Promise<RecipientView> {
  const { trx, actor, id, customerId } = input;
  assertDraft(await loadDispatch(trx, id));
  const [existing] = await loadRecipients(trx, id, { customerIds: [customerId] });
  if (!existing) throw notFound('recipient', customerId);
  await updateCustomer({ trx, actor, id: customerId, patch: { email: input.email } });
  await audit(trx, actor, 'dispatch.fixAddress', 'dispatch', id, { customerId });
  const [view] = await loadRecipients(trx, id, { customerIds: [customerId] });
  if (!view) throw notFound('recipient', customerId);
  return view;
}

// ---- preview and test ----

export interface PreviewView {
  customerId: number;
  to: { name: string; email: string | null };
  subject: string;
  text: string;
  html: string | null;
  attachments: { documentId: number; filename: string; size: number; sha256: string }[];
}


/** Reads the template a dispatch stored when sending started (see sendDispatch). */
export function parseTemplateSnapshot(json: string | null): TemplateSnapshot | null {
  if (!json) return null;
  const parsed: unknown = JSON.parse(json);
  if (!parsed || typeof parsed !== 'object' || !('subject' in parsed) || !('body' in parsed)) return null;
  const language = 'language' in parsed && parsed.language === 'en' ? 'en' : 'de';
  return typeof parsed.subject === 'string' && typeof parsed.body === 'string' ? { subject: parsed.subject, body: parsed.body, language } : null;
}

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

// ---- send ----

export interface SendOutcome {
  /** true when this request repeated an already accepted send (same idempotency key) */
  replay: boolean;
  deliveries: number;
}

function isActiveDocumentViolation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = 'code' in error ? String(error.code) : '';
  return (code === '23505' || code.startsWith('SQLITE_CONSTRAINT')) && /delivery_documents/.test(error.message);
}

/** Creates the deliveries (and their document links) of checked recipients; returns how many. */
async function insertDeliveries(trx: Executor, id: number, mode: DispatchMode, recipients: readonly RecipientView[], now: string): Promise<number> {
  const plans = planDeliveries(
    mode,
    recipients.map((r) => ({ recipientId: r.recipientId, customerId: r.customerId, documentIds: r.documents.filter((x) => !x.excluded).map((x) => x.id) })),
  );
  const byRecipient = new Map(recipients.map((r) => [r.recipientId, r]));
  // Insert in rounds in which each recipient appears once, so the returned (id, recipient)
  // pairs map back to their plan without relying on the order of RETURNING.
  const rounds: (typeof plans)[] = [];
  const seen = new Map<number, number>();
  for (const p of plans) {
    const round = seen.get(p.recipientId) ?? 0;
    seen.set(p.recipientId, round + 1);
    (rounds[round] ??= []).push(p);
  }
  let created = 0;
  for (const round of rounds) {
    for (const part of chunks(round)) {
      const rows = await trx
        .insertInto('deliveries')
        .values(
          part.map((p) => {
            const r = byRecipient.get(p.recipientId);
            return {
              dispatch_id: id,
              recipient_id: p.recipientId,
              customer_id: p.customerId,
              state: 'queued' as const,
              attempts: 0,
              next_attempt_at: now,
              lease_owner: null,
              lease_until: null,
              to_email: (r?.email ?? '').trim(),
              to_name: r?.name ?? '',
              created_at: now,
              updated_at: now,
            };
          }),
        )
        .returning(['id', 'recipient_id'])
        .execute();
      const planOf = new Map(part.map((p) => [p.recipientId, p]));
      const links = rows.flatMap((row) => (planOf.get(row.recipient_id)?.documentIds ?? []).map((documentId) => ({ delivery_id: row.id, document_id: documentId, dispatch_id: id, active: 1 as const })));
      for (const linkPart of chunks(links)) await trx.insertInto('delivery_documents').values(linkPart).execute();
      created += rows.length;
    }
  }
  return created;
}

/**
 * Senden. Validates the whole dispatch and, in the same transaction, creates one delivery per
 * e-mail (the outbox); workers pick them up only after this commits. Problems answer 422 with
 * every problem and its customers (the Unvollständigkeitshinweis) and queue nothing. A repeat
 * with the same idempotency key answers as the first did; any other second send gets 409.
 */
export async function sendDispatch(input: { db: Db; ports: DispatchPorts; actor: Actor; id: number; idempotencyKey: string | null }): Promise<SendOutcome> {
  const { db, ports, actor, id } = input;
  const mailer = await ports.openMailer(db.kysely);
  mailer?.close();
  // The template is read before the transaction (it may come from another module's storage);
  // its snapshot is stored with the dispatch so later edits of the template change nothing.
  const before = await loadDispatch(db.kysely, id);
  const template = before.template_id === null ? undefined : await ports.loadTemplate(db.kysely, before.template_id);
  try {
    return await db.kysely.transaction().execute(async (trx) => {
      const now = nowIso();
      // Lock the dispatch first: a no-op update takes the row lock on PostgreSQL and the write
      // lock on SQLite, so two concurrent sends of one dispatch run one after the other.
      await trx.updateTable('dispatches').set({ updated_at: now }).where('id', '=', id).execute();
      const d = await loadDispatch(trx, id);
      if (d.status !== 'draft') {
        if (input.idempotencyKey !== null && d.send_key === input.idempotencyKey) {
          const counts = await deliveryCounts(trx, id);
          return { replay: true, deliveries: counts.total };
        }
        throw conflict('dispatch.alreadySent', `dispatch ${id} is already ${d.status}`, { status: d.status });
      }
      // Validated and queued a page of recipients at a time (memory stays flat for 100,000). Pages
      // are inserted while no problem has turned up; any problem found later rolls all of it back.
      const busyCustomerIds: number[] = [];
      const busyDocumentIds: number[] = [];
      const byCode = new Map<RecipientIssueCode, number[]>();
      const cannotSend = d.template_id === null || !template || !mailer;
      let recipientCount = 0;
      let created = 0;
      for await (const page of recipientPages(trx, id, { includeRemoved: false })) {
        recipientCount += page.length;
        for (const r of page) {
          for (const issue of r.issues) {
            if (issue.code === 'documentInActiveDispatch') {
              busyCustomerIds.push(r.customerId);
              busyDocumentIds.push(...(issue.documentIds ?? []));
            }
            if (issue.severity !== 'blocking') continue;
            const list = byCode.get(issue.code) ?? [];
            list.push(r.customerId);
            byCode.set(issue.code, list);
          }
        }
        if (!cannotSend && busyCustomerIds.length === 0 && byCode.size === 0) created += await insertDeliveries(trx, id, d.mode, page, now);
      }
      if (busyCustomerIds.length > 0) {
        throw conflict('dispatch.documentInActiveDispatch', 'another dispatch is sending some of these documents', { customerIds: [...new Set(busyCustomerIds)], documentIds: busyDocumentIds });
      }
      const problems: ErrorDetail[] = [];
      if (d.template_id === null || !template) problems.push({ code: 'dispatch.templateMissing', message: 'no template (Dokumentvorlage) chosen', field: 'templateId' });
      if (!mailer) problems.push({ code: 'smtp.notConfigured', message: 'no SMTP server (Postausgangsserver) configured' });
      if (recipientCount === 0) problems.push({ code: 'dispatch.noRecipients', message: 'no recipients left' });
      for (const [code, customerIds] of byCode) {
        problems.push({ code: `recipient.${code}`, message: `${customerIds.length} recipient(s): ${code}`, meta: { customerIds } });
      }
      if (problems.length > 0) {
        throw new AppError('incomplete', 'dispatch.incomplete', 'the dispatch is incomplete: fix or remove the listed recipients', { details: problems });
      }
      await trx
        .updateTable('dispatches')
        .set({
          status: 'sending',
          send_key: input.idempotencyKey,
          send_requested_at: now,
          template_snapshot: template ? JSON.stringify({ id: template.id, name: template.name, language: template.language, subject: template.subject, body: template.body }) : null,
          consecutive_failures: 0,
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
      await audit(trx, actor, 'dispatch.send', 'dispatch', id, { deliveries: created, recipients: recipientCount, mode: d.mode });
      return { replay: false, deliveries: created };
    });
  } catch (error) {
    if (isActiveDocumentViolation(error)) throw conflict('dispatch.documentInActiveDispatch', 'another dispatch started sending some of these documents', {});
    throw error;
  }
}

// ---- cancel, retry, resolve ----

async function deactivate(trx: Executor, deliveryIds: readonly number[]): Promise<void> {
  for (const part of chunks(deliveryIds)) await trx.updateTable('delivery_documents').set({ active: 0 }).where('delivery_id', 'in', part).execute();
}

/** Stops what has not started; deliveries in the middle of an SMTP transaction finish. */
export async function cancelDispatch(input: { trx: Executor; actor: Actor; id: number }): Promise<{ cancelled: number }> {
  const { trx, actor, id } = input;
  const now = nowIso();
  await trx.updateTable('dispatches').set({ updated_at: now }).where('id', '=', id).execute();
  const d = await loadDispatch(trx, id);
  if (d.status === 'completed' || d.status === 'cancelled') throw conflict('dispatch.finished', `dispatch ${id} is already ${d.status}`, { status: d.status });
  const rows = await trx
    .updateTable('deliveries')
    .set({ state: 'cancelled', lease_owner: null, lease_until: null, updated_at: now })
    .where('dispatch_id', '=', id)
    .where('state', 'in', ['queued', 'retrying'])
    .returning('id')
    .execute();
  await deactivate(
    trx,
    rows.map((r) => r.id),
  );
  await trx.updateTable('dispatches').set({ status: 'cancelled', cancelled_at: now, updated_at: now }).where('id', '=', id).execute();
  await audit(trx, actor, 'dispatch.cancel', 'dispatch', id, { cancelled: rows.length });
  return { cancelled: rows.length };
}

/**
 * Re-queues failed deliveries (and uncertain ones only when a person explicitly says so: they
 * may have arrived) and resumes a paused dispatch. Fails with 409 when another dispatch holds
 * one of the documents meanwhile.
 */
export async function retryDispatch(input: { trx: Executor; actor: Actor; id: number; includeUncertain: boolean }): Promise<{ requeued: number }> {
  const { trx, actor, id } = input;
  const now = nowIso();
  await trx.updateTable('dispatches').set({ updated_at: now }).where('id', '=', id).execute();
  const d = await loadDispatch(trx, id);
  if (d.status === 'draft' || d.status === 'cancelled') throw conflict('dispatch.notRetryable', `dispatch ${id} is ${d.status}`, { status: d.status });
  const states: DeliveryState[] = input.includeUncertain ? ['failed', 'uncertain'] : ['failed'];
  const rows = await trx
    .updateTable('deliveries')
    .set({ state: 'queued', attempts: 0, next_attempt_at: now, lease_owner: null, lease_until: null, error_code: null, error_message: null, updated_at: now })
    .where('dispatch_id', '=', id)
    .where('state', 'in', states)
    .returning('id')
    .execute();
  try {
    for (const part of chunks(rows.map((r) => r.id))) await trx.updateTable('delivery_documents').set({ active: 1 }).where('delivery_id', 'in', part).execute();
  } catch (error) {
    if (isActiveDocumentViolation(error)) throw conflict('dispatch.documentInActiveDispatch', 'another dispatch is sending some of these documents meanwhile', {});
    throw error;
  }
  await trx
    .updateTable('dispatches')
    .set({ status: 'sending', paused_reason: null, paused_message: null, consecutive_failures: 0, completed_at: null, updated_at: now })
    .where('id', '=', id)
    .execute();
  await audit(trx, actor, 'dispatch.retry', 'dispatch', id, { requeued: rows.length, includeUncertain: input.includeUncertain });
  return { requeued: rows.length };
}

/** A person's decision about an uncertain delivery (checked with the recipient or the server log). */
export async function resolveDelivery(input: { trx: Executor; actor: Actor; id: number; deliveryId: number; outcome: 'sent' | 'failed' }): Promise<void> {
  const { trx, actor, id, deliveryId, outcome } = input;
  const now = nowIso();
  const delivery = await trx.selectFrom('deliveries').select(['id', 'state', 'to_email']).where('id', '=', deliveryId).where('dispatch_id', '=', id).executeTakeFirst();
  if (!delivery) throw notFound('delivery', deliveryId);
  if (delivery.state !== 'uncertain') throw conflict('delivery.notUncertain', `delivery ${deliveryId} is ${delivery.state}`, { state: delivery.state });
  await trx
    .updateTable('deliveries')
    .set({ state: outcome, updated_at: now, ...(outcome === 'sent' ? { sent_at: now } : {}), error_code: outcome === 'sent' ? null : 'delivery.resolvedFailed' })
    .where('id', '=', deliveryId)
    .where('state', '=', 'uncertain')
    .execute();
  if (outcome === 'sent') {
    const docs = await trx.selectFrom('delivery_documents').select('document_id').where('delivery_id', '=', deliveryId).execute();
    if (docs.length > 0) await trx.updateTable('documents').set({ last_sent_at: now, last_sent_to: delivery.to_email }).where('id', 'in', docs.map((x) => x.document_id)).execute();
  }
  await audit(trx, actor, 'delivery.resolve', 'dispatch', id, { deliveryId, outcome });
}

// ---- report and print batch ----

function csvCell(value: string | number | null): string {
  const s = value === null ? '' : String(value);
  // A leading = + - @ would make a spreadsheet evaluate the cell (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[";\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The result report, one row per delivery (or per recipient without one), streamed in pages. */
export async function* reportCsv(db: Executor, id: number): AsyncGenerator<string> {
  await loadDispatch(db, id);
  // BOM + semicolons: what German Excel opens correctly by double-click.
  yield '\uFEFF' + ['Kundennummer', 'Kunde', 'E-Mail', 'Dokumente', 'Status', 'Versuche', 'Zeit', 'Message-ID', 'SMTP-Antwort / Fehler'].join(';') + '\r\n';
  let lastNumber = '';
  let lastId = 0;
  for (;;) {
    const page = await db
      .selectFrom('dispatch_recipients as r')
      .innerJoin('customers as c', 'c.id', 'r.customer_id')
      .select(['r.id', 'r.removed', 'c.number', 'c.salutation', 'c.first_name', 'c.last_name', 'c.company_name', 'c.email'])
      .where('r.dispatch_id', '=', id)
      .where((eb) => eb.or([eb('c.number', '>', lastNumber), eb.and([eb('c.number', '=', lastNumber), eb('r.id', '>', lastId)])]))
      .orderBy('c.number')
      .orderBy('r.id')
      .limit(CHUNK)
      .execute();
    if (page.length === 0) return;
    const ids = page.map((r) => r.id);
    const deliveries = await db
      .selectFrom('deliveries')
      .select(['id', 'recipient_id', 'state', 'attempts', 'to_email', 'sent_at', 'last_attempt_at', 'updated_at', 'message_id', 'smtp_response', 'error_message'])
      .where('recipient_id', 'in', ids)
      .orderBy('id')
      .execute();
    const docs = await db
      .selectFrom('dispatch_documents as dd')
      .innerJoin('documents as d', 'd.id', 'dd.document_id')
      .leftJoin('delivery_documents as ld', (j) => j.onRef('ld.document_id', '=', 'dd.document_id').onRef('ld.dispatch_id', '=', 'dd.dispatch_id'))
      .select(['dd.recipient_id', 'dd.excluded', 'd.number', 'd.id', 'ld.delivery_id'])
      .where('dd.recipient_id', 'in', ids)
      .orderBy('d.number')
      .execute();
    let out = '';
    for (const r of page) {
      const name = customerDisplayName({ salutation: r.salutation, firstName: r.first_name, lastName: r.last_name, companyName: r.company_name });
      const mine = deliveries.filter((x) => x.recipient_id === r.id);
      if (mine.length === 0) {
        const numbers = docs.filter((x) => x.recipient_id === r.id && x.excluded === 0).map((x) => x.number ?? `#${x.id}`);
        out += [r.number, name, r.email, numbers.join(' '), r.removed ? 'removed' : 'notSent', 0, null, null, null].map(csvCell).join(';') + '\r\n';
      }
      for (const x of mine) {
        const numbers = docs.filter((doc) => doc.delivery_id === x.id).map((doc) => doc.number ?? `#${doc.id}`);
        out += [r.number, name, x.to_email, numbers.join(' '), x.state, x.attempts, x.sent_at ?? x.last_attempt_at ?? x.updated_at, x.message_id, x.error_message ?? x.smtp_response].map(csvCell).join(';') + '\r\n';
      }
    }
    yield out;
    const last = page[page.length - 1];
    if (!last) return;
    lastNumber = last.number;
    lastId = last.id;
  }
}

/** Documents of recipients who want paper, as one PDF to print, so no customer falls through. */
export async function printBatch(input: { db: Db; ports: DispatchPorts; id: number }): Promise<{ pdf: Buffer; documents: number }> {
  const { db, ports, id } = input;
  await loadDispatch(db.kysely, id);
  const docs = await db.kysely
    .selectFrom('dispatch_documents as dd')
    .innerJoin('dispatch_recipients as r', 'r.id', 'dd.recipient_id')
    .innerJoin('customers as c', 'c.id', 'r.customer_id')
    .innerJoin('documents as d', 'd.id', 'dd.document_id')
    .select(['d.id'])
    .where('dd.dispatch_id', '=', id)
    .where('c.invoice_by_post', '=', 1)
    .where('d.status', '<>', 'draft')
    .orderBy('c.number')
    .orderBy('d.number')
    .execute();
  if (docs.length === 0) throw new AppError('notFound', 'dispatch.noPrintBatch', 'no recipient of this dispatch wants paper invoices');
  const pdfs: Buffer[] = [];
  for (const d of docs) {
    const archived = await ports.loadPdf(db.kysely, d.id);
    if (!archived) throw new AppError('conflict', 'document.pdfMissing', `document ${d.id} has no archived PDF`, { meta: { documentId: d.id } });
    pdfs.push(archived.pdf);
  }
  return { pdf: await ports.mergePdfs(pdfs), documents: docs.length };
}

