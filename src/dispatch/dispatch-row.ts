import type { Executor } from '../commands/context.ts';
import type { DispatchMode, DispatchStatus } from '../domain/dispatch.ts';
import { conflict, notFound } from '../domain/errors.ts';

/** A dispatch as stored, for the use cases; never sent to a client as it is (see DispatchView). */
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

export async function loadDispatch(db: Executor, id: number): Promise<DispatchRow> {
  const row = await db
    .selectFrom('dispatches')
    .select(['id', 'status', 'mode', 'template_id', 'template_snapshot', 'send_key', 'send_requested_at', 'paused_reason', 'paused_message', 'completed_at', 'cancelled_at', 'created_at', 'updated_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('dispatch', id);
  return row;
}

/**
 * Serialises writes to one dispatch: a no-op update takes the row lock on PostgreSQL and the
 * write lock on SQLite. A send holds it while it checks and queues, so a draft edit that takes it
 * too either lands before the check or finds the dispatch no longer a draft.
 */
export async function lockDispatch(trx: Executor, id: number, now: string): Promise<void> {
  await trx.updateTable('dispatches').set({ updated_at: now }).where('id', '=', id).execute();
}

export function assertDraft(d: DispatchRow): void {
  if (d.status !== 'draft') throw conflict('dispatch.notDraft', `dispatch ${d.id} is ${d.status}; only a draft can be changed`, { status: d.status });
}
