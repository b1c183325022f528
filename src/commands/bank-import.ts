import { sql } from 'kysely';
import { AppError, notFound } from '../domain/errors.ts';
import { createMatcher, type Allocation, type MatchResult, type OpenInvoice } from '../domain/payment-matching.ts';
import { isCamt053, parseCamt053 } from '../receivables/camt053.ts';
import { parseCsvStatement, type CsvMapping } from '../receivables/csv-statement.ts';
import { statementError, type ParsedStatement } from '../receivables/statement.ts';
import type { BankEntriesTable } from '../db/schema.ts';
import type { Selectable } from 'kysely';
import { audit, type Actor, type Executor } from './context.ts';
import { recordPayment } from './payments.ts';

/**
 * Importing a bank statement: each new credit is matched to open invoices; clear matches are
 * booked as payments at once, unclear ones wait in the review list. Entries are keyed by the
 * bank's ids (or their content), so importing the same statement again — or an overlapping one —
 * books nothing twice. All of one import happens in one transaction.
 */

export type BankEntryRow = Selectable<BankEntriesTable>;

export type StatementFormat = 'auto' | 'camt053' | 'csv';

export interface ImportStatementReport {
  statementId: number;
  format: 'camt053' | 'csv';
  alreadyImported: boolean;
  accountIban: string | null;
  fromDate: string | null;
  toDate: string | null;
  /** entries in the file (booked by the bank) */
  entries: number;
  /** of these, already known from an earlier import: not booked again */
  duplicates: number;
  /** credits booked as payments */
  booked: number;
  /** credits waiting in the review list */
  review: number;
  /** debits, reversals, other currencies: kept, not matched */
  ignored: number;
  /** entries the bank has not booked yet; they come again in a later statement */
  pending: number;
  payments: { entryId: number; documentId: number; number: string; amountCents: number }[];
}

/** What the review list keeps per entry (JSON in bank_entries.proposal). */
export interface EntryProposal {
  allocations: Allocation[];
  candidates: number[];
}

export function parseStatement(bytes: Buffer, format: StatementFormat, mapping: CsvMapping): ParsedStatement {
  if (bytes.length === 0) throw statementError('bank.fileEmpty', 'the file is empty');
  const kind = format === 'auto' ? (isCamt053(bytes) ? 'camt053' : /^\s*</.test(bytes.subarray(0, 200).toString('utf8')) ? 'camt053' : 'csv') : format;
  return kind === 'camt053' ? parseCamt053(bytes) : parseCsvStatement(bytes, mapping);
}

/** Every final invoice with something open, as the matcher needs it. */
async function openInvoices(db: Executor): Promise<OpenInvoice[]> {
  const rows = await db
    .selectFrom('documents as d')
    .innerJoin('customers as c', 'c.id', 'd.customer_id')
    .select(['d.id', 'd.number', 'd.gross_cents', 'd.paid_cents', 'd.due_date', 'd.issue_date', 'c.company_name', 'c.first_name', 'c.last_name'])
    .where('d.type', '=', 'invoice')
    .where('d.status', '=', 'final')
    .where(sql<boolean>`d.gross_cents > d.paid_cents`)
    .execute();
  return rows.flatMap((r) =>
    r.number === null
      ? []
      : [
          {
            id: r.id,
            number: r.number,
            customerName: [r.company_name, r.first_name, r.last_name].filter(Boolean).join(' '),
            openCents: Number(r.gross_cents) - Number(r.paid_cents),
            dueDate: r.due_date,
            issueDate: r.issue_date,
          },
        ],
  );
}

async function bookAllocations(trx: Executor, actor: Actor, entry: { id: number; booking_date: string; remittance: string | null; end_to_end_id: string | null }, allocations: readonly Allocation[]): Promise<void> {
  for (const allocation of allocations) {
    await recordPayment({
      trx,
      actor,
      documentId: allocation.documentId,
      bankEntryId: entry.id,
      data: { paidOn: entry.booking_date, amountCents: allocation.amountCents, source: 'bank', reference: (entry.remittance ?? entry.end_to_end_id)?.slice(0, 200) ?? null },
    });
  }
}

export async function importStatement(input: { trx: Executor; actor: Actor; bytes: Buffer; format: StatementFormat; mapping?: CsvMapping; fileName?: string | null }): Promise<ImportStatementReport> {
  const { trx, actor } = input;
  const parsed = parseStatement(input.bytes, input.format, input.mapping ?? {});
  const now = new Date().toISOString();

  const inserted = await trx
    .insertInto('bank_statements')
    .values({
      format: parsed.format,
      statement_key: parsed.statementKey,
      account_iban: parsed.accountIban,
      statement_ref: parsed.statementRef,
      from_date: parsed.fromDate,
      to_date: parsed.toDate,
      file_name: input.fileName?.slice(0, 200) ?? null,
      imported_at: now,
      imported_by_user_id: actor.userId,
      imported_by_token_id: actor.tokenId,
    })
    .onConflict((oc) => oc.column('statement_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  const statement = inserted ?? (await trx.selectFrom('bank_statements').select('id').where('statement_key', '=', parsed.statementKey).executeTakeFirstOrThrow());
  const statementId = Number(statement.id);

  const report: ImportStatementReport = {
    statementId,
    format: parsed.format,
    alreadyImported: inserted === undefined,
    accountIban: parsed.accountIban,
    fromDate: parsed.fromDate,
    toDate: parsed.toDate,
    entries: parsed.entries.length,
    duplicates: 0,
    booked: 0,
    review: 0,
    ignored: 0,
    pending: parsed.pending,
    payments: [],
  };
  const open = await openInvoices(trx);
  const openById = new Map(open.map((i) => [i.id, i]));
  // The matcher holds these same objects: an invoice paid earlier in the statement shows less open.
  const matcher = createMatcher(open);

  for (const entry of parsed.entries) {
    const ignoredCode = entry.amountCents <= 0 ? 'bank.match.debit' : entry.reversal ? 'bank.match.reversal' : entry.currency !== 'EUR' ? 'bank.match.currency' : null;
    const result: MatchResult | null = ignoredCode ? null : matcher.match({ amountCents: entry.amountCents, remittance: entry.remittance, counterpartyName: entry.counterpartyName });
    const row = await trx
      .insertInto('bank_entries')
      .values({
        statement_id: statementId,
        entry_key: entry.entryKey,
        booking_date: entry.bookingDate,
        value_date: entry.valueDate,
        amount_cents: entry.amountCents,
        currency: entry.currency,
        counterparty_name: entry.counterpartyName,
        counterparty_iban: entry.counterpartyIban,
        remittance: entry.remittance,
        end_to_end_id: entry.endToEndId,
        bank_reference: entry.bankReference,
        status: result === null ? 'ignored' : result.kind === 'book' ? 'booked' : 'review',
        match_code: ignoredCode ?? result?.code ?? null,
        proposal: result === null ? null : JSON.stringify({ allocations: result.allocations, candidates: result.kind === 'review' ? result.candidates : [] } satisfies EntryProposal),
        decided_at: result?.kind === 'book' ? now : null,
        decided_by_user_id: null,
        created_at: now,
      })
      .onConflict((oc) => oc.column('entry_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) {
      report.duplicates++;
      continue;
    }
    if (result === null) {
      report.ignored++;
      continue;
    }
    if (result.kind === 'review') {
      report.review++;
      continue;
    }
    const entryId = Number(row.id);
    await bookAllocations(trx, actor, { id: entryId, booking_date: entry.bookingDate, remittance: entry.remittance, end_to_end_id: entry.endToEndId }, result.allocations);
    report.booked++;
    for (const allocation of result.allocations) {
      const invoice = openById.get(allocation.documentId);
      if (!invoice) continue;
      report.payments.push({ entryId, documentId: invoice.id, number: invoice.number, amountCents: allocation.amountCents });
      // A second payment on the same invoice later in the statement sees what is still open.
      invoice.openCents -= allocation.amountCents;
    }
  }
  await audit(trx, actor, 'bank.import', 'bank_statement', statementId, {
    format: parsed.format,
    entries: report.entries,
    duplicates: report.duplicates,
    booked: report.booked,
    review: report.review,
    ignored: report.ignored,
  });
  return report;
}

export async function getEntry(db: Executor, id: number): Promise<BankEntryRow> {
  const row = await db.selectFrom('bank_entries').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('bankEntry', id);
  return row;
}

export function entryProposal(row: BankEntryRow): EntryProposal {
  if (!row.proposal) return { allocations: [], candidates: [] };
  const value: EntryProposal = JSON.parse(row.proposal);
  return value;
}

export async function listEntries(db: Executor, filter: { status?: BankEntryRow['status']; statementId?: number; limit: number }): Promise<BankEntryRow[]> {
  let query = db.selectFrom('bank_entries').selectAll();
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.statementId !== undefined) query = query.where('statement_id', '=', filter.statementId);
  return query.orderBy('booking_date').orderBy('id').limit(filter.limit).execute();
}

/**
 * The user confirms a credit from the review list: the allocations (invoice and amount each)
 * must add up to the credit exactly, so no money is left unexplained. Only an entry still in
 * review can be confirmed: a second click (or a second user) gets a 409, not a second payment.
 */
export async function confirmEntry(input: { trx: Executor; actor: Actor; id: number; allocations: readonly Allocation[] }): Promise<BankEntryRow> {
  const { trx, actor, id, allocations } = input;
  const entry = await getEntry(trx, id);
  if (entry.status !== 'review') throw new AppError('conflict', 'bank.entryNotInReview', `bank entry ${id} is ${entry.status}, not waiting for review`);
  const sum = allocations.reduce((s, a) => s + a.amountCents, 0);
  if (allocations.length === 0 || sum !== Number(entry.amount_cents)) {
    throw new AppError('validation', 'bank.allocationSum', `the amounts assigned (${sum} cents) must add up to the credit (${Number(entry.amount_cents)} cents)`, { field: 'allocations' });
  }
  if (new Set(allocations.map((a) => a.documentId)).size !== allocations.length) {
    throw new AppError('validation', 'bank.allocationDuplicate', 'each invoice may appear once', { field: 'allocations' });
  }
  const now = new Date().toISOString();
  const updated = await trx
    .updateTable('bank_entries')
    .set({ status: 'booked', decided_at: now, decided_by_user_id: actor.userId })
    .where('id', '=', id)
    .where('status', '=', 'review')
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) throw new AppError('conflict', 'bank.entryNotInReview', `bank entry ${id} was decided concurrently`);
  await bookAllocations(trx, actor, entry, allocations);
  await audit(trx, actor, 'bank.confirm', 'bank_entry', id, { allocations });
  return getEntry(trx, id);
}

/** Not a payment of an invoice (a private transfer, a refund from a supplier): kept, not booked. */
export async function rejectEntry(input: { trx: Executor; actor: Actor; id: number }): Promise<BankEntryRow> {
  const { trx, actor, id } = input;
  const entry = await getEntry(trx, id);
  if (entry.status !== 'review') throw new AppError('conflict', 'bank.entryNotInReview', `bank entry ${id} is ${entry.status}, not waiting for review`);
  await trx.updateTable('bank_entries').set({ status: 'rejected', decided_at: new Date().toISOString(), decided_by_user_id: actor.userId }).where('id', '=', id).where('status', '=', 'review').execute();
  await audit(trx, actor, 'bank.reject', 'bank_entry', id);
  return getEntry(trx, id);
}
