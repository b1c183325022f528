import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';

/** Who is acting: a logged-in user or an API token. Every write use case receives one. */
export interface Actor {
  userId: number | null;
  tokenId: number | null;
  role: 'admin' | 'staff';
}

export const SYSTEM_ACTOR: Actor = { userId: null, tokenId: null, role: 'admin' };

export type Executor = Kysely<Database> | Transaction<Database>;

/** One audit entry per write, in the same transaction as the write itself. */
export async function audit(
  trx: Executor,
  actor: Actor,
  action: string,
  entity: string,
  entityId: number | string | null,
  details?: Record<string, unknown>,
): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      at: new Date().toISOString(),
      actor_user_id: actor.userId,
      actor_token_id: actor.tokenId,
      action,
      entity,
      entity_id: entityId === null ? null : String(entityId),
      details: details ? JSON.stringify(details) : null,
    })
    .execute();
}
