import { createHash } from 'node:crypto';
import { audit, SYSTEM_ACTOR, type Executor } from '../../commands/context.ts';
import type { RecognisedBounce } from './recognise.ts';
import { deliveryIdFromMessageId, deliveryIdFromVerp } from './verp.ts';

/**
 * What a recognised report does to the database, in the caller's transaction:
 * - find the delivery it is about: by the VERP return path it was delivered to, else by the
 *   original Message-ID (Faktura's own `<faktura.D.N@…>`, checked against the stored one);
 * - record it (mail_bounces; a report processed twice changes nothing);
 * - a permanent failure: the delivery becomes `bounced` with the status, the text and the time, and
 *   the customer's address is flagged "unzustellbar seit …" — only while the customer still has
 *   the address that bounced;
 * - a delay notice changes nothing but is recorded, so the result page can show it.
 * A report about an address the delivery was not sent to (e.g. the BCC archive copy) is not
 * applied: it is left for a person.
 */
export interface ApplyOutcome {
  /** recipients applied to a delivery (new or already recorded) */
  matched: number;
  /** deliveries newly marked bounced */
  bounced: number;
  delayed: number;
  unmatched: number;
}

export function reportKey(report: RecognisedBounce, raw: Buffer): string {
  return report.messageId ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

export async function applyBounce(input: { trx: Executor; report: RecognisedBounce; key: string; verpBase: string | null; now: Date }): Promise<ApplyOutcome> {
  const { trx, report } = input;
  const outcome: ApplyOutcome = { matched: 0, bounced: 0, delayed: 0, unmatched: 0 };
  const found = await findDelivery(trx, report, input.verpBase);
  const nowIso = input.now.toISOString();
  const reportedAt = report.date && !Number.isNaN(report.date.getTime()) && report.date.getTime() <= input.now.getTime() ? report.date.toISOString() : nowIso;
  for (const recipient of report.recipients) {
    const delivery = found?.delivery;
    const address = recipient.address ?? delivery?.to_email.toLowerCase() ?? null;
    if (!found || !delivery || address === null || address !== delivery.to_email.trim().toLowerCase()) {
      outcome.unmatched++;
      continue;
    }
    outcome.matched++;
    const inserted = await trx
      .insertInto('mail_bounces')
      .values({
        kind: recipient.kind,
        report_key: input.key,
        address,
        delivery_id: delivery.id,
        dispatch_id: delivery.dispatch_id,
        customer_id: delivery.customer_id,
        matched_by: found.by,
        status: recipient.status,
        diagnostic: recipient.diagnostic,
        reported_at: reportedAt,
        processed_at: nowIso,
        digest_sent_at: null,
      })
      .onConflict((oc) => oc.columns(['report_key', 'address']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) continue; // processed before (the poller stopped before moving it)
    if (recipient.kind === 'delayed') {
      outcome.delayed++;
      continue;
    }
    const reason = [recipient.status && !(recipient.diagnostic ?? '').includes(recipient.status) ? recipient.status : null, recipient.diagnostic].filter(Boolean).join(' ') || null;
    // sent → bounced; uncertain → bounced too: a bounce proves the server had accepted it
    const updated = await trx
      .updateTable('deliveries')
      .set({ state: 'bounced', bounced_at: reportedAt, bounce_status: recipient.status, bounce_diagnostic: recipient.diagnostic, updated_at: nowIso })
      .where('id', '=', delivery.id)
      .where('state', 'in', ['sent', 'uncertain'])
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) {
      outcome.bounced++;
      await audit(trx, SYSTEM_ACTOR, 'delivery.bounced', 'delivery', delivery.id, { dispatchId: delivery.dispatch_id, status: recipient.status, matchedBy: found.by });
    }
    // The flag belongs to the address: a customer whose address was changed meanwhile keeps none.
    const customer = await trx.selectFrom('customers').select(['id', 'email', 'email_bounced_at']).where('id', '=', delivery.customer_id).executeTakeFirst();
    if (customer && (customer.email ?? '').trim().toLowerCase() === address && customer.email_bounced_at === null) {
      await trx
        .updateTable('customers')
        .set({ email_bounced_at: reportedAt, email_bounce_address: address, email_bounce_reason: reason, updated_at: nowIso })
        .where('id', '=', customer.id)
        .execute();
      await audit(trx, SYSTEM_ACTOR, 'customer.emailBounced', 'customer', customer.id, { deliveryId: delivery.id, status: recipient.status });
    }
  }
  return outcome;
}

interface FoundDelivery {
  by: 'verp' | 'messageId';
  delivery: { id: number; dispatch_id: number; customer_id: number; to_email: string; message_id: string | null };
}

async function findDelivery(trx: Executor, report: RecognisedBounce, verpBase: string | null): Promise<FoundDelivery | undefined> {
  const load = (id: number) => trx.selectFrom('deliveries').select(['id', 'dispatch_id', 'customer_id', 'to_email', 'message_id']).where('id', '=', id).executeTakeFirst();
  if (verpBase) {
    for (const address of report.deliveredTo) {
      const id = deliveryIdFromVerp(verpBase, address);
      const delivery = id === null ? undefined : await load(id);
      if (delivery) return { by: 'verp', delivery };
    }
  }
  if (report.originalMessageId) {
    const id = deliveryIdFromMessageId(report.originalMessageId);
    const delivery = id === null ? undefined : await load(id);
    // the id alone could be guessed or belong to another installation's numbering: the stored Message-ID must match
    if (delivery && delivery.message_id === report.originalMessageId) return { by: 'messageId', delivery };
  }
  return undefined;
}
