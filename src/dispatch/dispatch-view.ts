import type { Executor } from '../commands/context.ts';
import { DELIVERY_STATES } from '../domain/dispatch.ts';
import type { DeliveryCounts, DispatchView } from '../http/api-types.ts';
import { loadDispatch, type DispatchRow } from './dispatch-row.ts';
import { checkForSend } from './send-check.ts';

/** A dispatch as the API shows it (DispatchView): its settings, how many recipients, its deliveries by state. */

export type { DeliveryCounts, DispatchView };

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

/**
 * Active recipients with at least one blocking issue, counted set-based by the check behind
 * Senden (the same rules the dialog shows per recipient): exact for 100,000 recipients, where
 * the dialog's page of flagged recipients stops at its page size.
 */
export async function countBlockedRecipients(db: Executor, id: number): Promise<number> {
  const check = await checkForSend(db, id);
  const blocked = new Set(check.busy.customerIds);
  for (const customerIds of check.blocking.values()) for (const customerId of customerIds) blocked.add(customerId);
  return blocked.size;
}

export const DEFAULT_DRAFT_STALE_DAYS = 30;

/** Active recipients by the customer's language. */
export async function recipientLanguages(db: Executor, id: number): Promise<{ de: number; en: number }> {
  const rows = await db
    .selectFrom('dispatch_recipients as r')
    .innerJoin('customers as c', 'c.id', 'r.customer_id')
    .select(['c.language', (eb) => eb.fn.countAll<number>().as('n')])
    .where('r.dispatch_id', '=', id)
    .where('r.removed', '=', 0)
    .groupBy('c.language')
    .execute();
  const out = { de: 0, en: 0 };
  for (const r of rows) out[r.language] = Number(r.n);
  return out;
}

/** A draft nobody sent or discarded for `staleDays` days. */
export function isStaleDraft(d: Pick<DispatchRow, 'status' | 'created_at'>, staleDays: number, now = Date.now()): boolean {
  return d.status === 'draft' && now - Date.parse(d.created_at) > staleDays * 86_400_000;
}

/** `countBlocked: false` where nobody shows the count (history list, progress events, existence checks). */
export async function getDispatch(db: Executor, id: number, options: { countBlocked?: boolean; staleDays?: number } = {}): Promise<DispatchView> {
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
    blockedRecipients: d.status === 'draft' && options.countBlocked !== false ? await countBlockedRecipients(db, id) : null,
    stale: isStaleDraft(d, options.staleDays ?? DEFAULT_DRAFT_STALE_DAYS),
    languages: d.status === 'draft' ? await recipientLanguages(db, id) : null,
    deliveries: await deliveryCounts(db, id),
  };
}

/**
 * The history: drafts (not sent yet, stale ones flagged) apart from sent jobs, newest first.
 * `kind: 'all'` lists both in one list as before.
 */
export async function listDispatches(
  db: Executor,
  query: { page: number; pageSize: number; kind?: 'all' | 'drafts' | 'sent'; staleDays?: number },
): Promise<{ items: DispatchView[]; total: number; staleDrafts: number }> {
  const staleDays = query.staleDays ?? DEFAULT_DRAFT_STALE_DAYS;
  const kind = query.kind ?? 'all';
  const filtered = () => {
    const q = db.selectFrom('dispatches');
    return kind === 'drafts' ? q.where('status', '=', 'draft') : kind === 'sent' ? q.where('status', '<>', 'draft') : q;
  };
  const rows = await filtered()
    .select('id')
    .orderBy('id', 'desc')
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize)
    .execute();
  const total = await filtered().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const cutoff = new Date(Date.now() - staleDays * 86_400_000).toISOString();
  const stale = await db.selectFrom('dispatches').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'draft').where('created_at', '<', cutoff).executeTakeFirstOrThrow();
  const items: DispatchView[] = [];
  for (const r of rows) items.push(await getDispatch(db, r.id, { countBlocked: false, staleDays }));
  return { items, total: Number(total.n), staleDrafts: Number(stale.n) };
}
