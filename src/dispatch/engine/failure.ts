import type { Db } from '../../db/connection.ts';
import { shouldPause, type ClassifiedFailure } from '../../domain/dispatch.ts';
import type { Claimed, WorkerLog } from './types.ts';

/**
 * Records a failed attempt of a claimed delivery: back to the queue, retry later, or failed for
 * good; counts the dispatch's run of consecutive failures and pauses it when they say that every
 * further attempt would fail the same way.
 */
export async function recordFailure(
  db: Db,
  input: {
    owner: string;
    c: Claimed;
    attempt: number;
    failure: ClassifiedFailure;
    maxAttempts: number;
    /** the delivery was marked `sending` (its attempt is already counted) */
    wasSending: boolean;
    now: string;
    /** when to try again, if it is retried */
    retryAt: (attempt: number) => string;
    pauseAfter: number;
    log: WorkerLog;
  },
): Promise<void> {
  const { owner, c, attempt, failure, maxAttempts, wasSending, now, pauseAfter, log } = input;
  const k = db.kysely;
  const reply = failure.reply.slice(0, 1000);
  // A rejected login or a refused connection says nothing about this recipient: the delivery
  // goes back to the queue without using up an attempt, and the dispatch pauses (see below).
  const notRecipientsFault = failure.class === 'auth';
  const retry = failure.class !== 'permanent' && (notRecipientsFault || attempt < maxAttempts);
  const next = retry ? input.retryAt(attempt) : now;
  await k.transaction().execute(async (trx) => {
    // A recipient the server had already rejected for good before a person re-queued it (retry
    // after a pause) says nothing new when it is rejected again: it must not pause the dispatch
    // once more before the recipients that never had their turn are reached. The earlier
    // rejection's reply is still stored (`smtp_response`, kept by the retry; set only for
    // permanent failures before a `sent`).
    const before = failure.class === 'permanent' ? await trx.selectFrom('deliveries').select('smtp_response').where('id', '=', c.id).executeTakeFirst() : undefined;
    const knownBad = before?.smtp_response !== null && before?.smtp_response !== undefined;
    const updated = await trx
      .updateTable('deliveries')
      .set((eb) => ({
        state: notRecipientsFault ? 'queued' : retry ? 'retrying' : 'failed',
        // The mark counted the attempt; a rejected login or refused connection gives it back. Not
        // marked (it failed before a connection was ready to carry it): counted here, unless it
        // was not the recipient's fault.
        attempts: wasSending ? (notRecipientsFault ? eb('attempts', '-', 1) : eb.ref('attempts')) : notRecipientsFault ? eb.ref('attempts') : attempt,
        next_attempt_at: next,
        lease_owner: null,
        lease_until: null,
        error_code: failure.code,
        error_message: reply,
        smtp_response: failure.class === 'permanent' ? reply : null,
        updated_at: now,
      }))
      .where('id', '=', c.id)
      .where('lease_owner', '=', owner)
      .where('state', 'in', wasSending ? ['sending'] : ['queued', 'retrying'])
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return;
    if (!retry) await trx.updateTable('delivery_documents').set({ active: 0 }).where('delivery_id', '=', c.id).execute();
    if (knownBad) return;
    const counter = await trx
      .updateTable('dispatches')
      .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1) }))
      .where('id', '=', c.dispatch_id)
      .returning('consecutive_failures')
      .executeTakeFirst();
    if (counter && shouldPause(counter.consecutive_failures, pauseAfter, failure.class)) {
      const paused = await trx
        .updateTable('dispatches')
        .set({ status: 'paused', paused_reason: failure.code, paused_message: reply, updated_at: now })
        .where('id', '=', c.dispatch_id)
        .where('status', '=', 'sending')
        .executeTakeFirst();
      if (Number(paused.numUpdatedRows) === 1) log('warn', 'dispatch paused', { dispatchId: c.dispatch_id, reason: failure.code });
    }
  });
}
