import { audit, type Actor } from '../commands/context.ts';
import { nowIso, type Db } from '../db/connection.ts';
import { AppError, conflict, type ErrorDetail } from '../domain/errors.ts';
import { isActiveDocumentViolation } from './constraints.ts';
import { loadDispatch, lockDispatch } from './dispatch-row.ts';
import { deliveryCounts } from './dispatch-view.ts';
import type { DispatchPorts } from './ports.ts';
import { queueDeliveries } from './queue.ts';
import { templateRenderFailures } from './preview.ts';
import { checkForSend } from './send-check.ts';

export interface SendOutcome {
  /** true when this request repeated an already accepted send (same idempotency key) */
  replay: boolean;
  deliveries: number;
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
  // Rendered for every recipient before anything is queued (outside the transaction: it reads,
  // and holding SQLite's write lock meanwhile would stall everyone else).
  const renderFailures = template && before.status === 'draft' ? await templateRenderFailures({ db, ports, id, template }) : [];
  try {
    return await db.kysely.transaction().execute(async (trx) => {
      const now = nowIso();
      // Two concurrent sends of one dispatch run one after the other, and so does a draft edit.
      await lockDispatch(trx, id, now);
      const d = await loadDispatch(trx, id);
      if (d.status !== 'draft') {
        if (input.idempotencyKey !== null && d.send_key === input.idempotencyKey) {
          const counts = await deliveryCounts(trx, id);
          return { replay: true, deliveries: counts.total };
        }
        throw conflict('dispatch.alreadySent', `dispatch ${id} is already ${d.status}`, { status: d.status });
      }
      // Checked as a whole with a few aggregate queries, then queued by INSERT … SELECT: nothing
      // per recipient travels through this process, and nothing is queued on any problem.
      const check = await checkForSend(trx, id);
      if (check.busy.customerIds.length > 0) {
        throw conflict('dispatch.documentInActiveDispatch', 'another dispatch is sending some of these documents', { customerIds: check.busy.customerIds, documentIds: check.busy.documentIds });
      }
      const problems: ErrorDetail[] = [];
      if (d.template_id === null || !template) problems.push({ code: 'dispatch.templateMissing', message: 'no template (Dokumentvorlage) chosen', field: 'templateId' });
      if (!mailer) problems.push({ code: 'smtp.notConfigured', message: 'no SMTP server (Postausgangsserver) configured' });
      if (check.recipients === 0) problems.push({ code: 'dispatch.noRecipients', message: 'no recipients left' });
      for (const [code, customerIds] of check.blocking) {
        problems.push({ code: `recipient.${code}`, message: `${customerIds.length} recipient(s): ${code}`, meta: { customerIds } });
      }
      if (renderFailures.length > 0) {
        problems.push({
          code: 'recipient.templateError',
          message: `the template cannot be rendered for ${renderFailures.length} recipient(s): ${renderFailures.slice(0, 3).map((f) => `${f.name} (${f.detail})`).join('; ')}`,
          meta: { customerIds: renderFailures.map((f) => f.customerId), failures: renderFailures.slice(0, 100) },
        });
      }
      if (problems.length > 0) {
        throw new AppError('incomplete', 'dispatch.incomplete', 'the dispatch is incomplete: fix or remove the listed recipients', { details: problems });
      }
      const created = await queueDeliveries(trx, { dispatchId: id, mode: d.mode, now, addresses: check.addresses });
      // No longer a draft: its documents are free for a new draft (which shows them as already
      // sent once they are; while they are being sent, as held by this dispatch).
      await trx.deleteFrom('dispatch_draft_documents').where('dispatch_id', '=', id).execute();
      const resent = await trx.selectFrom('deliveries').select('customer_id').where('dispatch_id', '=', id).where('resend', '=', 1).execute();
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
      await audit(trx, actor, 'dispatch.send', 'dispatch', id, { deliveries: created, recipients: check.recipients, mode: d.mode, resendCustomerIds: [...new Set(resent.map((r) => r.customer_id))] });
      return { replay: false, deliveries: created };
    });
  } catch (error) {
    if (isActiveDocumentViolation(error)) throw conflict('dispatch.documentInActiveDispatch', 'another dispatch started sending some of these documents', {});
    throw error;
  }
}
