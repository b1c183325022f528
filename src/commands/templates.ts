import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { TemplatesTable } from '../db/schema.ts';
import { AppError, notFound } from '../domain/errors.ts';
import { multiLineText, singleLineText } from '../domain/text-input.ts';
import type { TemplatePreview } from '../http/api-types.ts';
import { buildTemplateContext, sampleTemplateContext, type TemplateContext } from '../mail/templates/context.ts';
import { DEFAULT_TEMPLATES } from '../mail/templates/defaults.ts';
import { renderNotification, validateTemplate, TEMPLATE_LIMITS } from '../mail/templates/engine.ts';
import { getCompany } from './company.ts';
import { getCustomer } from './customers.ts';
import { audit, type Actor, type Executor } from './context.ts';

/** Use cases of Dokumentvorlagen (notification templates). Admins write, everyone reads. */

export type TemplateRow = Selectable<TemplatesTable>;

export const TEMPLATE_KINDS = ['customerNotification'] as const;

export const templateInput = z.strictObject({
  name: singleLineText({ min: 1, max: 120 }),
  kind: z.enum(TEMPLATE_KINDS).default('customerNotification'),
  language: z.enum(['de', 'en']).default('de'),
  subject: singleLineText({ max: 1_000, trim: false }),
  body: multiLineText({ max: TEMPLATE_LIMITS.parseLimit, trim: false }),
  active: z.boolean().default(true),
});
export type TemplateInput = z.infer<typeof templateInput>;

export async function listTemplates(db: Executor, query: { kind?: TemplateRow['kind']; active?: boolean; language?: 'de' | 'en' }): Promise<TemplateRow[]> {
  let q = db.selectFrom('templates').selectAll().orderBy('name').orderBy('id');
  if (query.kind) q = q.where('kind', '=', query.kind);
  if (query.active !== undefined) q = q.where('active', '=', query.active ? 1 : 0);
  if (query.language) q = q.where('language', '=', query.language);
  return q.execute();
}

export async function getTemplate(db: Executor, id: number): Promise<TemplateRow> {
  const row = await db.selectFrom('templates').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('template', id);
  return row;
}

async function assertNameFree(trx: Executor, name: string, exceptId?: number): Promise<void> {
  let q = trx.selectFrom('templates').select('id').where('name', '=', name);
  if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
  if (await q.executeTakeFirst()) throw new AppError('conflict', 'template.nameTaken', `a template named "${name}" already exists`, { field: 'name' });
}

export async function createTemplate(input: { trx: Executor; actor: Actor; data: TemplateInput }): Promise<TemplateRow> {
  const { trx, actor, data } = input;
  await validateTemplate(data);
  await assertNameFree(trx, data.name);
  const now = new Date().toISOString();
  const row = await trx
    .insertInto('templates')
    .values({ name: data.name, kind: data.kind, language: data.language, subject: data.subject, body: data.body, active: data.active ? 1 : 0, created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
  await audit(trx, actor, 'template.create', 'template', row.id, { name: row.name });
  return row;
}

export async function updateTemplate(input: { trx: Executor; actor: Actor; id: number; data: TemplateInput }): Promise<TemplateRow> {
  const { trx, actor, id, data } = input;
  await getTemplate(trx, id);
  await validateTemplate(data);
  await assertNameFree(trx, data.name, id);
  await trx
    .updateTable('templates')
    .set({ name: data.name, kind: data.kind, language: data.language, subject: data.subject, body: data.body, active: data.active ? 1 : 0, updated_at: new Date().toISOString() })
    .where('id', '=', id)
    .execute();
  await audit(trx, actor, 'template.update', 'template', id, { name: data.name });
  return getTemplate(trx, id);
}

/**
 * A template chosen in an open dispatch cannot be deleted (it would fail at "Senden");
 * deactivate it instead. Sent dispatches keep their own copy of the text.
 */
export async function deleteTemplate(input: { trx: Executor; actor: Actor; id: number }): Promise<void> {
  const { trx, actor, id } = input;
  const row = await getTemplate(trx, id);
  const inUse = await trx.selectFrom('dispatches').select('id').where('template_id', '=', id).where('status', 'in', ['draft', 'sending', 'paused']).executeTakeFirst();
  if (inUse) throw new AppError('conflict', 'template.inUse', 'the template is chosen in an open dispatch; deactivate it instead', { meta: { dispatchId: inUse.id } });
  await trx.deleteFrom('templates').where('id', '=', id).execute();
  await audit(trx, actor, 'template.delete', 'template', id, { name: row.name });
}

/** Creates the starting templates when there are none at all (new installation, demo). */
export async function ensureDefaultTemplates(input: { trx: Executor; actor: Actor }): Promise<number> {
  const existing = await input.trx.selectFrom('templates').select('id').limit(1).executeTakeFirst();
  if (existing) return 0;
  for (const t of DEFAULT_TEMPLATES) await createTemplate({ trx: input.trx, actor: input.actor, data: { ...t, kind: 'customerNotification', active: true } });
  return DEFAULT_TEMPLATES.length;
}

export interface PreviewInput {
  template: { subject: string; body: string; language: 'de' | 'en' };
  customerId?: number | undefined;
  documentIds?: number[] | undefined;
}

/** The context for one customer and some of their documents, as a dispatch would render it. */
export async function contextForCustomer(db: Executor, customerId: number | undefined, documentIds: readonly number[], language: 'de' | 'en'): Promise<TemplateContext> {
  const documents =
    documentIds.length === 0
      ? []
      : await db
          .selectFrom('documents')
          .select(['id', 'type', 'number', 'issue_date', 'due_date', 'gross_cents', 'customer_id'])
          .where('id', 'in', [...documentIds])
          .orderBy('issue_date')
          .orderBy('id')
          .execute();
  const missing = documentIds.filter((id) => !documents.some((d) => d.id === id));
  if (missing.length > 0) throw notFound('document', missing.join(', '));
  const owner = customerId ?? documents[0]?.customer_id;
  if (owner === undefined) throw new AppError('validation', 'template.previewCustomerMissing', 'choose a customer or documents for the preview', { field: 'customerId' });
  // A preview must never mix customers: that is exactly the mistake the real send must not make.
  if (documents.some((d) => d.customer_id !== owner)) {
    throw new AppError('validation', 'template.previewMixedCustomers', 'all documents of a preview must belong to the same customer', { field: 'documentIds' });
  }
  const customer = await getCustomer(db, owner);
  const company = await getCompany(db);
  const settings = await db.selectFrom('mail_settings').select('from_name').where('id', '=', 1).executeTakeFirst();
  return buildTemplateContext({
    customer: {
      number: customer.number,
      salutation: customer.salutation,
      firstName: customer.first_name,
      lastName: customer.last_name,
      companyName: customer.company_name,
      street: customer.street,
      postcode: customer.postcode,
      city: customer.city,
      country: customer.country,
      email: customer.email,
    },
    documents: documents.map((d) => ({ type: d.type, number: d.number, issueDate: d.issue_date, dueDate: d.due_date, grossCents: d.gross_cents })),
    company,
    senderName: settings?.from_name ?? company.name,
    language,
  });
}

export async function previewTemplate(db: Executor, input: PreviewInput): Promise<TemplatePreview> {
  const ids = input.documentIds ?? [];
  const sample = input.customerId === undefined && ids.length === 0;
  const context = sample ? sampleTemplateContext(input.template.language) : await contextForCustomer(db, input.customerId, ids, input.template.language);
  return { ...(await renderNotification(input.template, context)), sample };
}
