import type { Executor } from '../commands/context.ts';
import { customerDisplayName } from '../domain/customer.ts';
import { hasBlockingIssue, recipientIssues, type DeliveryState, type EligibilityDocument } from '../domain/dispatch.ts';
import type { RecipientDocumentView, RecipientView } from '../http/api-types.ts';
import { chunks } from './chunks.ts';
import { loadDispatch, type DispatchRow } from './dispatch-row.ts';

/** The recipients of a dispatch with their documents and issues, as the dialog lists them (RecipientView). */

export type { RecipientDocumentView, RecipientView };

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
  const dispatch = await loadDispatch(db, dispatchId);
  let q = db
    .selectFrom('dispatch_recipients as r')
    .innerJoin('customers as c', 'c.id', 'r.customer_id')
    .select(['r.id', 'r.customer_id', 'r.removed', 'r.resend', 'c.number', 'c.salutation', 'c.first_name', 'c.last_name', 'c.company_name', 'c.email', 'c.invoice_by_post'])
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
    const previous = await previousSends(db, dispatch, docs.filter((d) => d.last_sent_at !== null).map((d) => d.id));
    const deliveries = await db
      .selectFrom('deliveries')
      .select(['id', 'recipient_id', 'state', 'attempts', 'sent_at', 'message_id', 'last_attempt_at', 'smtp_server', 'error_code', 'error_message', 'smtp_response', 'bounce_diagnostic'])
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
        .map((d) => {
          const before = previous.get(d.id);
          // A draft has sent nothing yet: any earlier send counts. Once sent, only another dispatch's
          // send before this one's does (its own sends are not "already sent").
          const sent = dispatch.status === 'draft' ? (before ?? (d.last_sent_at === null ? undefined : { at: d.last_sent_at, to: d.last_sent_to, dispatchId: null })) : before;
          return { id: d.id, type: d.type, status: d.status, lastSentAt: sent?.at ?? null, lastSentTo: sent?.to ?? null, lastSentDispatchId: sent?.dispatchId ?? null, activeDispatchId: busy.get(d.id) ?? null };
        });
      const issues = recipientIssues({ email: r.email, invoiceByPost: r.invoice_by_post === 1, resend: r.resend === 1 }, considered);
      if (considered.length === 0) issues.push({ code: 'documentNotFinal', severity: 'blocking', documentIds: [], meta: { reason: 'noDocumentsLeft' } });
      views.push({
        recipientId: r.id,
        customerId: r.customer_id,
        customerNumber: r.number,
        name: customerDisplayName({ salutation: r.salutation, firstName: r.first_name, lastName: r.last_name, companyName: r.company_name }),
        email: r.email,
        invoiceByPost: r.invoice_by_post === 1,
        removed: r.removed === 1,
        resend: r.resend === 1,
        documents,
        totalCents: documents.filter((d) => !d.excluded).reduce((s, d) => s + d.grossCents, 0),
        issues,
        eligible: !hasBlockingIssue(issues),
        deliveries: deliveries
          .filter((x) => x.recipient_id === r.id)
          .map((x) => ({ id: x.id, state: x.state, attempts: x.attempts, sentAt: x.sent_at, messageId: x.message_id, lastAttemptAt: x.last_attempt_at, server: x.smtp_server, errorCode: x.error_code, error: x.state === 'bounced' ? x.bounce_diagnostic : (x.error_message ?? (x.state === 'failed' ? x.smtp_response : null)) })),
      });
    }
  }
  return views;
}

/**
 * The latest send of each document by another dispatch (sent, or sent and bounced later): when,
 * to which address, by which Versandauftrag. For a dispatch already sent, only sends before its
 * own Senden count.
 */
async function previousSends(db: Executor, dispatch: DispatchRow, documentIds: readonly number[]): Promise<Map<number, { at: string; to: string; dispatchId: number | null }>> {
  const out = new Map<number, { at: string; to: string; dispatchId: number | null }>();
  for (const part of chunks([...new Set(documentIds)])) {
    let q = db
      .selectFrom('delivery_documents as ld')
      .innerJoin('deliveries as x', 'x.id', 'ld.delivery_id')
      .select(['ld.document_id', 'x.dispatch_id', 'x.sent_at', 'x.to_email'])
      .where('ld.document_id', 'in', part)
      .where('x.dispatch_id', '<>', dispatch.id)
      .where('x.state', 'in', ['sent', 'bounced'])
      .where('x.sent_at', 'is not', null);
    if (dispatch.send_requested_at !== null) q = q.where('x.sent_at', '<', dispatch.send_requested_at);
    for (const row of await q.orderBy('x.sent_at').execute()) {
      if (row.sent_at !== null) out.set(row.document_id, { at: row.sent_at, to: row.to_email, dispatchId: row.dispatch_id });
    }
  }
  return out;
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

/**
 * The customer ids of every recipient in a view of the dialog, in its order: what the header
 * check box marks ("all recipients of the list", on every page, as in Auswertungen).
 */
export async function listRecipientIds(db: Executor, dispatchId: number, view: 'active' | 'removed' | 'ineligible'): Promise<number[]> {
  await loadDispatch(db, dispatchId);
  if (view === 'ineligible') {
    const ids: number[] = [];
    for await (const page of recipientPages(db, dispatchId, { includeRemoved: false })) for (const r of page) if (!r.eligible || r.issues.length > 0) ids.push(r.customerId);
    return ids;
  }
  const rows = await db
    .selectFrom('dispatch_recipients as r')
    .innerJoin('customers as c', 'c.id', 'r.customer_id')
    .select('r.customer_id')
    .where('r.dispatch_id', '=', dispatchId)
    .where('r.removed', '=', view === 'removed' ? 1 : 0)
    .orderBy('c.number')
    .orderBy('r.id')
    .execute();
  return rows.map((r) => r.customer_id);
}
