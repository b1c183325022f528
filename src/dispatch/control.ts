import { audit, type Actor, type Executor } from '../commands/context.ts';
import { nowIso } from '../db/connection.ts';
import type { DeliveryState } from '../domain/dispatch.ts';
import { conflict, notFound } from '../domain/errors.ts';
import { chunks } from './chunks.ts';
import { isActiveDocumentViolation } from './constraints.ts';
import { loadDispatch } from './dispatch-row.ts';

/** A dispatch after Senden: cancel it, retry what failed, decide about uncertain deliveries. */

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
  // A cancelled draft holds its documents no longer.
  await trx.deleteFrom('dispatch_draft_documents').where('dispatch_id', '=', id).execute();
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
