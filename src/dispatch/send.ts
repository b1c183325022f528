import { audit, type Actor, type Executor } from '../commands/context.ts';
import { nowIso, type Db } from '../db/connection.ts';
import { planDeliveries, type DispatchMode, type RecipientIssueCode } from '../domain/dispatch.ts';
import { AppError, conflict, type ErrorDetail } from '../domain/errors.ts';
import { chunks } from './chunks.ts';
import { isActiveDocumentViolation } from './constraints.ts';
import { loadDispatch } from './dispatch-row.ts';
import { deliveryCounts } from './dispatch-view.ts';
import type { DispatchPorts } from './ports.ts';
import { recipientPages, type RecipientView } from './recipients.ts';

export interface SendOutcome {
  /** true when this request repeated an already accepted send (same idempotency key) */
  replay: boolean;
  deliveries: number;
}

/** Creates the deliveries (and their document links) of checked recipients; returns how many. */
async function insertDeliveries(trx: Executor, id: number, mode: DispatchMode, recipients: readonly RecipientView[], now: string): Promise<number> {
  const plans = planDeliveries(
    mode,
    recipients.map((r) => ({ recipientId: r.recipientId, customerId: r.customerId, documentIds: r.documents.filter((x) => !x.excluded).map((x) => x.id) })),
  );
  const byRecipient = new Map(recipients.map((r) => [r.recipientId, r]));
  // Insert in rounds in which each recipient appears once, so the returned (id, recipient)
  // pairs map back to their plan without relying on the order of RETURNING.
  const rounds: (typeof plans)[] = [];
  const seen = new Map<number, number>();
  for (const p of plans) {
    const round = seen.get(p.recipientId) ?? 0;
    seen.set(p.recipientId, round + 1);
    (rounds[round] ??= []).push(p);
  }
  let created = 0;
  for (const round of rounds) {
    for (const part of chunks(round)) {
      const rows = await trx
        .insertInto('deliveries')
        .values(
          part.map((p) => {
            const r = byRecipient.get(p.recipientId);
            return {
              dispatch_id: id,
              recipient_id: p.recipientId,
              customer_id: p.customerId,
              state: 'queued' as const,
              attempts: 0,
              next_attempt_at: now,
              lease_owner: null,
              lease_until: null,
              to_email: (r?.email ?? '').trim(),
              to_name: r?.name ?? '',
              created_at: now,
              updated_at: now,
            };
          }),
        )
        .returning(['id', 'recipient_id'])
        .execute();
      const planOf = new Map(part.map((p) => [p.recipientId, p]));
      const links = rows.flatMap((row) => (planOf.get(row.recipient_id)?.documentIds ?? []).map((documentId) => ({ delivery_id: row.id, document_id: documentId, dispatch_id: id, active: 1 as const })));
      for (const linkPart of chunks(links)) await trx.insertInto('delivery_documents').values(linkPart).execute();
      created += rows.length;
    }
  }
  return created;
}

/**
 * Senden. Validates the whole dispatch and, in the same transaction, creates one delivery per
 * e-mail (the outbox); workers pick them up only after this commits. Problems answer 422 with
 * every problem and its customers (the Unvollständigkeitshinweis) and queue nothing. A repeat
 * with the same idempotency key answers as the first did; any other second send gets 409.
 */
export async function sendDispatch(input: { db: Db; ports: DispatchPorts; actor: Actor; id: number; idempotencyKey: string | null }): Promise<SendOutcome> {
  const { db, ports, actor, id } = input;
  const mailer = await ports.openMailer(db.kysely);
  mailer?.close();
  // The template is read before the transaction (it may come from another module's storage);
  // its snapshot is stored with the dispatch so later edits of the template change nothing.
  const before = await loadDispatch(db.kysely, id);
  const template = before.template_id === null ? undefined : await ports.loadTemplate(db.kysely, before.template_id);
  try {
    return await db.kysely.transaction().execute(async (trx) => {
      const now = nowIso();
      // Lock the dispatch first: a no-op update takes the row lock on PostgreSQL and the write
      // lock on SQLite, so two concurrent sends of one dispatch run one after the other.
      await trx.updateTable('dispatches').set({ updated_at: now }).where('id', '=', id).execute();
      const d = await loadDispatch(trx, id);
      if (d.status !== 'draft') {
        if (input.idempotencyKey !== null && d.send_key === input.idempotencyKey) {
          const counts = await deliveryCounts(trx, id);
          return { replay: true, deliveries: counts.total };
        }
        throw conflict('dispatch.alreadySent', `dispatch ${id} is already ${d.status}`, { status: d.status });
      }
      // Validated and queued a page of recipients at a time (memory stays flat for 100,000). Pages
      // are inserted while no problem has turned up; any problem found later rolls all of it back.
      const busyCustomerIds: number[] = [];
      const busyDocumentIds: number[] = [];
      const byCode = new Map<RecipientIssueCode, number[]>();
      const cannotSend = d.template_id === null || !template || !mailer;
      let recipientCount = 0;
      let created = 0;
      for await (const page of recipientPages(trx, id, { includeRemoved: false })) {
        recipientCount += page.length;
        for (const r of page) {
          for (const issue of r.issues) {
            if (issue.code === 'documentInActiveDispatch') {
              busyCustomerIds.push(r.customerId);
              busyDocumentIds.push(...(issue.documentIds ?? []));
            }
            if (issue.severity !== 'blocking') continue;
            const list = byCode.get(issue.code) ?? [];
            list.push(r.customerId);
            byCode.set(issue.code, list);
          }
        }
        if (!cannotSend && busyCustomerIds.length === 0 && byCode.size === 0) created += await insertDeliveries(trx, id, d.mode, page, now);
      }
      if (busyCustomerIds.length > 0) {
        throw conflict('dispatch.documentInActiveDispatch', 'another dispatch is sending some of these documents', { customerIds: [...new Set(busyCustomerIds)], documentIds: busyDocumentIds });
      }
      const problems: ErrorDetail[] = [];
      if (d.template_id === null || !template) problems.push({ code: 'dispatch.templateMissing', message: 'no template (Dokumentvorlage) chosen', field: 'templateId' });
      if (!mailer) problems.push({ code: 'smtp.notConfigured', message: 'no SMTP server (Postausgangsserver) configured' });
      if (recipientCount === 0) problems.push({ code: 'dispatch.noRecipients', message: 'no recipients left' });
      for (const [code, customerIds] of byCode) {
        problems.push({ code: `recipient.${code}`, message: `${customerIds.length} recipient(s): ${code}`, meta: { customerIds } });
      }
      if (problems.length > 0) {
        throw new AppError('incomplete', 'dispatch.incomplete', 'the dispatch is incomplete: fix or remove the listed recipients', { details: problems });
      }
      await trx
        .updateTable('dispatches')
        .set({
          status: 'sending',
          send_key: input.idempotencyKey,
          send_requested_at: now,
          template_snapshot: template ? JSON.stringify({ id: template.id, name: template.name, language: template.language, subject: template.subject, body: template.body }) : null,
          consecutive_failures: 0,
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
      await audit(trx, actor, 'dispatch.send', 'dispatch', id, { deliveries: created, recipients: recipientCount, mode: d.mode });
      return { replay: false, deliveries: created };
    });
  } catch (error) {
    if (isActiveDocumentViolation(error)) throw conflict('dispatch.documentInActiveDispatch', 'another dispatch started sending some of these documents', {});
    throw error;
  }
}
