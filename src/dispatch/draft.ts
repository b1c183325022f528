import { sql } from 'kysely';
import { audit, type Actor, type Executor } from '../commands/context.ts';
import { updateCustomer } from '../commands/customers.ts';
import { documentFilterCondition, resolveSearch, type DocumentFilter } from '../commands/documents.ts';
import { nowIso, type Db } from '../db/connection.ts';
import { isCustomerLevelIssue, type DispatchMode, type RecipientIssueCode } from '../domain/dispatch.ts';
import { AppError, notFound } from '../domain/errors.ts';
import { chunks } from './chunks.ts';
import { isDraftDocumentViolation } from './constraints.ts';
import { assertDraft, loadDispatch, lockDispatch } from './dispatch-row.ts';
import type { DispatchPorts } from './ports.ts';
import { loadRecipients, recipientPages, type RecipientView } from './recipients.ts';

/** The draft of a dispatch: created from a selection, then edited in the dialog until Senden. */

export type DispatchSelection = { documentIds: number[] } | { filter: DocumentFilter; excludeDocumentIds?: number[] | undefined };

export interface StartedDispatch {
  id: number;
  /** the selection went into an open draft that already held some of its documents (that draft's id) */
  existing: boolean;
  /** documents this request added to the draft */
  added: number;
  /** other open drafts that hold some of the selected documents and keep them */
  heldByOtherDrafts: number[];
}

/**
 * "Senden aller selektierten Rechnungen": a draft for the selection. A document is held by at most
 * one open draft (the primary key of dispatch_draft_documents), so when an open draft already holds
 * some of the selected documents — the browser's back button and the same click again — that
 * draft is opened with the new selection merged in, never a second copy of it.
 */
export async function createDispatch(input: { trx: Executor; actor: Actor; selection: DispatchSelection }): Promise<StartedDispatch> {
  const { trx, actor, selection } = input;
  const now = nowIso();
  if ('documentIds' in selection) {
    const ids = [...new Set(selection.documentIds)];
    if (ids.length === 0) throw new AppError('validation', 'dispatch.emptySelection', 'select at least one document', { field: 'documentIds' });
    const found = new Set<number>();
    for (const part of chunks(ids)) {
      for (const r of await trx.selectFrom('documents').select('id').where('id', 'in', part).execute()) found.add(r.id);
    }
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new AppError('validation', 'dispatch.documentNotFound', `documents not found: ${missing.slice(0, 20).join(', ')}`, { field: 'documentIds', meta: { documentIds: missing } });
    }
  }
  const selections = 'documentIds' in selection ? chunks([...new Set(selection.documentIds)]).map((ids) => ({ ids })) : [{ filter: selection.filter, except: [...new Set(selection.excludeDocumentIds ?? [])] }];
  // Free text goes through the trigram indexes, as in the list: the same documents, without a scan.
  const search = 'filter' in selection ? await resolveSearch(trx, selection.filter.q) : undefined;
  const selectedIn = (part: (typeof selections)[number]) => {
    const base = trx.selectFrom('documents as d');
    if ('ids' in part) return base.where('d.id', 'in', part.ids);
    const condition = documentFilterCondition(part.filter, search);
    const filtered = condition ? base.where(condition) : base;
    // "All matching, except these": one NOT IN over the unticked ids (at most
    // MAX_EXCLUDED_DOCUMENTS parameters; SQLite and PostgreSQL 15 both look them up by hash).
    return part.except.length > 0 ? filtered.where('d.id', 'not in', part.except) : filtered;
  };

  // The open drafts holding selected documents; the oldest of them takes the selection.
  const holders = new Set<number>();
  for (const part of selections) {
    const rows = await trx
      .selectFrom('dispatch_draft_documents as h')
      .innerJoin('dispatches as x', 'x.id', 'h.dispatch_id')
      .select('h.dispatch_id')
      .distinct()
      .where('x.status', '=', 'draft')
      .where('h.document_id', 'in', selectedIn(part).select('d.id'))
      .execute();
    for (const r of rows) holders.add(r.dispatch_id);
  }
  const existing = holders.size > 0 ? Math.min(...holders) : undefined;
  let id: number;
  if (existing !== undefined) {
    await lockDraft(trx, existing);
    id = existing;
  } else {
    const dispatch = await trx
      .insertInto('dispatches')
      .values({
        status: 'draft',
        mode: 'perCustomer',
        template_id: null,
        template_snapshot: null,
        selection: JSON.stringify(selection),
        created_by_user_id: actor.userId,
        created_by_token_id: actor.tokenId,
        send_key: null,
        send_requested_at: null,
        paused_reason: null,
        paused_message: null,
        consecutive_failures: 0,
        completed_at: null,
        cancelled_at: null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    id = dispatch.id;
  }
  const before = await countDocuments(trx, id);

  // Recipients and their documents are written by INSERT … SELECT, so "select all" over tens of
  // thousands of filtered documents never travels through this process as a list of ids. Only
  // documents no open draft holds are taken (this one's are there already).
  for (const part of selections) {
    const selected = () => selectedIn(part).where(({ not, exists, selectFrom }) => not(exists(selectFrom('dispatch_draft_documents as h').select('h.document_id').whereRef('h.document_id', '=', 'd.id'))));
    await trx
      .insertInto('dispatch_recipients')
      .columns(['dispatch_id', 'customer_id', 'removed', 'created_at'])
      .expression(
        selected()
          // Typed literals: PostgreSQL cannot infer a parameter's type in a select list.
          .select([sql<number>`cast(${id} as integer)`.as('dispatch_id'), 'd.customer_id', sql<number>`0`.as('removed'), sql<string>`cast(${now} as text)`.as('created_at')])
          .distinct()
          .where(({ not, exists, selectFrom }) => not(exists(selectFrom('dispatch_recipients as r').select('r.id').where('r.dispatch_id', '=', id).whereRef('r.customer_id', '=', 'd.customer_id')))),
      )
      .execute();
    await trx
      .insertInto('dispatch_documents')
      .columns(['dispatch_id', 'recipient_id', 'document_id', 'excluded'])
      .expression(
        selected()
          // The recipient as a correlated lookup, not a join: with a join SQLite walked all of the
          // dispatch's recipients for every chunk of ids (quadratic: minutes for 100,000 documents).
          .select((eb) => [
            sql<number>`cast(${id} as integer)`.as('dispatch_id'),
            eb.selectFrom('dispatch_recipients as r').select('r.id').where('r.dispatch_id', '=', id).whereRef('r.customer_id', '=', 'd.customer_id').as('recipient_id'),
            'd.id as document_id',
            sql<number>`0`.as('excluded'),
          ]),
        // No "not yet in this dispatch" check beyond the draft holding: the id chunks are disjoint
        // (deduplicated above) and a filter is one statement. On PostgreSQL such an anti-join
        // against the table being filled rescans the rows this very statement inserts: 14 s
        // instead of 0.2 s for 65,000 documents.
      )
      .execute();
    // The draft now holds them; a concurrent request taking the same documents fails on the
    // primary key (startDispatch then retries and finds this draft).
    await trx
      .insertInto('dispatch_draft_documents')
      .columns(['document_id', 'dispatch_id'])
      .expression((eb) =>
        eb
          .selectFrom('dispatch_documents as dd')
          .select(['dd.document_id', sql<number>`cast(${id} as integer)`.as('dispatch_id')])
          .where('dd.dispatch_id', '=', id)
          // Only this draft's own rows are skipped: a document another request put into its draft
          // meanwhile makes this insert fail on the key instead of being skipped silently.
          .where(({ not, exists, selectFrom }) => not(exists(selectFrom('dispatch_draft_documents as h').select('h.document_id').whereRef('h.document_id', '=', 'dd.document_id').where('h.dispatch_id', '=', id)))),
      )
      .execute();
    if (existing !== undefined) {
      // Selected again: documents and recipients taken out of this draft earlier come back (their
      // issues show again, nothing is sent without the checks).
      const again = () => selectedIn(part).select('d.id');
      await trx.updateTable('dispatch_documents').set({ excluded: 0 }).where('dispatch_id', '=', id).where('excluded', '=', 1).where('document_id', 'in', again()).execute();
      await trx
        .updateTable('dispatch_recipients')
        .set({ removed: 0 })
        .where('dispatch_id', '=', id)
        .where('removed', '=', 1)
        .where('id', 'in', (eb) => eb.selectFrom('dispatch_documents as dd').select('dd.recipient_id').where('dd.dispatch_id', '=', id).where('dd.document_id', 'in', again()))
        .execute();
    }
  }
  const after = await countDocuments(trx, id);
  // Nothing was free although no draft held the documents a moment ago: a concurrent request's
  // draft took them in between (PostgreSQL reads each statement's own snapshot). Run again.
  if (after === 0 && existing === undefined) {
    for (const part of selections) {
      const held = await trx.selectFrom('dispatch_draft_documents as h').select('h.document_id').where('h.document_id', 'in', selectedIn(part).select('d.id')).limit(1).executeTakeFirst();
      if (held) throw new DraftRace();
    }
  }
  if (after === 0) throw new AppError('validation', 'dispatch.emptySelection', 'no document matches the selection', { field: 'filter' });
  const heldByOtherDrafts = [...holders].filter((h) => h !== id).sort((a, b) => a - b);
  if (existing !== undefined) await audit(trx, actor, 'dispatch.merge', 'dispatch', id, { added: after - before, heldByOtherDrafts });
  else await audit(trx, actor, 'dispatch.create', 'dispatch', id, { documents: after });
  return { id, existing: existing !== undefined, added: after - before, heldByOtherDrafts };
}

class DraftRace extends Error {
  constructor() {
    super('the selected documents went into another draft meanwhile');
    this.name = 'DraftRace';
  }
}

async function countDocuments(trx: Executor, id: number): Promise<number> {
  const count = await trx.selectFrom('dispatch_documents').select((eb) => eb.fn.countAll<number>().as('n')).where('dispatch_id', '=', id).executeTakeFirstOrThrow();
  return Number(count.n);
}

/**
 * createDispatch in a transaction of its own. Two requests that take the same documents at the
 * same moment both find no draft; the database lets one commit and refuses the other, which then
 * runs again and finds the first one's draft.
 */
export async function startDispatch(input: { db: Db; actor: Actor; selection: DispatchSelection }): Promise<StartedDispatch> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await input.db.kysely.transaction().execute((trx) => createDispatch({ trx, actor: input.actor, selection: input.selection }));
    } catch (error) {
      if (attempt >= 3 || !(error instanceof DraftRace || isDraftDocumentViolation(error))) throw error;
    }
  }
}

/** Verwerfen: a draft is deleted and its documents are free for another dispatch. */
export async function discardDispatch(input: { trx: Executor; actor: Actor; id: number }): Promise<{ documents: number }> {
  const { trx, actor, id } = input;
  await lockDraft(trx, id);
  const documents = await countDocuments(trx, id);
  await trx.deleteFrom('dispatch_draft_documents').where('dispatch_id', '=', id).execute();
  await trx.deleteFrom('dispatch_documents').where('dispatch_id', '=', id).execute();
  await trx.deleteFrom('dispatch_recipients').where('dispatch_id', '=', id).execute();
  await trx.deleteFrom('dispatches').where('id', '=', id).execute();
  await audit(trx, actor, 'dispatch.discard', 'dispatch', id, { documents });
  return { documents };
}

/**
 * "Erneut senden" for the chosen recipients: their documents sent before go out again, recorded
 * (and audited) as a deliberate re-send. `resend: false` takes the decision back.
 */
export async function markResend(input: { trx: Executor; actor: Actor; id: number; customerIds: number[]; resend: boolean }): Promise<{ changed: number }> {
  const { trx, actor, id } = input;
  await lockDraft(trx, id);
  const value = input.resend ? 1 : 0;
  let changed = 0;
  for (const part of chunks(input.customerIds)) {
    const r = await trx.updateTable('dispatch_recipients').set({ resend: value }).where('dispatch_id', '=', id).where('customer_id', 'in', part).where('resend', '<>', value).executeTakeFirst();
    changed += Number(r.numUpdatedRows);
  }
  await audit(trx, actor, input.resend ? 'dispatch.resend' : 'dispatch.resendUndone', 'dispatch', id, { customerIds: input.customerIds });
  return { changed };
}

/**
 * Takes the dispatch's lock before checking that it is still a draft: an edit waits for a send
 * in progress and then finds it sending, instead of changing recipients the send already checked.
 */
async function lockDraft(trx: Executor, id: number): Promise<void> {
  await lockDispatch(trx, id, nowIso());
  assertDraft(await loadDispatch(trx, id));
}

export async function updateDispatch(input: { trx: Executor; actor: Actor; ports: DispatchPorts; id: number; templateId?: number | null; mode?: DispatchMode }): Promise<void> {
  const { trx, actor, id } = input;
  await lockDraft(trx, id);
  if (input.templateId !== undefined && input.templateId !== null) {
    const template = await input.ports.loadTemplate(trx, input.templateId);
    if (!template) throw new AppError('validation', 'dispatch.templateNotFound', `template ${input.templateId} does not exist or is not a customer notification`, { field: 'templateId' });
  }
  await trx
    .updateTable('dispatches')
    .set({
      ...(input.templateId !== undefined ? { template_id: input.templateId } : {}),
      ...(input.mode !== undefined ? { mode: input.mode } : {}),
      updated_at: nowIso(),
    })
    .where('id', '=', id)
    .execute();
  await audit(trx, actor, 'dispatch.update', 'dispatch', id, { templateId: input.templateId, mode: input.mode });
}

async function setRemoved(trx: Executor, dispatchId: number, customerIds: readonly number[], removed: 0 | 1): Promise<number> {
  let changed = 0;
  for (const part of chunks(customerIds)) {
    const r = await trx.updateTable('dispatch_recipients').set({ removed }).where('dispatch_id', '=', dispatchId).where('customer_id', 'in', part).where('removed', '<>', removed).executeTakeFirst();
    changed += Number(r.numUpdatedRows);
  }
  return changed;
}

export async function removeRecipients(input: { trx: Executor; actor: Actor; id: number; customerIds: number[] }): Promise<{ removed: number }> {
  await lockDraft(input.trx, input.id);
  const removed = await setRemoved(input.trx, input.id, input.customerIds, 1);
  await audit(input.trx, input.actor, 'dispatch.removeRecipients', 'dispatch', input.id, { customerIds: input.customerIds });
  return { removed };
}

export async function restoreRecipients(input: { trx: Executor; actor: Actor; id: number; customerIds: number[] }): Promise<{ restored: number }> {
  await lockDraft(input.trx, input.id);
  const restored = await setRemoved(input.trx, input.id, input.customerIds, 0);
  // Documents excluded by "remove ineligible" come back too; their issues show again.
  for (const part of chunks(input.customerIds)) {
    await input.trx
      .updateTable('dispatch_documents')
      .set({ excluded: 0 })
      .where('dispatch_id', '=', input.id)
      .where('recipient_id', 'in', (eb) => eb.selectFrom('dispatch_recipients').select('id').where('dispatch_id', '=', input.id).where('customer_id', 'in', part))
      .execute();
  }
  await audit(input.trx, input.actor, 'dispatch.restoreRecipients', 'dispatch', input.id, { customerIds: input.customerIds });
  return { restored };
}

/**
 * One click for every blocking issue (the reference product makes users do this by hand every
 * time): recipients who cannot be e-mailed are removed; documents that cannot be sent (drafts,
 * cancelled, held by another dispatch) are taken out of their recipient, who keeps the others.
 */
export async function removeIneligible(input: { trx: Executor; actor: Actor; id: number }): Promise<{ removedCustomerIds: number[]; excludedDocumentIds: number[]; reasons: Partial<Record<RecipientIssueCode, number>> }> {
  const { trx, actor, id } = input;
  await lockDraft(trx, id);
  const removedCustomerIds: number[] = [];
  const excludedDocumentIds: number[] = [];
  // Recipients taken out or trimmed, each counted once under its first blocking reason
  // ("7 ohne E-Mail, 8 per Post, 29 bereits versendet").
  const reasons: Partial<Record<RecipientIssueCode, number>> = {};
  for await (const page of recipientPages(trx, id, { includeRemoved: false })) {
    for (const r of page) {
      const blocking = r.issues.filter((i) => i.severity === 'blocking');
      const first = blocking[0];
      if (first) reasons[first.code] = (reasons[first.code] ?? 0) + 1;
      if (blocking.some((i) => isCustomerLevelIssue(i.code))) {
        removedCustomerIds.push(r.customerId);
        continue;
      }
      const bad = new Set(blocking.flatMap((i) => i.documentIds ?? []));
      const left = r.documents.filter((d) => !d.excluded && !bad.has(d.id));
      if (left.length === 0) removedCustomerIds.push(r.customerId);
      else excludedDocumentIds.push(...bad);
    }
  }
  await setRemoved(trx, id, removedCustomerIds, 1);
  for (const part of chunks(excludedDocumentIds)) {
    await trx.updateTable('dispatch_documents').set({ excluded: 1 }).where('dispatch_id', '=', id).where('document_id', 'in', part).execute();
  }
  await audit(trx, actor, 'dispatch.removeIneligible', 'dispatch', id, { removedCustomerIds, excludedDocumentIds, reasons });
  return { removedCustomerIds, excludedDocumentIds, reasons };
}

/** Fixes a recipient's address in the dialog: the customer record changes (audited there too). */
export async function fixRecipientAddress(input: { trx: Executor; actor: Actor; id: number; customerId: number; email: string }): Promise<RecipientView> {
  const { trx, actor, id, customerId } = input;
  await lockDraft(trx, id);
  const [existing] = await loadRecipients(trx, id, { customerIds: [customerId] });
  if (!existing) throw notFound('recipient', customerId);
  await updateCustomer({ trx, actor, id: customerId, patch: { email: input.email } });
  await audit(trx, actor, 'dispatch.fixAddress', 'dispatch', id, { customerId });
  const [view] = await loadRecipients(trx, id, { customerIds: [customerId] });
  if (!view) throw notFound('recipient', customerId);
  return view;
}
