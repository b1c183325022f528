import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { confirmEntry, entryProposal, importStatement, listEntries, rejectEntry, type BankEntryRow, type ImportStatementReport } from '../../commands/bank-import.ts';
import type { Executor } from '../../commands/context.ts';
import { singleLineText } from '../../domain/text-input.ts';
import { requireActor, staffOnly } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import type { BankCandidateView, BankEntryView } from '../receivables-views.ts';
import { idParams } from '../schemas.ts';

/** A year of a busy practice's camt.053 is well under this; parsing is synchronous, so larger files are refused rather than stall the server. */
const MAX_STATEMENT_BYTES = 5 * 1024 * 1024;
const column = singleLineText({ max: 100 }).optional();

/** The entries with their proposal and candidates, the candidates read in one query. */
async function presentEntries(db: Executor, rows: readonly BankEntryRow[]): Promise<BankEntryView[]> {
  const proposals = new Map(rows.map((r) => [r.id, entryProposal(r)]));
  const ids = [...new Set([...proposals.values()].flatMap((p) => [...p.candidates, ...p.allocations.map((a) => a.documentId)]))];
  const docs =
    ids.length === 0
      ? []
      : await db
          .selectFrom('documents as d')
          .innerJoin('customers as c', 'c.id', 'd.customer_id')
          .select(['d.id', 'd.number', 'd.customer_id', 'd.issue_date', 'd.due_date', 'd.gross_cents', 'd.paid_cents', 'd.status', 'c.company_name', 'c.first_name', 'c.last_name'])
          .where('d.id', 'in', ids)
          .execute();
  const byId = new Map<number, BankCandidateView>(
    docs.map((d) => [
      d.id,
      {
        documentId: d.id,
        number: d.number,
        customerId: d.customer_id,
        customerName: d.company_name ?? [d.first_name, d.last_name].filter(Boolean).join(' '),
        issueDate: d.issue_date,
        dueDate: d.due_date,
        grossCents: Number(d.gross_cents),
        openCents: d.status === 'final' ? Math.max(0, Number(d.gross_cents) - Number(d.paid_cents)) : 0,
      },
    ]),
  );
  return rows.map((r) => {
    const proposal = proposals.get(r.id) ?? { allocations: [], candidates: [] };
    const candidateIds = [...new Set([...proposal.allocations.map((a) => a.documentId), ...proposal.candidates])];
    return {
      id: Number(r.id),
      statementId: Number(r.statement_id),
      bookingDate: r.booking_date,
      valueDate: r.value_date,
      amountCents: Number(r.amount_cents),
      currency: r.currency,
      counterpartyName: r.counterparty_name,
      counterpartyIban: r.counterparty_iban,
      remittance: r.remittance,
      endToEndId: r.end_to_end_id,
      status: r.status,
      matchCode: r.match_code,
      proposal: proposal.allocations,
      candidates: candidateIds.flatMap((id) => {
        const candidate = byId.get(id);
        return candidate ? [candidate] : [];
      }),
    };
  });
}

/** Bank statement import (camt.053, CSV) and the review list of unclear credits. */
export const bankRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.db.kysely;
    app.addContentTypeParser(['application/xml', 'text/xml', 'text/csv', 'text/plain', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: MAX_STATEMENT_BYTES }, (_request, body, done) => done(null, body));

    app.post(
      '/api/bank/statements',
      {
        preValidation: staffOnly,
        bodyLimit: MAX_STATEMENT_BYTES,
        schema: {
          tags: ['bank'],
          summary: 'Import a bank statement (camt.053 XML or CSV as the body); clear credits are booked, unclear ones go to the review list; a re-import books nothing twice',
          querystring: z.strictObject({
            format: z.enum(['auto', 'camt053', 'csv']).default('auto'),
            fileName: singleLineText({ max: 200 }).optional(),
            dateColumn: column,
            valueDateColumn: column,
            amountColumn: column,
            textColumn: column,
            nameColumn: column,
            ibanColumn: column,
            currencyColumn: column,
            referenceColumn: column,
          }),
          body: z.instanceof(Buffer),
        },
      },
      async (request) => {
        const actor = requireActor(request);
        const q = request.query;
        const mapping = Object.fromEntries(
          Object.entries({ date: q.dateColumn, valueDate: q.valueDateColumn, amount: q.amountColumn, text: q.textColumn, name: q.nameColumn, iban: q.ibanColumn, currency: q.currencyColumn, reference: q.referenceColumn }).filter(
            (e): e is [string, string] => e[1] !== undefined && e[1] !== '',
          ),
        );
        return db.transaction().execute((trx) => importStatement({ trx, actor, bytes: request.body, format: q.format, mapping, fileName: q.fileName ?? null })) satisfies Promise<ImportStatementReport>;
      },
    );

    app.get(
      '/api/bank/entries',
      {
        preValidation: staffOnly,
        schema: {
          tags: ['bank'],
          summary: 'Bank entries; status=review is the review list',
          querystring: z.strictObject({ status: z.enum(['booked', 'review', 'rejected', 'ignored']).optional(), statementId: z.coerce.number().int().positive().optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) }),
        },
      },
      async (request) => {
        const rows = await listEntries(db, { ...(request.query.status ? { status: request.query.status } : {}), ...(request.query.statementId ? { statementId: request.query.statementId } : {}), limit: request.query.limit });
        return { items: await presentEntries(db, rows) };
      },
    );

    app.post(
      '/api/bank/entries/:id/confirm',
      {
        preValidation: staffOnly,
        schema: {
          tags: ['bank'],
          summary: 'Confirm a credit from the review list: book it on these invoices (the amounts add up to the credit)',
          params: idParams,
          body: z.strictObject({ allocations: z.array(z.strictObject({ documentId: z.number().int().positive(), amountCents: z.number().int().positive() })).min(1).max(100) }),
        },
      },
      async (request) => {
        const actor = requireActor(request);
        const row = await db.transaction().execute((trx) => confirmEntry({ trx, actor, id: request.params.id, allocations: request.body.allocations }));
        const [view] = await presentEntries(db, [row]);
        return view;
      },
    );

    app.post('/api/bank/entries/:id/reject', { preValidation: staffOnly, schema: { tags: ['bank'], summary: 'Not an invoice payment: keep the entry, book nothing', params: idParams } }, async (request) => {
      const actor = requireActor(request);
      const row = await db.transaction().execute((trx) => rejectEntry({ trx, actor, id: request.params.id }));
      const [view] = await presentEntries(db, [row]);
      return view;
    });
  };
