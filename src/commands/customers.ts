import { sql } from 'kysely';
import { customerNameRule, formatCustomerNumber } from '../domain/customer.ts';
import { AppError, conflict, notFound } from '../domain/errors.ts';
import { likeContains } from '../db/like.ts';
import type { CustomerInput, CustomerPatch } from '../domain/inputs.ts';
import type { CustomerRow } from '../db/schema.ts';
import type { DocumentCustomer } from '../domain/issued-document.ts';
import { audit, type Actor, type Executor } from './context.ts';
import { nextSequenceValue } from './sequences.ts';

export function customerSearchText(c: { number: string; first_name: string | null; last_name: string | null; company_name: string | null; email: string | null; city: string | null }): string {
  return [c.number, c.first_name, c.last_name, c.company_name, c.email, c.city].filter(Boolean).join(' ').toLowerCase();
}

function assertNamed(c: { firstName: string | null; lastName: string | null; companyName: string | null; salutation: string | null }, row?: number): void {
  if (!customerNameRule(c)) {
    throw new AppError('validation', 'customer.nameMissing', 'a customer needs a last name or a company name', { field: 'lastName', ...(row === undefined ? {} : { row }) });
  }
}

async function assertNumberFree(trx: Executor, number: string, exceptId?: number): Promise<void> {
  let query = trx.selectFrom('customers').select('id').where('number', '=', number);
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  if (await query.executeTakeFirst()) {
    throw new AppError('conflict', 'customer.numberTaken', `customer number ${number} is already in use`, { field: 'number' });
  }
}

/** Customer numbers are assigned from a counter unless given; a given number must be unique. */
async function assignNumber(trx: Executor, given: string | undefined): Promise<string> {
  if (given !== undefined) {
    await assertNumberFree(trx, given);
    return given;
  }
  for (;;) {
    const candidate = formatCustomerNumber(await nextSequenceValue(trx, 'customer', 0));
    const taken = await trx.selectFrom('customers').select('id').where('number', '=', candidate).executeTakeFirst();
    if (!taken) return candidate;
  }
}

export async function createCustomer(input: { trx: Executor; actor: Actor; data: CustomerInput }): Promise<CustomerRow> {
  const { trx, actor, data } = input;
  assertNamed(data);
  const number = await assignNumber(trx, data.number);
  const now = new Date().toISOString();
  const values = {
    number,
    salutation: data.salutation,
    first_name: data.firstName,
    last_name: data.lastName,
    company_name: data.companyName,
    street: data.street,
    postcode: data.postcode,
    city: data.city,
    country: data.country,
    email: data.email,
    invoice_by_post: data.invoiceByPost ? 1 : 0,
    ...(data.language === undefined ? {} : { language: data.language }),
    email_consent_at: data.emailConsentAt,
    vat_id: data.vatId,
    leitweg_id: data.leitwegId ?? null,
    notes: data.notes,
    created_at: now,
    updated_at: now,
  } as const;
  const row = await trx
    .insertInto('customers')
    .values({ ...values, search_text: customerSearchText(values) })
    .returningAll()
    .executeTakeFirstOrThrow();
  await audit(trx, actor, 'customer.create', 'customer', row.id, { number });
  return row;
}

export const DOCUMENT_CUSTOMER_COLUMNS = ['id', 'number', 'salutation', 'first_name', 'last_name', 'company_name', 'street', 'postcode', 'city', 'country', 'email', 'vat_id', 'leitweg_id'] as const;

/** The customer as addressed on a document or in a message. */
export function documentCustomerFromRow(c: Pick<CustomerRow, (typeof DOCUMENT_CUSTOMER_COLUMNS)[number]>): DocumentCustomer {
  return {
    id: c.id,
    number: c.number,
    salutation: c.salutation,
    firstName: c.first_name,
    lastName: c.last_name,
    companyName: c.company_name,
    street: c.street,
    postcode: c.postcode,
    city: c.city,
    country: c.country,
    email: c.email,
    vatId: c.vat_id,
    leitwegId: c.leitweg_id,
  };
}

export async function getCustomer(db: Executor, id: number): Promise<CustomerRow> {
  const row = await db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('customer', id);
  return row;
}

export async function updateCustomer(input: { trx: Executor; actor: Actor; id: number; patch: CustomerPatch }): Promise<CustomerRow> {
  const { trx, actor, id, patch } = input;
  const current = await getCustomer(trx, id);
  const merged = {
    salutation: patch.salutation !== undefined ? patch.salutation : current.salutation,
    firstName: patch.firstName !== undefined ? patch.firstName : current.first_name,
    lastName: patch.lastName !== undefined ? patch.lastName : current.last_name,
    companyName: patch.companyName !== undefined ? patch.companyName : current.company_name,
  };
  assertNamed(merged);
  if (patch.number !== undefined && patch.number !== current.number) await assertNumberFree(trx, patch.number, id);
  const next = {
    number: patch.number ?? current.number,
    salutation: merged.salutation,
    first_name: merged.firstName,
    last_name: merged.lastName,
    company_name: merged.companyName,
    street: patch.street !== undefined ? patch.street : current.street,
    postcode: patch.postcode !== undefined ? patch.postcode : current.postcode,
    city: patch.city !== undefined ? patch.city : current.city,
    country: patch.country ?? current.country,
    email: patch.email !== undefined ? patch.email : current.email,
    invoice_by_post: patch.invoiceByPost === undefined ? current.invoice_by_post : patch.invoiceByPost ? 1 : 0,
    language: patch.language ?? current.language,
    email_consent_at: patch.emailConsentAt !== undefined ? patch.emailConsentAt : current.email_consent_at,
    vat_id: patch.vatId !== undefined ? patch.vatId : current.vat_id,
    leitweg_id: patch.leitwegId !== undefined ? patch.leitwegId : current.leitweg_id,
    notes: patch.notes !== undefined ? patch.notes : current.notes,
  } as const;
  const row = await trx
    .updateTable('customers')
    .set({ ...next, search_text: customerSearchText(next), updated_at: new Date().toISOString() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const changed = Object.keys(patch).filter((k) => k !== 'notes');
  await audit(trx, actor, 'customer.update', 'customer', id, { fields: changed });
  return row;
}

export async function deleteCustomer(input: { trx: Executor; actor: Actor; id: number }): Promise<void> {
  const { trx, actor, id } = input;
  const customer = await getCustomer(trx, id);
  const documents = await trx
    .selectFrom('documents')
    .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.sum<number>(sql`case when status = 'draft' then 0 else 1 end`).as('issued')])
    .where('customer_id', '=', id)
    .executeTakeFirstOrThrow();
  if (Number(documents.issued ?? 0) > 0) {
    // GoBD: issued documents must stay attributable to their recipient for the retention period.
    throw conflict('customer.hasFinalDocuments', `customer ${customer.number} has final documents and cannot be deleted`);
  }
  await trx.deleteFrom('documents').where('customer_id', '=', id).execute();
  await trx.deleteFrom('customers').where('id', '=', id).execute();
  await audit(trx, actor, 'customer.delete', 'customer', id, { number: customer.number });
}

export const CUSTOMER_SORTS = ['number', 'name', 'email', 'city', 'createdAt'] as const;
export type CustomerSort = (typeof CUSTOMER_SORTS)[number];

export interface CustomerQuery {
  q?: string;
  invoiceByPost?: boolean;
  hasEmail?: boolean;
  page: number;
  pageSize: number;
  sort: CustomerSort;
  order: 'asc' | 'desc';
}

export async function listCustomers(db: Executor, query: CustomerQuery): Promise<{ items: CustomerRow[]; total: number }> {
  let base = db.selectFrom('customers');
  if (query.q) {
    for (const word of query.q.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 5)) {
      base = base.where(likeContains('search_text', word));
    }
  }
  if (query.invoiceByPost !== undefined) base = base.where('invoice_by_post', '=', query.invoiceByPost ? 1 : 0);
  if (query.hasEmail !== undefined) base = query.hasEmail ? base.where('email', 'is not', null) : base.where('email', 'is', null);
  const sortColumn = {
    number: 'number',
    name: sql<string>`coalesce(company_name, last_name)`,
    email: 'email',
    city: 'city',
    createdAt: 'created_at',
  } as const;
  const [items, count] = await Promise.all([
    base
      .selectAll()
      .orderBy(sortColumn[query.sort], query.order)
      .orderBy('id', query.order)
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(count.total) };
}

