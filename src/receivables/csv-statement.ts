import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { cleanText, contentKey, decimalToCents, normalizeIban, statementError, type ParsedEntry, type ParsedStatement } from './statement.ts';

/**
 * The CSV fallback for banks (or exports) without camt.053: Sparkasse, Volksbank, Deutsche Bank,
 * DKB, ING, Postbank and online-banking programs all write "Umsätze" as CSV, each with its own
 * header and often a few lines of account data above it, in UTF-8 or Windows-1252, with `;` and
 * German numbers. Columns are found by their usual headers or named in a mapping.
 */

export const CSV_FIELDS = ['date', 'valueDate', 'amount', 'text', 'name', 'iban', 'currency', 'reference'] as const;
export type CsvField = (typeof CSV_FIELDS)[number];
export type CsvMapping = Partial<Record<CsvField, string>>;

const normalize = (h: string): string =>
  h
    .trim()
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .replace(/\s+/g, ' ');

/** Usual headers, normalised (umlauts spelled out, lower case), most specific first. */
const ALIASES: Record<CsvField, string[]> = {
  date: ['buchungstag', 'buchungsdatum', 'buchung', 'datum', 'booking date', 'date'],
  valueDate: ['valutadatum', 'valuta', 'wertstellung', 'value date'],
  amount: ['betrag (eur)', 'betrag (€)', 'betrag', 'umsatz in eur', 'umsatz', 'amount'],
  text: ['verwendungszweck', 'vorgang/verwendungszweck', 'buchungsdetails', 'remittance', 'purpose', 'reference text'],
  name: ['beguenstigter/zahlungspflichtiger', 'name zahlungsbeteiligter', 'zahlungspflichtige*r', 'zahlungspflichtiger', 'auftraggeber / beguenstigter', 'auftraggeber/empfaenger', 'auftraggeber', 'empfaenger', 'name', 'payer', 'counterparty'],
  iban: ['kontonummer/iban', 'iban zahlungsbeteiligter', 'iban auftraggeber', 'iban', 'kontonummer'],
  currency: ['waehrung', 'currency'],
  reference: ['kundenreferenz (end-to-end)', 'kundenreferenz', 'end-to-end-referenz', 'referenz', 'bankreferenz'],
};

function decode(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    // Many banks still export Windows-1252 ("ANSI"); its Ä, ö, ß are single bytes that are not UTF-8.
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/** `27.11.2026`, `27.11.26`, `2026-11-27` → `2026-11-27`. */
function toIsoDate(value: string): string | undefined {
  const v = value.trim();
  const german = /^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})$/.exec(v);
  let iso: string | undefined;
  if (german) {
    const [, d = '', m = '', y = ''] = german;
    iso = `${y.length === 2 ? `20${y}` : y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  } else if (/^\d{4}-\d{2}-\d{2}$/.test(v)) iso = v;
  if (!iso) return undefined;
  const date = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(iso) ? iso : undefined;
}

function findColumn(header: string[], field: CsvField, mapping: CsvMapping): number {
  const wanted = mapping[field];
  if (wanted !== undefined) return header.indexOf(normalize(wanted));
  for (const alias of ALIASES[field]) {
    const index = header.indexOf(alias);
    if (index >= 0) return index;
  }
  return -1;
}

export function parseCsvStatement(bytes: Buffer, mapping: CsvMapping = {}): ParsedStatement {
  const text = decode(bytes);
  if (text.trim() === '') throw statementError('bank.fileEmpty', 'the file is empty');
  const lines = text.split(/\r?\n/);
  // The header is the first line that has a date and an amount column; lines above it are the
  // bank's account data ("Kontonummer:;DE…", "Zeitraum:;…").
  let headerLine = -1;
  let delimiter = ';';
  let header: string[] = [];
  for (let i = 0; i < Math.min(lines.length, 30); i++) {
    const line = lines[i] ?? '';
    const d = (line.match(/;/g)?.length ?? 0) >= (line.match(/,/g)?.length ?? 0) ? ';' : line.includes('\t') ? '\t' : ',';
    let cells: string[];
    try {
      cells = (parse(line, { delimiter: d, relax_quotes: true, relax_column_count: true })[0] ?? []).map(normalize);
    } catch {
      continue;
    }
    if (findColumn(cells, 'date', mapping) >= 0 && findColumn(cells, 'amount', mapping) >= 0) {
      headerLine = i;
      delimiter = d;
      header = cells;
      break;
    }
  }
  if (headerLine < 0) {
    const wanted = [mapping.date ?? 'Buchungstag', mapping.amount ?? 'Betrag'].map((h) => `"${h}"`).join(' and ');
    throw statementError('bank.csvHeaderMissing', `no header line with the columns ${wanted} found in the first 30 lines; name the columns in the mapping`, { line: 1 });
  }
  const indexes = new Map(CSV_FIELDS.map((f) => [f, findColumn(header, f, mapping)]));
  const column = (field: CsvField): number => indexes.get(field) ?? -1;
  for (const field of CSV_FIELDS) {
    if (mapping[field] !== undefined && column(field) < 0) {
      throw statementError('bank.csvColumnMissing', `the column "${mapping[field]}" (${field}) is not in the header`, { line: headerLine + 1 });
    }
  }

  let records: string[][];
  try {
    records = parse(lines.slice(headerLine + 1).join('\n'), { delimiter, relax_column_count: true, skip_empty_lines: false, trim: true });
  } catch (error) {
    const at = error instanceof Error && 'lines' in error && typeof error.lines === 'number' ? headerLine + 1 + error.lines : undefined;
    throw statementError('bank.csvMalformed', `the CSV cannot be read: ${error instanceof Error ? error.message : String(error)}`, at ? { line: at } : {});
  }

  const entries: ParsedEntry[] = [];
  const seen = new Map<string, number>();
  let fromDate: string | null = null;
  let toDate: string | null = null;
  records.forEach((cells, index) => {
    const line = headerLine + 2 + index;
    if (cells.every((c) => c === '')) return;
    const cell = (field: CsvField): string => cells[column(field)] ?? '';
    const rawDate = cell('date');
    // Closing lines such as "Kontostand;27.11.2026;;1.234,56" have a date but no counterparty; skip lines without an amount.
    const rawAmount = cell('amount');
    if (rawAmount === '' && rawDate === '') return;
    const bookingDate = toIsoDate(rawDate);
    if (!bookingDate) throw statementError('bank.csvDate', `"${rawDate}" in column ${header[column('date')] ?? 'date'} is not a date (31.12.2026 or 2026-12-31)`, { line });
    const amount = decimalToCents(rawAmount, /,\d{1,2}$/.test(rawAmount.trim()) || !rawAmount.includes('.') ? ',' : '.');
    if (amount === undefined) throw statementError('bank.csvAmount', `"${rawAmount}" in column ${header[column('amount')] ?? 'amount'} is not an amount`, { line });
    const valueDate = column('valueDate') >= 0 ? (toIsoDate(cell('valueDate')) ?? null) : null;
    const currency = cell('currency').toUpperCase() || 'EUR';
    const name = cleanText(cell('name'), 200);
    const iban = normalizeIban(cell('iban'));
    const remittance = cleanText(cell('text'));
    const reference = cleanText(cell('reference'), 200);
    if (!fromDate || bookingDate < fromDate) fromDate = bookingDate;
    if (!toDate || bookingDate > toDate) toDate = bookingDate;
    entries.push({
      entryKey: contentKey('csv', [bookingDate, amount, currency, name, iban, remittance, reference], seen),
      bookingDate,
      valueDate,
      amountCents: amount,
      currency,
      counterpartyName: name,
      counterpartyIban: iban,
      remittance,
      endToEndId: reference && reference !== 'NOTPROVIDED' ? reference : null,
      bankReference: null,
      reversal: false,
      where: `line ${line}`,
    });
  });
  return {
    format: 'csv',
    statementKey: `csv:${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}`,
    accountIban: null,
    statementRef: null,
    fromDate,
    toDate,
    entries,
    pending: 0,
  };
}
