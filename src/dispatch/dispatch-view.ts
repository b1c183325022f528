import type { Executor } from '../commands/context.ts';
import { DELIVERY_STATES } from '../domain/dispatch.ts';
import type { DeliveryCounts, DispatchView } from '../http/api-types.ts';
import { loadDispatch } from './dispatch-row.ts';
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

/** `countBlocked: false` where nobody shows the count (history list, progress events, existence checks). */
export async function getDispatch(db: Executor, id: number, options: { countBlocked?: boolean } = {}): Promise<DispatchView> {
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
  for (const r of rows) items.push(await getDispatch(db, r.id, { countBlocked: false }));
  return { items, total: Number(total.n) };
}
