import type { Executor } from '../commands/context.ts';
import { notFound } from '../domain/errors.ts';
import type { DocumentSend } from '../http/api-types.ts';

/** Every delivery that carried a document, newest first: its send history ("when, to whom, which message id"). */
export async function documentSendHistory(db: Executor, documentId: number): Promise<DocumentSend[]> {
  const exists = await db.selectFrom('documents').select('id').where('id', '=', documentId).executeTakeFirst();
  if (!exists) throw notFound('document', documentId);
  const rows = await db
    .selectFrom('delivery_documents as dd')
    .innerJoin('deliveries as d', 'd.id', 'dd.delivery_id')
    .select(['d.dispatch_id', 'd.id', 'd.state', 'd.to_email', 'd.attempts', 'd.sent_at', 'd.last_attempt_at', 'd.message_id', 'd.smtp_response', 'd.error_code', 'd.error_message', 'd.created_at', 'd.resend'])
    .where('dd.document_id', '=', documentId)
    .orderBy('d.id', 'desc')
    .limit(200)
    .execute();
  return rows.map((r) => ({
    dispatchId: r.dispatch_id,
    deliveryId: r.id,
    state: r.state,
    to: r.to_email,
    attempts: r.attempts,
    sentAt: r.sent_at,
    lastAttemptAt: r.last_attempt_at,
    messageId: r.message_id,
    smtpResponse: r.smtp_response,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    createdAt: r.created_at,
    resend: r.resend === 1,
  }));
}
