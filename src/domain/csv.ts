/**
 * The one CSV writer of Faktura: every CSV the server or the web app writes goes through it (the
 * dispatch report, the evaluation list's export). Pure and without dependencies, so the web app
 * uses the same code (csv-stringify's ESM build needs Node's `Buffer`; its browser build brings an
 * 80 KB polyfill).
 *
 * Files are what German Excel opens by double-click: UTF-8 with a BOM, `;` between cells, CRLF.
 *
 * CSV injection (OWASP "CSV Injection"): a spreadsheet evaluates a cell that starts with
 * = + - @ (also their full-width forms) and some strip a leading tab or CR first. Such text gets a
 * leading apostrophe, which spreadsheets show as text. Because a user may open the file with
 * another separator (comma, tab) or a program may split it without honouring quotes, the same
 * applies to every piece of a cell that follows a `,`, `;`, tab or line break; and a text cell
 * that contains any of those is quoted, so that no separator splits it.
 *
 * Numbers stay numeric: a `number` is written as it is, and a string that is only a decimal number
 * ("-12,50", "1.234,56", "-3") is not prefixed (a spreadsheet reads it as a number; it cannot be
 * a formula).
 */

export type CsvCell = string | number | null | undefined;
export type CsvDelimiter = ';' | ',' | '\t';

export const CSV_BOM = '\uFEFF';
export const CSV_RECORD_END = '\r\n';

const NUMERIC = /^-?\d+(?:[.,]\d+)*$/;
/** A formula trigger at the start of the cell or after a separator, after optional spaces. */
const TRIGGER_AFTER_SEPARATOR = /(^|[,;\t\r\n])([ \u00a0]*)(?=[=+\-@\uff1d\uff0b\uff0d\uff20])/g;
const NEEDS_QUOTES = /[",;\t\r\n]/;

/** The text of a cell with every formula trigger neutralised (see above); numbers untouched. */
export function neutraliseFormula(text: string): string {
  if (NUMERIC.test(text)) return text;
  const safe = text.replace(TRIGGER_AFTER_SEPARATOR, "$1$2'");
  // A leading tab or CR is dropped by some spreadsheets, which then see what follows.
  return /^[\t\r]/.test(safe) ? `'${safe}` : safe;
}

export function csvCell(value: CsvCell, delimiter: CsvDelimiter = ';'): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (NUMERIC.test(value)) return value.includes(delimiter) ? `"${value}"` : value;
  const safe = neutraliseFormula(value);
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One record, ending with CRLF. */
export function csvRecord(cells: readonly CsvCell[], delimiter: CsvDelimiter = ';'): string {
  return cells.map((cell) => csvCell(cell, delimiter)).join(delimiter) + CSV_RECORD_END;
}

/** A whole file: BOM, header, rows. For long files, write `CSV_BOM` and `csvRecord`s as a stream. */
export function csvFile(header: readonly CsvCell[], rows: readonly (readonly CsvCell[])[], delimiter: CsvDelimiter = ';'): string {
  return CSV_BOM + csvRecord(header, delimiter) + rows.map((row) => csvRecord(row, delimiter)).join('');
}
