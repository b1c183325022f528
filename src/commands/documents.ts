import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { SMALL_BUSINESS_NOTE, type Company } from '../domain/company.ts';
import {
  addDays,
  assertCancellable,
  assertEditable,
  assertFinalizable,
  computeTotals,
  creditNoteLines,
  defaultVatCategory,
  smallBusinessLines,
  quantityToMilli,
  validateLines,
  type DocumentLineInput,
  type DocumentStatus,
  type DocumentType,
} from '../domain/document.ts';
import { AppError, notFound } from '../domain/errors.ts';
import type { DocumentInput, DocumentPatch, LineInput } from '../domain/inputs.ts';
import type { DocumentCustomer, RenderableDocument } from '../domain/issued-document.ts';
import { formatDocumentNumber, issueDateNeedsConfirmation, parseDocumentNumber, sequenceYear } from '../domain/numbering.ts';
import type { DocumentListItem } from '../http/api-types.ts';
import { likeContains } from '../db/like.ts';
import { isIndexableWord, searchWords } from '../db/search.ts';
import type { DocumentLineRow, DocumentRow } from '../db/schema.ts';
import { getCompany } from './company.ts';
import { audit, type Actor, type Executor } from './context.ts';
import { documentCustomerFromRow, getCustomer } from './customers.ts';
import { listOpenCents, receivableConditions } from './payments.ts';
import { advanceSequenceTo, nextSequenceValue } from './sequences.ts';
import { databasePdfArchive } from '../pdf/archive.ts';
import { renderDocumentPdf } from '../pdf/render.ts';
import { buildFacturX } from '../pdf/facturx.ts';
import { validateFacturXSchema } from '../pdf/xsd.ts';
import { assertEn16931 } from '../domain/en16931.ts';

export interface DocumentWithLines extends DocumentRow {
  lines: DocumentLineRow[];
}

const today = (): string => new Date().toISOString().slice(0, 10);

export function toLineInputs(lines: readonly LineInput[]): DocumentLineInput[] {
  return lines.map((l, i) => ({
    description: l.description,
    quantityMilli: quantityToMilli(l.quantity, `lines[${i}].quantity`),
    unit: l.unit,
    unitPriceCents: l.unitPriceCents,
    vatRate: l.vatRate,
    vatCategory: l.vatCategory ?? defaultVatCategory(l.vatRate),
    exemptionReason: l.exemptionReason,
    discountBasisPoints: Math.round(l.discountPercent * 100),
  }));
}

function lineInputsFromRows(rows: readonly DocumentLineRow[]): DocumentLineInput[] {
  return rows.map((r) => ({
    description: r.description,
    quantityMilli: r.quantity_milli,
    unit: r.unit,
    unitPriceCents: r.unit_price_cents,
    vatRate: r.vat_rate,
    vatCategory: r.vat_category,
    exemptionReason: r.exemption_reason,
    discountBasisPoints: r.discount_bp,
  }));
}

async function writeLines(trx: Executor, documentId: number, lines: readonly DocumentLineInput[]): Promise<{ net: number; vat: number; gross: number }> {
  validateLines(lines);
  const totals = computeTotals(lines);
  await trx.deleteFrom('document_lines').where('document_id', '=', documentId).execute();
  if (totals.lines.length > 0) {
    await trx
      .insertInto('document_lines')
      .values(
        totals.lines.map((l, position) => ({
          document_id: documentId,
          position: position + 1,
          description: l.description,
          quantity_milli: l.quantityMilli,
          unit: l.unit,
          unit_price_cents: l.unitPriceCents,
          vat_rate: l.vatRate,
          vat_category: l.vatCategory,
          exemption_reason: l.exemptionReason,
          discount_bp: l.discountBasisPoints,
          net_cents: l.netCents,
        })),
      )
      .execute();
  }
  return { net: totals.netCents, vat: totals.vatCents, gross: totals.grossCents };
}

export async function getDocument(db: Executor, id: number): Promise<DocumentWithLines> {
  const row = await db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('document', id);
  const lines = await db.selectFrom('document_lines').selectAll().where('document_id', '=', id).orderBy('position').execute();
  return { ...row, lines };
}

export async function createDocument(input: { trx: Executor; actor: Actor; data: DocumentInput }): Promise<DocumentWithLines> {
  const { trx, actor, data } = input;
  const customer = await getCustomer(trx, data.customerId);
  const company = await getCompany(trx);
  const issueDate = data.issueDate ?? today();
  const terms = data.paymentTermsDays ?? company.paymentTermsDays;
  const now = new Date().toISOString();
  const typed = toLineInputs(data.lines);
  const lines = company.smallBusiness ? smallBusinessLines(typed, SMALL_BUSINESS_NOTE) : typed;
  validateLines(lines);
  const doc = await trx
    .insertInto('documents')
    .values({
      type: data.type,
      number: null,
      status: 'draft',
      customer_id: data.customerId,
      // The customer's language unless the document names one (PDF, its file name, the e-mail).
      language: data.language ?? customer.language,
      issue_date: issueDate,
      service_date: data.serviceDate,
      due_date: addDays(issueDate, terms),
      payment_terms_days: terms,
      intro_text: data.introText,
      closing_text: data.closingText,
      cancels_document_id: null,
      cancelled_by_document_id: null,
      net_cents: 0,
      vat_cents: 0,
      gross_cents: 0,
      customer_snapshot: null,
      company_snapshot: null,
      last_sent_at: null,
      last_sent_to: null,
      finalized_at: null,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const totals = await writeLines(trx, doc.id, lines);
  await trx.updateTable('documents').set({ net_cents: totals.net, vat_cents: totals.vat, gross_cents: totals.gross }).where('id', '=', doc.id).execute();
  await audit(trx, actor, 'document.create', 'document', doc.id, { type: data.type, customerId: data.customerId });
  return getDocument(trx, doc.id);
}

export async function updateDocument(input: { trx: Executor; actor: Actor; id: number; patch: DocumentPatch }): Promise<DocumentWithLines> {
  const { trx, actor, id, patch } = input;
  const current = await getDocument(trx, id);
  assertEditable(current.status, id);
  if (patch.customerId !== undefined) await getCustomer(trx, patch.customerId);
  const issueDate = patch.issueDate ?? current.issue_date;
  const terms = patch.paymentTermsDays ?? current.payment_terms_days;
  const update = {
    customer_id: patch.customerId ?? current.customer_id,
    language: patch.language ?? current.language,
    issue_date: issueDate,
    service_date: patch.serviceDate !== undefined ? patch.serviceDate : current.service_date,
    payment_terms_days: terms,
    due_date: addDays(issueDate, terms),
    intro_text: patch.introText !== undefined ? patch.introText : current.intro_text,
    closing_text: patch.closingText !== undefined ? patch.closingText : current.closing_text,
    updated_at: new Date().toISOString(),
  };
  let totals = { net_cents: current.net_cents, vat_cents: current.vat_cents, gross_cents: current.gross_cents };
  if (patch.lines !== undefined) {
    const typed = toLineInputs(patch.lines);
    const t = await writeLines(trx, id, (await getCompany(trx)).smallBusiness ? smallBusinessLines(typed, SMALL_BUSINESS_NOTE) : typed);
    totals = { net_cents: t.net, vat_cents: t.vat, gross_cents: t.gross };
  }
  await trx.updateTable('documents').set({ ...update, ...totals }).where('id', '=', id).execute();
  await audit(trx, actor, 'document.update', 'document', id, { fields: Object.keys(patch) });
  return getDocument(trx, id);
}

export async function deleteDraft(input: { trx: Executor; actor: Actor; id: number }): Promise<void> {
  const { trx, actor, id } = input;
  const current = await getDocument(trx, id);
  assertEditable(current.status, id);
  await trx.deleteFrom('documents').where('id', '=', id).execute();
  await audit(trx, actor, 'document.delete', 'document', id);
}

function numberPattern(company: Company, type: DocumentType): string {
  return type === 'invoice' ? company.invoiceNumberPattern : type === 'quote' ? company.quoteNumberPattern : company.creditNoteNumberPattern;
}

async function customerSnapshot(trx: Executor, customerId: number): Promise<DocumentCustomer> {
  return documentCustomerFromRow(await getCustomer(trx, customerId));
}

/**
 * Finalising assigns the next gap-free number for the document's type and year, freezes the
 * customer and company data as issued, and archives the PDF — all in one transaction, so a
 * failure leaves neither a used number nor a half-final document (GoBD).
 */
/**
 * `archivePdf: false` is for bulk finalisation (import, demo data): the caller then archives the
 * PDFs after commit with `archiveMissingPdfs`, which renders them on all cores from the same frozen
 * snapshots — the bytes are the same as if rendered here.
 */
export async function finalizeDocument(input: {
  trx: Executor;
  actor: Actor;
  id: number;
  givenNumber?: string;
  archivePdf?: boolean;
  /** The user confirmed an issue date in the future or further back than ISSUE_DATE_PAST_DAYS. */
  confirmIssueDate?: boolean;
}): Promise<DocumentWithLines> {
  const { trx, actor, id } = input;
  const current = await getDocument(trx, id);
  assertFinalizable(current.status, current.lines.length, id);
  if (input.givenNumber === undefined && input.confirmIssueDate !== true) {
    // GoBD: records are made in time; a typo in the year must not be archived forever unasked.
    const off = issueDateNeedsConfirmation(current.issue_date, today());
    if (off) {
      throw new AppError('incomplete', off === 'future' ? 'document.issueDateInFuture' : 'document.issueDateLongAgo', `the issue date ${current.issue_date} is ${off === 'future' ? 'in the future' : 'long ago'}; finalise again with confirmIssueDate: true if it is right`, {
        field: 'issueDate',
        meta: { issueDate: current.issue_date, today: today() },
      });
    }
  }
  if (current.type !== 'quote') assertEn16931(await buildRenderable(trx, id));
  await freezeAndNumber(trx, current, input.givenNumber);
  // PDF archive hook
  // GoBD: the PDF is rendered once, from the frozen snapshots, and archived in this transaction.
  if (input.archivePdf ?? true) await archiveValidated(trx, id);
  await audit(trx, actor, 'document.finalize', 'document', id);
  return getDocument(trx, id);
}

/** `givenNumber`: a document issued by another system and imported keeps its number. */
async function freezeAndNumber(trx: Executor, doc: DocumentRow, givenNumber?: string): Promise<void> {
  const company = await getCompany(trx);
  const number = givenNumber ?? (await nextFreeNumber(trx, company, doc.type, doc.issue_date));
  if (givenNumber !== undefined) await advancePastGivenNumber(trx, company, givenNumber);
  const { logo: _logo, ...companyWithoutLogo } = company;
  const now = new Date().toISOString();
  const updated = await trx
    .updateTable('documents')
    .set({
      status: 'final',
      number,
      customer_snapshot: JSON.stringify(await customerSnapshot(trx, doc.customer_id)),
      company_snapshot: JSON.stringify(companyWithoutLogo),
      finalized_at: now,
      updated_at: now,
    })
    .where('id', '=', doc.id)
    .where('status', '=', 'draft')
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) {
    throw new AppError('conflict', 'document.notDraft', `document ${doc.id} was finalised concurrently`);
  }
}

const DOCUMENT_TYPE_LIST: readonly DocumentType[] = ['invoice', 'quote', 'creditNote'];

async function numberTaken(trx: Executor, number: string): Promise<boolean> {
  // Across all types: an invoice and a credit note with one number would be a duplicate invoice number.
  return (await trx.selectFrom('documents').select('id').where('number', '=', number).limit(1).executeTakeFirst()) !== undefined;
}

/**
 * The next number of the type's sequence that no document carries yet. A number in the app's own
 * pattern can exist already when it was imported before imports advanced the counter, or written
 * by an older pattern; the counter then moves past the highest such number, once. Should it still
 * collide, the user is told what to change (409), never a database error (500).
 */
async function nextFreeNumber(trx: Executor, company: Company, type: DocumentType, issueDate: string): Promise<string> {
  const pattern = numberPattern(company, type);
  const year = sequenceYear(issueDate, pattern);
  const number = formatDocumentNumber(pattern, issueDate, await nextSequenceValue(trx, type, year));
  if (!(await numberTaken(trx, number))) return number;
  // Rare (only after such an import or pattern change), so reading every number is affordable.
  const candidates = await trx.selectFrom('documents').select('number').where('number', 'is not', null).execute();
  let highest = 0;
  for (const { number: existing } of candidates) {
    const parsed = existing === null ? null : parseDocumentNumber(pattern, existing);
    if (parsed && (parsed.year === null || sequenceYear(`${parsed.year}-01-01`, pattern) === year)) {
      highest = Math.max(highest, parsed.counter);
    }
  }
  await advanceSequenceTo(trx, type, year, highest);
  const retry = formatDocumentNumber(pattern, issueDate, await nextSequenceValue(trx, type, year));
  if (!(await numberTaken(trx, retry))) return retry;
  throw new AppError('conflict', 'document.numberCollision', `the next ${type} number ${retry} already exists; change the number pattern for this type in the company settings (e.g. another prefix)`, {
    field: `${type}NumberPattern`,
    meta: { number: retry },
  });
}

/** An imported number written in one of the app's own patterns moves that type's counter past it. */
async function advancePastGivenNumber(trx: Executor, company: Company, number: string): Promise<void> {
  for (const type of DOCUMENT_TYPE_LIST) {
    const pattern = numberPattern(company, type);
    const parsed = parseDocumentNumber(pattern, number);
    if (!parsed) continue;
    const year = parsed.year === null ? 0 : sequenceYear(`${String(parsed.year).padStart(4, '0')}-01-01`, pattern);
    await advanceSequenceTo(trx, type, year, parsed.counter);
  }
}

/**
 * Renders the issued document and archives its PDF, after its e-invoice XML passed the official
 * Factur-X/EN 16931 XSD: an XML with format errors makes the invoice a "sonstige Rechnung" (BMF,
 * 15 Oct 2025), and an archived document can never be corrected. A failure rolls the whole
 * finalisation back, number included.
 */
async function archiveValidated(trx: Executor, id: number): Promise<void> {
  const renderable = await buildRenderable(trx, id);
  if (renderable.type !== 'quote') {
    let result = await validateFacturXSchema(buildFacturX(renderable));
    if (result.valid && renderable.customer.leitwegId) result = await validateFacturXSchema(buildFacturX(renderable, { xrechnung: true }));
    if (!result.valid) {
      throw new AppError('incomplete', 'einvoice.schema', `the e-invoice XML does not pass the Factur-X/EN 16931 schema: ${result.errors.slice(0, 3).join(' | ')}`, {
        meta: { rule: 'XSD', errors: result.errors.slice(0, 10) },
      });
    }
  }
  await databasePdfArchive.store(trx, id, await renderDocumentPdf(renderable));
}

/**
 * The XRechnung XML of an issued invoice or credit note, from its frozen snapshots: the same bytes
 * every time. Only for customers with a Leitweg-ID (XRechnung needs the buyer reference, BR-DE-15).
 */
export async function documentXRechnung(db: Executor, id: number): Promise<{ xml: string; filename: string }> {
  const doc = await buildRenderable(db, id);
  if (doc.status === 'draft' || doc.number === null || doc.type === 'quote') {
    throw new AppError('conflict', 'document.notFinal', `document ${id} is not a final invoice or credit note; only those have an XRechnung`);
  }
  if (!doc.customer.leitwegId) {
    throw new AppError('conflict', 'document.noLeitwegId', `the customer of document ${id} had no Leitweg-ID when it was issued; its e-invoice is the Factur-X XML inside the PDF`);
  }
  return { xml: buildFacturX(doc, { xrechnung: true }), filename: `XRechnung_${doc.number.replace(/[^A-Za-z0-9._-]+/g, '-')}.xml` };
}

/** Cancelling a final invoice issues a credit note with the negated lines that references it (§14c UStG, GoBD: no deletion). */
export async function cancelDocument(input: { trx: Executor; actor: Actor; id: number }): Promise<{ invoice: DocumentWithLines; creditNote: DocumentWithLines }> {
  const { trx, actor, id } = input;
  const invoice = await getDocument(trx, id);
  assertCancellable(invoice.type, invoice.status, id);
  const now = new Date().toISOString();
  const issueDate = today();
  const created = await trx
    .insertInto('documents')
    .values({
      type: 'creditNote',
      number: null,
      status: 'draft',
      customer_id: invoice.customer_id,
      language: invoice.language,
      issue_date: issueDate,
      service_date: invoice.service_date,
      due_date: issueDate,
      payment_terms_days: 0,
      intro_text: null,
      closing_text: null,
      cancels_document_id: invoice.id,
      cancelled_by_document_id: null,
      net_cents: 0,
      vat_cents: 0,
      gross_cents: 0,
      customer_snapshot: null,
      company_snapshot: null,
      last_sent_at: null,
      last_sent_to: null,
      finalized_at: null,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const totals = await writeLines(trx, created.id, creditNoteLines(lineInputsFromRows(invoice.lines)));
  await trx.updateTable('documents').set({ net_cents: totals.net, vat_cents: totals.vat, gross_cents: totals.gross }).where('id', '=', created.id).execute();
  const creditDraft = await getDocument(trx, created.id);
  assertEn16931(await buildRenderable(trx, created.id));
  await freezeAndNumber(trx, creditDraft);
  // PDF archive hook (credit note)
  await archiveValidated(trx, created.id);
  const cancelled = await trx
    .updateTable('documents')
    .set({ status: 'cancelled', cancelled_by_document_id: created.id, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'final')
    .executeTakeFirst();
  if (Number(cancelled.numUpdatedRows) !== 1) throw new AppError('conflict', 'document.notFinal', `document ${id} was changed concurrently`);
  await audit(trx, actor, 'document.cancel', 'document', id, { creditNoteId: created.id });
  await audit(trx, actor, 'document.finalize', 'document', created.id, { cancels: id });
  return { invoice: await getDocument(trx, id), creditNote: await getDocument(trx, created.id) };
}

/** The data a PDF or e-invoice is rendered from: snapshots for issued documents, live data for drafts. */
export async function buildRenderable(db: Executor, id: number): Promise<RenderableDocument> {
  const doc = await getDocument(db, id);
  const company = await getCompany(db);
  const customer: DocumentCustomer = doc.customer_snapshot ? parseSnapshot<DocumentCustomer>(doc.customer_snapshot) : await customerSnapshot(db, doc.customer_id);
  const issuedCompany: Company = doc.company_snapshot ? { ...parseSnapshot<Omit<Company, 'logo'>>(doc.company_snapshot), logo: company.logo } : company;
  const totals = computeTotals(lineInputsFromRows(doc.lines));
  let cancels: RenderableDocument['cancels'] = null;
  if (doc.cancels_document_id !== null) {
    const original = await db.selectFrom('documents').select(['number', 'issue_date']).where('id', '=', doc.cancels_document_id).executeTakeFirst();
    if (original?.number) cancels = { number: original.number, issueDate: original.issue_date };
  }
  return {
    id: doc.id,
    type: doc.type,
    status: doc.status,
    number: doc.number,
    language: doc.language,
    issueDate: doc.issue_date,
    serviceDate: doc.service_date,
    dueDate: doc.due_date,
    paymentTermsDays: doc.payment_terms_days,
    introText: doc.intro_text,
    closingText: doc.closing_text,
    cancels,
    lines: totals.lines,
    vat: totals.vat,
    netCents: totals.netCents,
    vatCents: totals.vatCents,
    grossCents: totals.grossCents,
    currency: 'EUR',
    customer,
    company: issuedCompany,
  };
}

function parseSnapshot<T>(json: string): T {
  const value: T = JSON.parse(json);
  return value;
}

// ---- listing and filtering (shared with the dispatch, which selects by the same filter) ----

export interface DocumentFilter {
  type?: DocumentType[];
  status?: DocumentStatus[];
  dateFrom?: string;
  dateTo?: string;
  customerId?: number;
  sent?: boolean;
  amountMinCents?: number;
  amountMaxCents?: number;
  q?: string;
  /** receivables (issue 18): final invoices with something open / open and more than N days past the due date */
  open?: boolean;
  overdueDays?: number;
}

export const DOCUMENT_SORTS = ['issueDate', 'number', 'customer', 'total', 'status', 'lastSentAt', 'dueDate'] as const;
export type DocumentSort = (typeof DOCUMENT_SORTS)[number];

/**
 * The filter as one SQL condition over `documents as d`. It needs no join: the free text looks
 * up matching customers in a subquery, so counting 100,000 documents does not join customers.
 * Values are bound parameters; column names are fixed. Words of the free text that `search`
 * has resolved to documents (see `resolveSearch`) become a list of ids; the others are matched
 * by scanning. Both give the same documents.
 */
export function documentFilterCondition(filter: DocumentFilter, search?: ResolvedSearch): RawBuilder<SqlBool> | undefined {
  const conditions: RawBuilder<unknown>[] = [];
  const inList = (values: readonly string[]) => sql.join(values.map((v) => sql`${v}`));
  if (filter.type?.length) conditions.push(sql`d.type in (${inList(filter.type)})`);
  if (filter.status?.length) conditions.push(sql`d.status in (${inList(filter.status)})`);
  if (filter.dateFrom) conditions.push(sql`d.issue_date >= ${filter.dateFrom}`);
  if (filter.dateTo) conditions.push(sql`d.issue_date <= ${filter.dateTo}`);
  if (filter.customerId !== undefined) conditions.push(sql`d.customer_id = ${filter.customerId}`);
  if (filter.sent !== undefined) conditions.push(filter.sent ? sql`d.last_sent_at is not null` : sql`d.last_sent_at is null`);
  if (filter.amountMinCents !== undefined) conditions.push(sql`d.gross_cents >= ${filter.amountMinCents}`);
  if (filter.amountMaxCents !== undefined) conditions.push(sql`d.gross_cents <= ${filter.amountMaxCents}`);
  conditions.push(...receivableConditions(filter));
  if (search && search.words.size > 0) {
    conditions.push(search.documentIds.length > 0 ? sql`d.id in (${sql.join(search.documentIds)})` : sql`1 = 0`);
  }
  for (const word of searchWords(filter.q)) {
    if (search?.words.has(word)) continue;
    conditions.push(
      sql`(d.customer_id in (select id from customers where ${likeContains('search_text', word)}) or ${likeContains(sql`lower(coalesce(d.number, ''))`, word)})`,
    );
  }
  return conditions.length > 0 ? sql<SqlBool>`(${sql.join(conditions, sql` and `)})` : undefined;
}

/** Free-text words looked up through the trigram indexes, and the documents matching all of them. */
export interface ResolvedSearch {
  words: ReadonlySet<string>;
  documentIds: readonly number[];
}

/**
 * Beyond this many matching customers or documents a word is matched by scanning instead. A
 * list page reads documents in list order until it is full, so for a broad word (say the year
 * of an invoice number while it is being typed) that is soon; fetching and sorting every match
 * costs about as much per document. For a narrow word (a name, a complete number) the index
 * wins by far. bench/list.ts at 100,000 documents: with 40,000 matches the index path took 2–4
 * times as long as the scan; with 5,500 it was faster on SQLite and slower on PostgreSQL.
 */
export const MAX_INDEXED_MATCHES = 2000;

/**
 * Resolves the words of the free text that the trigram indexes (migration 0005) narrow down to
 * at most MAX_INDEXED_MATCHES customers and documents into the ids of the documents matching
 * all of them: a document matches a word if its customer's search text or its number contains
 * it. The indexes are asked first because neither database can estimate how many rows an FTS5
 * table or a trigram pattern yields; a query built to look the matches up would otherwise be
 * slow for broad words, one built to scan slow for narrow ones.
 */
export async function resolveSearch(db: Executor, q: string | undefined): Promise<ResolvedSearch> {
  const words = new Set<string>();
  let documentIds: Set<number> | undefined;
  const limit = MAX_INDEXED_MATCHES + 1;
  for (const word of searchWords(q)) {
    if (!isIndexableWord(word) || words.has(word)) continue;
    const pattern = `%${word}%`;
    const customers = await sql<{ id: number }>`select customer_id as id from customer_search where search_text like ${pattern} limit ${limit}`.execute(db);
    if (customers.rows.length > MAX_INDEXED_MATCHES) continue;
    const byCustomer = customers.rows.length > 0 ? sql`select id from documents where customer_id in (${sql.join(customers.rows.map((c) => c.id))}) union all ` : sql``;
    const documents = await sql<{ id: number }>`${byCustomer}select document_id as id from document_search where number like ${pattern} limit ${limit}`.execute(db);
    if (documents.rows.length > MAX_INDEXED_MATCHES) continue;
    const ids = new Set(documents.rows.map((d) => Number(d.id)));
    documentIds = documentIds ? new Set([...documentIds].filter((id) => ids.has(id))) : ids;
    words.add(word);
  }
  return { words, documentIds: [...(documentIds ?? [])] };
}

/** Documents (as `d`) joined with their customers (as `c`), filtered. */
export function filteredDocuments(db: Executor, filter: DocumentFilter, search?: ResolvedSearch) {
  const condition = documentFilterCondition(filter, search);
  const query = db.selectFrom('documents as d').innerJoin('customers as c', 'c.id', 'd.customer_id');
  return condition ? query.where(condition) : query;
}

export async function countDocuments(db: Executor, filter: DocumentFilter, search?: ResolvedSearch): Promise<number> {
  const condition = documentFilterCondition(filter, search);
  const query = db.selectFrom('documents as d').select((eb) => eb.fn.countAll<number>().as('total'));
  const row = await (condition ? query.where(condition) : query).executeTakeFirstOrThrow();
  return Number(row.total);
}

export async function listDocuments(
  db: Executor,
  filter: DocumentFilter,
  paging: { page: number; pageSize: number; sort: DocumentSort; order: 'asc' | 'desc' },
): Promise<{ items: DocumentListItem[]; total: number }> {
  const search = await resolveSearch(db, filter.q);
  const base = filteredDocuments(db, filter, search);
  const sortColumn = {
    issueDate: 'd.issue_date',
    number: 'd.number',
    customer: sql<string>`coalesce(c.company_name, c.last_name)`,
    total: 'd.gross_cents',
    status: 'd.status',
    lastSentAt: 'd.last_sent_at',
    dueDate: 'd.due_date',
  } as const;
  const [rows, count] = await Promise.all([
    base
      .select([
        'd.id',
        'd.type',
        'd.number',
        'd.status',
        'd.issue_date',
        'd.due_date',
        'd.customer_id',
        'c.number as customer_number',
        'c.first_name',
        'c.last_name',
        'c.company_name',
        'c.email',
        'c.invoice_by_post',
        'd.net_cents',
        'd.gross_cents',
        'd.last_sent_at',
        'd.last_sent_to',
        'd.paid_cents',
      ])
      .orderBy(sortColumn[paging.sort], paging.order)
      .orderBy('d.id', paging.order)
      .limit(paging.pageSize)
      .offset((paging.page - 1) * paging.pageSize)
      .execute(),
    countDocuments(db, filter, search),
  ]);
  return {
    total: count,
    items: rows.map((r) => ({
      id: r.id,
      type: r.type,
      number: r.number,
      status: r.status,
      issueDate: r.issue_date,
      dueDate: r.due_date,
      customerId: r.customer_id,
      customerNumber: r.customer_number,
      customerName: r.company_name ?? [r.first_name, r.last_name].filter(Boolean).join(' '),
      customerEmail: r.email,
      invoiceByPost: r.invoice_by_post === 1,
      netCents: r.net_cents,
      grossCents: r.gross_cents,
      lastSentAt: r.last_sent_at,
      lastSentTo: r.last_sent_to,
      openCents: listOpenCents(r),
    })),
  };
}
