import { parse } from 'csv-parse/sync';
import type { z } from 'zod';
import { AppError, isAppError, type ErrorDetail } from '../domain/errors.ts';
import { customerInput, documentInput, type CustomerInput } from '../domain/inputs.ts';
import { parseMoneyToCents } from '../domain/money.ts';
import { audit, type Actor, type Executor } from './context.ts';
import { createCustomer } from './customers.ts';
import { createDocument, finalizeDocument, toLineInputs } from './documents.ts';
import { validateLines } from '../domain/document.ts';
import { forbiddenCharacter, forbiddenCharacterMessage } from '../domain/text-input.ts';
import { decodeCsv, type CsvEncoding, type DecodedEncoding } from './import-encoding.ts';

/**
 * CSV import as German spreadsheet programs export it: UTF-8 (with or without BOM) or Windows-1252
 * (./import-encoding.ts), `;` or `,`
 * separated, German or English headers. Every row is validated first; on any error nothing is
 * written and the answer lists each bad row (1-based, the header is row 1) with field and reason.
 */

export interface ImportReport {
  dryRun: boolean;
  /** how the file was read (`auto` resolved) */
  encoding: DecodedEncoding;
  rows: number;
  created: number;
  errors: ErrorDetail[];
}

const CUSTOMER_COLUMNS: Record<string, keyof CustomerInput> = {
  number: 'number', kundennummer: 'number', kundennr: 'number',
  salutation: 'salutation', anrede: 'salutation',
  firstname: 'firstName', vorname: 'firstName',
  lastname: 'lastName', nachname: 'lastName', name: 'lastName',
  companyname: 'companyName', firma: 'companyName', company: 'companyName',
  street: 'street', strasse: 'street', straße: 'street',
  postcode: 'postcode', plz: 'postcode', zip: 'postcode',
  city: 'city', ort: 'city', stadt: 'city',
  country: 'country', land: 'country',
  email: 'email', 'e-mail': 'email', mail: 'email',
  invoicebypost: 'invoiceByPost', 'rechnung per post': 'invoiceByPost', rechnungperpost: 'invoiceByPost',
  emailconsentat: 'emailConsentAt', 'e-mail-einwilligung': 'emailConsentAt', einwilligung: 'emailConsentAt',
  vatid: 'vatId', 'ust-idnr': 'vatId', ustid: 'vatId',
  notes: 'notes', notizen: 'notes', bemerkung: 'notes',
};

const DOCUMENT_COLUMNS = {
  reference: ['reference', 'beleg', 'belegreferenz', 'ref'],
  number: ['number', 'nummer', 'belegnummer', 'rechnungsnummer'],
  type: ['type', 'typ', 'art'],
  status: ['status'],
  customerNumber: ['customernumber', 'kundennummer', 'kundennr'],
  issueDate: ['issuedate', 'datum', 'rechnungsdatum', 'belegdatum'],
  serviceDate: ['servicedate', 'leistungsdatum'],
  paymentTermsDays: ['paymenttermsdays', 'zahlungsziel'],
  description: ['description', 'beschreibung', 'bezeichnung', 'text'],
  quantity: ['quantity', 'menge', 'anzahl'],
  unit: ['unit', 'einheit'],
  unitPrice: ['unitprice', 'einzelpreis', 'preis', 'einzelpreis netto'],
  vatRate: ['vatrate', 'ust', 'mwst', 'steuersatz', 'ust-satz'],
  exemptionReason: ['exemptionreason', 'befreiungsgrund', 'steuerbefreiung'],
  discountPercent: ['discountpercent', 'rabatt'],
} as const;
type DocumentColumn = keyof typeof DOCUMENT_COLUMNS;

const normalizeHeader = (h: string): string => h.trim().toLowerCase().replace(/\s+/g, ' ').replace(/_/g, '');

/** `rows[i]` is line i + 2 of the file; empty lines are `null`. */
function parseCsv(bytes: Buffer, encoding: CsvEncoding): { header: string[]; rows: (string[] | null)[]; encoding: DecodedEncoding } {
  const { text, encoding: decodedAs } = decodeCsv(bytes, encoding);
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) >= (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  let records: string[][];
  try {
    // Keep empty lines (filtered below) so that record i is line i + 1 of the file for error reports;
    // rows consisting only of delimiters (";;;" left by spreadsheets) count as empty too.
    records = parse(text, { delimiter, bom: true, skip_empty_lines: false, relax_column_count: true, trim: true });
  } catch (error) {
    const line = error instanceof Error && 'lines' in error && typeof error.lines === 'number' ? error.lines : undefined;
    throw new AppError('validation', 'import.csvMalformed', `CSV cannot be read${line ? ` at line ${line}` : ''}: ${error instanceof Error ? error.message : String(error)}`, line ? { row: line } : {});
  }
  const [header, ...rows] = records;
  if (!header || header.every((h) => h === '')) throw new AppError('validation', 'import.empty', 'the file is empty');
  return { header: header.map(normalizeHeader), rows: rows.map((cells) => (cells.every((c) => c === '') ? null : cells)), encoding: decodedAs };
}

const truthy = (v: string): boolean => ['1', 'ja', 'yes', 'true', 'x', 'wahr', 'j', 'y'].includes(v.trim().toLowerCase());

/** A schema check with its own code (src/domain/text-input.ts) keeps it; other issues are `import.fieldInvalid`. */
function issueCode(issue: z.core.$ZodIssue): string {
  const code: unknown = issue.code === 'custom' ? issue.params?.['code'] : undefined;
  return typeof code === 'string' ? code : 'import.fieldInvalid';
}

function zodIssuesToDetails(error: z.ZodError, row: number, prefix = ''): ErrorDetail[] {
  return error.issues.map((issue) => {
    const field = prefix + issue.path.join('.');
    return { code: issueCode(issue), message: `row ${row}: ${field} ${issue.message}`, field, row };
  });
}

/** German dates (31.12.2026) are accepted besides ISO dates. */
function normalizeDate(value: string): string {
  const german = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(value.trim());
  if (!german) return value.trim();
  const [, d = '', m = '', y = ''] = german;
  return `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
}

/** A customer file read and checked row by row, before any database access (./import.ts). */
export interface PreparedCustomerImport {
  encoding: DecodedEncoding;
  rows: number;
  errors: ErrorDetail[];
  parsed: { row: number; data: CustomerInput }[];
  /** customer number → the row it is in */
  numbers: Map<string, number>;
}

/** Statements take at most this many values in an `IN (…)` list: SQLite allows 32,766 variables. */
const IN_CHUNK = 1000;
/** Rows checked between two turns of the event loop, so other requests are answered meanwhile. */
const ROWS_PER_TURN = 2000;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Parses and checks a customer file without the database, giving the event loop a turn every
 * few thousand rows; the caller does this before opening the import's transaction, so the
 * database connection (SQLite has one) is not held while a large file is read.
 */
export async function prepareCustomerImport(input: { csv: Buffer; encoding?: CsvEncoding }): Promise<PreparedCustomerImport> {
  const { header, rows, encoding } = parseCsv(input.csv, input.encoding ?? 'auto');
  const columns = header.map((h) => CUSTOMER_COLUMNS[h]);
  if (!columns.includes('lastName') && !columns.includes('companyName')) {
    throw new AppError('validation', 'import.columnMissing', `a column "Nachname" (lastName) or "Firma" (companyName) is required; found: ${header.join(', ')}. Is the file separated by ";" or ","?`, { row: 1, field: 'lastName' });
  }
  const errors: ErrorDetail[] = [];
  const parsed: { row: number; data: CustomerInput }[] = [];
  const seenNumbers = new Map<string, number>();
  let count = 0;
  for (let index = 0; index < rows.length; index++) {
    if (index % ROWS_PER_TURN === ROWS_PER_TURN - 1) await nextTurn();
    const cells = rows[index];
    const row = index + 2;
    if (!cells) continue;
    count++;
    // the cells are no longer needed once checked: memory stays at one copy of the file's data
    rows[index] = null;
    const raw: Record<string, unknown> = {};
    columns.forEach((key, i) => {
      const value = cells[i]?.trim() ?? '';
      if (!key || value === '') return;
      raw[key] = key === 'invoiceByPost' ? truthy(value) : key === 'emailConsentAt' ? normalizeDate(value) : value;
    });
    const result = customerInput.safeParse(raw);
    if (!result.success) {
      errors.push(...zodIssuesToDetails(result.error, row));
      continue;
    }
    if (!result.data.lastName && !result.data.companyName) {
      errors.push({ code: 'customer.nameMissing', message: `row ${row}: a last name or a company name is required`, field: 'lastName', row });
      continue;
    }
    if (result.data.number) {
      const earlier = seenNumbers.get(result.data.number);
      if (earlier !== undefined) {
        errors.push({ code: 'customer.numberTaken', message: `row ${row}: customer number ${result.data.number} also appears in row ${earlier}`, field: 'number', row });
        continue;
      }
      seenNumbers.set(result.data.number, row);
    }
    parsed.push({ row, data: result.data });
  }
  return { encoding, rows: count, errors, parsed, numbers: seenNumbers };
}

/** Values of `column` among `values` that exist in `table`, asked in chunks (no "too many SQL variables"). */
async function existingValues(trx: Executor, table: 'customers' | 'documents', values: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (let i = 0; i < values.length; i += IN_CHUNK) {
    const chunk = values.slice(i, i + IN_CHUNK);
    const rows = await trx.selectFrom(table).select('number').where('number', 'in', chunk).execute();
    for (const { number } of rows) if (number !== null) found.push(number);
  }
  return found;
}

export async function importCustomers(input: { trx: Executor; actor: Actor; dryRun: boolean } & ({ csv: Buffer; encoding?: CsvEncoding } | { prepared: PreparedCustomerImport })): Promise<ImportReport> {
  const { trx, actor, dryRun } = input;
  const prepared = 'prepared' in input ? input.prepared : await prepareCustomerImport(input);
  const { encoding, parsed, numbers } = prepared;
  const errors = [...prepared.errors];
  for (const number of await existingValues(trx, 'customers', [...numbers.keys()])) {
    const row = numbers.get(number) ?? 0;
    errors.push({ code: 'customer.numberTaken', message: `row ${row}: customer number ${number} already exists`, field: 'number', row });
  }
  return finish({ trx, actor, errors, dryRun, encoding, rows: prepared.rows, entity: 'customer' }, async () => {
    for (let i = 0; i < parsed.length; i++) {
      const item = parsed[i];
      if (item) await createCustomer({ trx, actor, data: item.data });
      // Inserts resolve as microtasks (better-sqlite3 is synchronous): give timers and other
      // requests a turn now and then. On SQLite they still wait for this transaction's connection.
      if (i % ROWS_PER_TURN === ROWS_PER_TURN - 1) await nextTurn();
    }
    return parsed.length;
  });
}

async function finish(
  ctx: { trx: Executor; actor: Actor; errors: ErrorDetail[]; dryRun: boolean; encoding: DecodedEncoding; rows: number; entity: string },
  write: () => Promise<number>,
): Promise<ImportReport> {
  const errors = [...ctx.errors].sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
  if (errors.length > 0 && !ctx.dryRun) {
    const first = errors[0];
    throw new AppError('validation', 'import.rowsInvalid', `${errors.length} problem(s) found; nothing was imported`, {
      details: errors,
      ...(first?.row !== undefined ? { row: first.row } : {}),
      ...(first?.field !== undefined ? { field: first.field } : {}),
    });
  }
  if (ctx.dryRun) return { dryRun: true, encoding: ctx.encoding, rows: ctx.rows, created: 0, errors };
  const created = await write();
  await audit(ctx.trx, ctx.actor, `import.${ctx.entity}s`, ctx.entity, null, { rows: ctx.rows, created });
  return { dryRun: false, encoding: ctx.encoding, rows: ctx.rows, created, errors: [] };
}

interface PendingDocument {
  firstRow: number;
  reference: string;
  number: string | null;
  type: 'invoice' | 'quote';
  final: boolean;
  customerNumber: string;
  issueDate: string | undefined;
  serviceDate: string | undefined;
  paymentTermsDays: number | undefined;
  lines: { row: number; raw: Record<string, unknown> }[];
}

/**
 * One row per document line; rows with the same reference (or number) form one document.
 * Documents with status "final" are finalised after import (numbered from our sequence);
 * a given number is kept for documents that were issued by another system.
 */
export async function importDocuments(input: { trx: Executor; actor: Actor; csv: Buffer; dryRun: boolean; encoding?: CsvEncoding }): Promise<ImportReport> {
  const { trx, actor, csv, dryRun } = input;
  const { header, rows, encoding } = parseCsv(csv, input.encoding ?? 'auto');
  const aliases: Record<DocumentColumn, readonly string[]> = DOCUMENT_COLUMNS;
  const positions = new Map<DocumentColumn, number>();
  const index = (key: DocumentColumn): number => {
    let position = positions.get(key);
    if (position === undefined) {
      position = header.findIndex((h) => aliases[key].includes(h));
      positions.set(key, position);
    }
    return position;
  };
  const required: DocumentColumn[] = ['customerNumber', 'description', 'quantity', 'unitPrice', 'vatRate'];
  const missing = required.filter((k) => index(k) < 0);
  const noReference = index('reference') < 0 && index('number') < 0;
  if (missing.length > 0 || noReference) {
    const names = [...missing, ...(noReference ? ['reference'] : [])];
    throw new AppError('validation', 'import.columnMissing', `missing column(s): ${names.join(', ')}; found: ${header.join(', ')}. Is the file separated by ";" or ","?`, { row: 1, field: names[0] ?? 'reference' });
  }
  const cell = (cells: string[], key: DocumentColumn): string => (index(key) >= 0 ? (cells[index(key)]?.trim() ?? '') : '');
  const errors: ErrorDetail[] = [];
  const documents = new Map<string, PendingDocument>();
  rows.forEach((cells, i) => {
    const row = i + 2;
    if (!cells) return;
    const reference = cell(cells, 'reference') || cell(cells, 'number');
    if (!reference) {
      errors.push({ code: 'import.fieldInvalid', message: `row ${row}: reference is empty`, field: 'reference', row });
      return;
    }
    // These cells are looked up and stored as they are, without a schema: the same text rule applies.
    for (const key of ['reference', 'number', 'customerNumber'] as const) {
      const found = forbiddenCharacter(cell(cells, key), 'singleLine');
      if (found) {
        errors.push({ code: found.code, message: `row ${row}: ${key} ${forbiddenCharacterMessage(found)}`, field: key, row, meta: { character: found.character } });
        return;
      }
    }
    const typeText = cell(cells, 'type').toLowerCase();
    const type = typeText === '' || ['invoice', 'rechnung'].includes(typeText) ? 'invoice' : ['quote', 'angebot'].includes(typeText) ? 'quote' : undefined;
    if (!type) {
      errors.push({ code: 'import.fieldInvalid', message: `row ${row}: type must be Rechnung/invoice or Angebot/quote`, field: 'type', row });
      return;
    }
    const statusText = cell(cells, 'status').toLowerCase();
    if (!['', 'draft', 'entwurf', 'final', 'festgeschrieben'].includes(statusText)) {
      errors.push({ code: 'import.fieldInvalid', message: `row ${row}: status must be draft/Entwurf or final/festgeschrieben`, field: 'status', row });
      return;
    }
    const unitPrice = parseMoneyToCents(cell(cells, 'unitPrice'));
    const quantity = Number(cell(cells, 'quantity').replace(/\./g, '').replace(',', '.'));
    const vatRate = Number(cell(cells, 'vatRate').replace('%', '').replace(',', '.'));
    const discount = cell(cells, 'discountPercent');
    const raw: Record<string, unknown> = {
      description: cell(cells, 'description'),
      quantity,
      unit: cell(cells, 'unit') || 'Stk',
      unitPriceCents: unitPrice ?? Number.NaN,
      vatRate,
      exemptionReason: cell(cells, 'exemptionReason') || null,
      discountPercent: discount ? Number(discount.replace('%', '').replace(',', '.')) : 0,
    };
    if (unitPrice === undefined) {
      errors.push({ code: 'import.fieldInvalid', message: `row ${row}: unitPrice "${cell(cells, 'unitPrice')}" is not an amount`, field: 'unitPrice', row });
      return;
    }
    let doc = documents.get(reference);
    if (!doc) {
      const terms = cell(cells, 'paymentTermsDays');
      doc = {
        firstRow: row,
        reference,
        number: cell(cells, 'number') || null,
        type,
        final: statusText === 'final' || statusText === 'festgeschrieben',
        customerNumber: cell(cells, 'customerNumber'),
        issueDate: cell(cells, 'issueDate') ? normalizeDate(cell(cells, 'issueDate')) : undefined,
        serviceDate: cell(cells, 'serviceDate') ? normalizeDate(cell(cells, 'serviceDate')) : undefined,
        paymentTermsDays: terms ? Number(terms) : undefined,
        lines: [],
      };
      documents.set(reference, doc);
    }
    doc.lines.push({ row, raw });
  });

  const customerNumbers = [...new Set([...documents.values()].map((d) => d.customerNumber).filter(Boolean))];
  const customers: { id: number; number: string }[] = [];
  for (let i = 0; i < customerNumbers.length; i += IN_CHUNK) {
    customers.push(...(await trx.selectFrom('customers').select(['id', 'number']).where('number', 'in', customerNumbers.slice(i, i + IN_CHUNK)).execute()));
  }
  const customerIds = new Map(customers.map((c) => [c.number, c.id]));
  const givenNumbers = [...documents.values()].filter((d) => d.number).map((d) => d.number ?? '');
  const takenNumbers = new Set(await existingValues(trx, 'documents', givenNumbers));

  const valid: { doc: PendingDocument; data: z.output<typeof documentInput> }[] = [];
  for (const doc of documents.values()) {
    const customerId = customerIds.get(doc.customerNumber);
    if (customerId === undefined) {
      errors.push({ code: 'customer.notFound', message: `row ${doc.firstRow}: customer number "${doc.customerNumber}" does not exist`, field: 'customerNumber', row: doc.firstRow });
      continue;
    }
    if (doc.number && takenNumbers.has(doc.number)) {
      errors.push({ code: 'document.numberTaken', message: `row ${doc.firstRow}: document number ${doc.number} already exists`, field: 'number', row: doc.firstRow });
      continue;
    }
    const result = documentInput.safeParse({
      type: doc.type,
      customerId,
      ...(doc.issueDate ? { issueDate: doc.issueDate } : {}),
      ...(doc.serviceDate ? { serviceDate: doc.serviceDate } : {}),
      ...(doc.paymentTermsDays !== undefined ? { paymentTermsDays: doc.paymentTermsDays } : {}),
      lines: doc.lines.map((l) => l.raw),
    });
    if (!result.success) {
      for (const issue of result.error.issues) {
        const [first, lineIndex, ...rest] = issue.path;
        const row = first === 'lines' && typeof lineIndex === 'number' ? (doc.lines[lineIndex]?.row ?? doc.firstRow) : doc.firstRow;
        const field = first === 'lines' ? rest.join('.') : issue.path.join('.');
        errors.push({ code: issueCode(issue), message: `row ${row}: ${field} ${issue.message}`, field, row });
      }
      continue;
    }
    try {
      validateLines(toLineInputs(result.data.lines));
    } catch (error) {
      if (!isAppError(error)) throw error;
      const [, lineIndex, field = ''] = /^lines\[(\d+)\]\.(\w+)/.exec(error.field ?? '') ?? [];
      const row = doc.lines[Number(lineIndex)]?.row ?? doc.firstRow;
      errors.push({ code: error.code, message: `row ${row}: ${error.message.replace(/lines\[\d+\]\./, '')}`, field, row });
      continue;
    }
    valid.push({ doc, data: result.data });
  }

  return finish({ trx, actor, errors, dryRun, encoding, rows: rows.filter(Boolean).length, entity: 'document' }, async () => {
    for (const { doc, data } of valid) {
      try {
        const created = await createDocument({ trx, actor, data });
        // Imported records are history: their dates are what they were.
        if (doc.final) await finalizeDocument({ trx, actor, id: created.id, archivePdf: false, confirmIssueDate: true, ...(doc.number ? { givenNumber: doc.number } : {}) });
      } catch (error) {
        if (isAppError(error)) {
          throw new AppError(error.kind, error.code, `row ${doc.firstRow}: ${error.message}; nothing was imported`, { row: doc.firstRow, ...(error.field ? { field: error.field } : {}) });
        }
        throw error;
      }
    }
    return valid.length;
  });
}
