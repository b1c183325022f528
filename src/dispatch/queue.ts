import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../commands/context.ts';
import type { DispatchMode } from '../domain/dispatch.ts';

/**
 * How a customer is addressed (customerDisplayName in domain/customer.ts), as SQL over `c`: the
 * company name, else first and last name joined by a space, leaving out empty parts.
 */
const displayNameSql: RawBuilder<string> = sql<string>`case
  when coalesce(c.company_name, '') <> '' then c.company_name
  when coalesce(c.first_name, '') <> '' and coalesce(c.last_name, '') <> '' then c.first_name || ' ' || c.last_name
  else coalesce(nullif(c.first_name, ''), nullif(c.last_name, ''), '') end`;

/**
 * Queues the deliveries of a checked dispatch with INSERT … SELECT over its recipients and
 * documents, the grouping rule of `planDeliveries`: per customer one delivery for each active
 * recipient with all their documents that are not excluded; per document one delivery each.
 * Deliveries are numbered in the dialog's order (customer number, then document number), which is
 * the order workers claim them in. The partial unique index on delivery_documents still refuses a
 * document that another dispatch holds (the caller maps that to 409). Returns how many.
 */
export async function queueDeliveries(
  trx: Executor,
  input: { dispatchId: number; mode: DispatchMode; now: string; addresses: readonly { recipientId: number; email: string }[] },
): Promise<number> {
  const { dispatchId: id, mode, now } = input;
  const columns = () =>
    [
      // Typed literals: PostgreSQL cannot infer a parameter's type in a select list.
      sql<number>`cast(${id} as integer)`.as('dispatch_id'),
      sql<number>`r.id`.as('recipient_id'),
      'r.customer_id',
      sql<string>`'queued'`.as('state'),
      sql<number>`0`.as('attempts'),
      sql<string>`cast(${now} as text)`.as('next_attempt_at'),
      sql<null>`null`.as('lease_owner'),
      sql<null>`null`.as('lease_until'),
      sql<string>`c.email`.as('to_email'),
      displayNameSql.as('to_name'),
      sql<string>`cast(${now} as text)`.as('created_at'),
      sql<string>`cast(${now} as text)`.as('updated_at'),
      // "Erneut senden" chosen for this recipient: the delivery is a recorded re-send.
      sql<number>`r.resend`.as('resend'),
    ] as const;
  const recipients = trx
    .selectFrom('dispatch_recipients as r')
    .innerJoin('customers as c', 'c.id', 'r.customer_id')
    .where('r.dispatch_id', '=', id)
    .where('r.removed', '=', 0)
    // The check ran in earlier statements of this transaction; on PostgreSQL each statement reads
    // what is committed when it starts. Whatever a customer edit committed in between, no one who
    // wants paper and no one without an address gets a delivery.
    .where('c.invoice_by_post', '=', 0)
    .where('c.email', 'is not', null);
  const selected =
    mode === 'perCustomer'
      ? recipients
          .where(({ exists, selectFrom }) => exists(selectFrom('dispatch_documents as dd').select('dd.document_id').whereRef('dd.recipient_id', '=', 'r.id').where('dd.excluded', '=', 0)))
          .select(columns())
          .orderBy('c.number')
          .orderBy('r.id')
      : recipients
          .innerJoin('dispatch_documents as dd', (j) => j.onRef('dd.recipient_id', '=', 'r.id').on('dd.excluded', '=', 0))
          .innerJoin('documents as d', 'd.id', 'dd.document_id')
          .select(columns())
          .orderBy('c.number')
          .orderBy('r.id')
          .orderBy('d.number')
          .orderBy('d.id');
  const inserted = await trx
    .insertInto('deliveries')
    .columns(['dispatch_id', 'recipient_id', 'customer_id', 'state', 'attempts', 'next_attempt_at', 'lease_owner', 'lease_until', 'to_email', 'to_name', 'created_at', 'updated_at', 'resend'])
    .expression(selected)
    .executeTakeFirst();

  // The deliveries of a draft are exactly the ones just inserted (only a send creates deliveries,
  // and it leaves the draft state). Per document, a recipient's k-th delivery carries their k-th
  // document: all of a recipient's deliveries are alike but for the document.
  const links =
    mode === 'perCustomer'
      ? trx
          .selectFrom('deliveries as x')
          .innerJoin('dispatch_documents as dd', (j) => j.onRef('dd.recipient_id', '=', 'x.recipient_id').on('dd.excluded', '=', 0))
          .select([sql<number>`x.id`.as('delivery_id'), 'dd.document_id', sql<number>`cast(${id} as integer)`.as('dispatch_id'), sql<number>`1`.as('active')])
          .where('x.dispatch_id', '=', id)
      : trx
          .selectFrom((db) =>
            db
              .selectFrom('deliveries')
              .select(['id', 'recipient_id', sql<number>`row_number() over (partition by recipient_id order by id)`.as('n')])
              .where('dispatch_id', '=', id)
              .as('x'),
          )
          .innerJoin(
            (db) =>
              db
                .selectFrom('dispatch_documents as dd')
                .innerJoin('documents as d', 'd.id', 'dd.document_id')
                .select(['dd.recipient_id', 'dd.document_id', sql<number>`row_number() over (partition by dd.recipient_id order by d.number, d.id)`.as('n')])
                .where('dd.dispatch_id', '=', id)
                .where('dd.excluded', '=', 0)
                .as('y'),
            (j) => j.onRef('y.recipient_id', '=', 'x.recipient_id').onRef('y.n', '=', 'x.n'),
          )
          .select([sql<number>`x.id`.as('delivery_id'), 'y.document_id', sql<number>`cast(${id} as integer)`.as('dispatch_id'), sql<number>`1`.as('active')]);
  await trx.insertInto('delivery_documents').columns(['delivery_id', 'document_id', 'dispatch_id', 'active']).expression(links).execute();

  // The address as checked: trimmed as isValidEmail saw it (normally none needs it).
  for (const a of input.addresses) {
    await trx.updateTable('deliveries').set({ to_email: a.email }).where('dispatch_id', '=', id).where('recipient_id', '=', a.recipientId).execute();
  }
  return Number(inserted.numInsertedOrUpdatedRows ?? 0);
}
