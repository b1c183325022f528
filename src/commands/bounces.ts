import type { CustomerRow } from '../db/schema.ts';
import { audit, type Actor, type Executor } from './context.ts';
import { getCustomer } from './customers.ts';

/** Use cases around bounces that a person starts (the poller applies reports by itself: mail/bounces/apply.ts). */

/** "Markierung aufheben": a person says the address is fine after all (e.g. the mailbox was full and is emptied). */
export async function clearEmailBounce(input: { trx: Executor; actor: Actor; id: number }): Promise<CustomerRow> {
  const current = await getCustomer(input.trx, input.id);
  if (current.email_bounced_at === null) return current;
  await input.trx
    .updateTable('customers')
    .set({ email_bounced_at: null, email_bounce_address: null, email_bounce_reason: null, updated_at: new Date().toISOString() })
    .where('id', '=', input.id)
    .execute();
  await audit(input.trx, input.actor, 'customer.emailBounceCleared', 'customer', input.id, { address: current.email_bounce_address, since: current.email_bounced_at });
  return getCustomer(input.trx, input.id);
}
