import type { Executor } from '../commands/context.ts';
import { recipientIssues, type RecipientIssueCode } from '../domain/dispatch.ts';

/**
 * The check behind Senden, over the whole dispatch at once: the same rules the dialog shows per
 * recipient (`recipientIssues` over each active recipient's documents that are not excluded, see
 * recipients.ts), answered by four statements instead of several per page of recipients.
 */
export interface SendCheck {
  /** active (not removed) recipients */
  recipients: number;
  /** documents another dispatch holds in an active delivery, and their customers, in recipient order */
  busy: { customerIds: number[]; documentIds: number[] };
  /** customers by blocking issue, in the order the dialog lists recipients (customer number, id) */
  blocking: Map<RecipientIssueCode, number[]>;
  /** recipients whose address has whitespace around it: their deliveries get it trimmed */
  addresses: { recipientId: number; email: string }[];
}

export async function checkForSend(trx: Executor, dispatchId: number): Promise<SendCheck> {
  // Documents held by another dispatch's queued/retrying/sending delivery (the rows of the partial
  // unique index); this dispatch's own deliveries do not block it.
  const held = await trx
    .selectFrom('dispatch_documents as dd')
    .innerJoin('dispatch_recipients as r', 'r.id', 'dd.recipient_id')
    .innerJoin('customers as c', 'c.id', 'r.customer_id')
    .innerJoin('documents as d', 'd.id', 'dd.document_id')
    .select(['r.customer_id', 'dd.document_id'])
    .where('dd.dispatch_id', '=', dispatchId)
    .where('dd.excluded', '=', 0)
    .where('r.removed', '=', 0)
    .where(({ exists, selectFrom }) =>
      exists(selectFrom('delivery_documents as ld').select('ld.document_id').whereRef('ld.document_id', '=', 'dd.document_id').where('ld.active', '=', 1).where('ld.dispatch_id', '<>', dispatchId)),
    )
    .orderBy('c.number')
    .orderBy('r.id')
    .orderBy('d.number')
    .orderBy('d.id')
    .execute();

  // Recipients with a draft or cancelled document, and recipients left without any document:
  // only the few with a problem come back, whatever the size of the dispatch.
  const notFinal = await trx
    .selectFrom('dispatch_documents as dd')
    .innerJoin('documents as d', 'd.id', 'dd.document_id')
    .select(['dd.recipient_id', 'd.status'])
    .distinct()
    .where('dd.dispatch_id', '=', dispatchId)
    .where('dd.excluded', '=', 0)
    .where('d.status', 'in', ['draft', 'cancelled'])
    .execute();
  const empty = await trx
    .selectFrom('dispatch_recipients as r')
    .select('r.id')
    .where('r.dispatch_id', '=', dispatchId)
    .where('r.removed', '=', 0)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('dispatch_documents as dd').select('dd.document_id').whereRef('dd.recipient_id', '=', 'r.id').where('dd.excluded', '=', 0))))
    .execute();
  // Recipients with a document sent before who were not marked "Erneut senden" (a draft has no
  // deliveries of its own, so every recorded send is an earlier one).
  const sentBefore = await trx
    .selectFrom('dispatch_documents as dd')
    .innerJoin('documents as d', 'd.id', 'dd.document_id')
    .innerJoin('dispatch_recipients as r', 'r.id', 'dd.recipient_id')
    .select('dd.recipient_id')
    .distinct()
    .where('dd.dispatch_id', '=', dispatchId)
    .where('dd.excluded', '=', 0)
    .where('r.resend', '=', 0)
    .where('d.last_sent_at', 'is not', null)
    .execute();
  const alreadySent = new Set(sentBefore.map((x) => x.recipient_id));
  const drafts = new Set(notFinal.filter((x) => x.status === 'draft').map((x) => x.recipient_id));
  const cancelled = new Set(notFinal.filter((x) => x.status === 'cancelled').map((x) => x.recipient_id));
  const noDocuments = new Set(empty.map((x) => x.id));

  // The addresses are judged by the domain's own rule (isValidEmail, a JavaScript expression no
  // SQL of both databases reproduces exactly), so every active recipient's address is read once,
  // in the dialog's order: a few MB for 100,000 recipients, in one statement.
  const recipients = await trx
    .selectFrom('dispatch_recipients as r')
    .innerJoin('customers as c', 'c.id', 'r.customer_id')
    .select(['r.id', 'r.customer_id', 'c.email', 'c.invoice_by_post'])
    .where('r.dispatch_id', '=', dispatchId)
    .where('r.removed', '=', 0)
    .orderBy('c.number')
    .orderBy('r.id')
    .execute();

  const blocking = new Map<RecipientIssueCode, number[]>();
  const add = (code: RecipientIssueCode, customerId: number): void => {
    const list = blocking.get(code) ?? [];
    list.push(customerId);
    blocking.set(code, list);
  };
  const addresses: SendCheck['addresses'] = [];
  for (const r of recipients) {
    // In the order recipientIssues lists a recipient's issues: the 422 lists codes in the order of
    // their first appearance.
    for (const issue of recipientIssues({ email: r.email, invoiceByPost: r.invoice_by_post === 1 }, [])) if (issue.severity === 'blocking') add(issue.code, r.customer_id);
    if (drafts.has(r.id) || noDocuments.has(r.id)) add('documentNotFinal', r.customer_id);
    if (cancelled.has(r.id)) add('documentCancelled', r.customer_id);
    if (alreadySent.has(r.id)) add('alreadySent', r.customer_id);
    const email = r.email?.trim();
    if (email !== undefined && email !== r.email) addresses.push({ recipientId: r.id, email });
  }
  return {
    recipients: recipients.length,
    busy: { customerIds: [...new Set(held.map((h) => h.customer_id))], documentIds: held.map((h) => h.document_id) },
    blocking,
    addresses,
  };
}
