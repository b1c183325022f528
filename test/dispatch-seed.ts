import { createHash } from 'node:crypto';
import { SYSTEM_ACTOR } from '../src/commands/context.ts';
import type { Db } from '../src/db/connection.ts';
import { createDispatchPorts } from '../src/dispatch/adapters.ts';
import { createDispatch, updateDispatch } from '../src/dispatch/draft.ts';
import { sendDispatch } from '../src/dispatch/send.ts';

/**
 * Bulk test data for the crash test and the benchmark: customers with one final invoice each and
 * its archived PDF (`pdfBytes` of filler, a valid archive row with its SHA-256), inserted in
 * batches, then a dispatch over all of them, sent.
 */
/** A 119.00 € invoice row as the seeds insert it straight into the table (no numbering, no PDF). */
export function invoiceRow(input: { customerId: number; number: string | null; status: 'draft' | 'final' | 'cancelled'; now: string; lastSentTo?: string | null }) {
  return {
    type: 'invoice' as const,
    number: input.number,
    status: input.status,
    customer_id: input.customerId,
    language: 'de' as const,
    issue_date: '2026-11-02',
    due_date: '2026-11-16',
    payment_terms_days: 14,
    net_cents: 10_000,
    vat_cents: 1_900,
    gross_cents: 11_900,
    last_sent_at: input.lastSentTo ? input.now : null,
    last_sent_to: input.lastSentTo ?? null,
    finalized_at: input.status === 'draft' ? null : input.now,
    created_at: input.now,
    updated_at: input.now,
  };
}

export async function seedInvoices(db: Db, count: number, pdfBytes = 2048, onProgress?: (done: number) => void): Promise<number[]> {
  const k = db.kysely;
  const now = new Date().toISOString();
  const ids: number[] = [];
  const filler = Buffer.alloc(pdfBytes, 0x20);
  const base = (await k.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
  for (let start = 0; start < count; start += 500) {
    const n = Math.min(500, count - start);
    const customers = await k
      .insertInto('customers')
      .values(
        Array.from({ length: n }, (_, i) => {
          const no = Number(base) + start + i + 1;
          return { number: `B-${String(no).padStart(7, '0')}`, last_name: `Kunde ${no}`, country: 'DE', email: `kunde${no}@example.de`, invoice_by_post: 0 as const, search_text: `kunde ${no}`, created_at: now, updated_at: now };
        }),
      )
      .returning('id')
      .execute();
    const docs = await k
      .insertInto('documents')
      .values(
        customers.map((c) => invoiceRow({ customerId: c.id, number: `RE-B-${String(c.id).padStart(8, '0')}`, status: 'final', now })),
      )
      .returning('id')
      .execute();
    await k
      .insertInto('document_pdfs')
      .values(
        docs.map((d) => {
          const pdf = Buffer.concat([Buffer.from(`%PDF-1.7\n% Rechnung ${d.id}\n`), filler]);
          return { document_id: d.id, pdf, sha256: createHash('sha256').update(pdf).digest('hex'), size: pdf.length, created_at: now };
        }),
      )
      .execute();
    ids.push(...docs.map((d) => d.id));
    onProgress?.(ids.length);
  }
  return ids;
}

export async function startDispatchOf(db: Db, documentIds: number[], templateId: number, secret: string): Promise<number> {
  const ports = createDispatchPorts({ secret });
  const { id } = await db.kysely.transaction().execute((trx) => createDispatch({ trx, actor: SYSTEM_ACTOR, selection: { documentIds } }));
  await db.kysely.transaction().execute((trx) => updateDispatch({ trx, actor: SYSTEM_ACTOR, ports, id, templateId }));
  await sendDispatch({ db, ports, actor: SYSTEM_ACTOR, id, idempotencyKey: `seed-${id}` });
  return id;
}
