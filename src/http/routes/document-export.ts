import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DOCUMENT_SORTS } from '../../commands/documents.ts';
import { PRACTICE_TIME_ZONE } from '../../domain/receivables.ts';
import { CSV_BOM, csvRecord, type CsvDelimiter } from '../../domain/csv.ts';
import { singleLineText } from '../../domain/text-input.ts';
import { documentExportRows, exportLabels, formatExportDate, formatExportDateTime, isTimeZone, type ExportCell, type ExportLocale, type ExportSelection } from '../../exports/documents-export.ts';
import { requireActor, staffOnly } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { documentSelectionBody } from '../schemas.ts';

/** How many documents an export by id may name (the list's own selection; "all matching" has no limit). */
export const MAX_EXPORT_IDS = 10_000;

const exportQuery = z.strictObject({
  format: z.enum(['csv', 'xlsx']).default('csv'),
  sort: z.enum(DOCUMENT_SORTS).default('issueDate'),
  order: z.enum(['asc', 'desc']).default('desc'),
  /** the language of the words, dates and numbers; the user's own language when left out */
  locale: z.enum(['de', 'en']).optional(),
  /** the user's time zone for the send times (IANA name, e.g. from the browser); the practice's when left out */
  tz: singleLineText({ max: 64 }).refine(isTimeZone, 'unknown time zone').optional(),
});

/** CSV through the one CSV writer (src/domain/csv.ts): a UTF-8 BOM, then records separated as the language's Excel expects (`;` and decimal comma in German). */
async function* csvChunks(rows: AsyncGenerator<ExportCell[][]>, locale: ExportLocale, timeZone: string): AsyncGenerator<string> {
  const delimiter: CsvDelimiter = locale === 'de' ? ';' : ',';
  let out = CSV_BOM;
  for await (const page of rows) {
    for (const row of page) {
      out += csvRecord(
        row.map((cell) => {
          if ('cents' in cell) {
            // A decimal string, which the writer leaves a number (a credit note's -12,50 is never text).
            const value = (cell.cents / 100).toFixed(2);
            return locale === 'de' ? value.replace('.', ',') : value;
          }
          if ('date' in cell) return formatExportDate(cell.date, locale);
          if ('dateTime' in cell) return formatExportDateTime(cell.dateTime, locale, timeZone);
          return cell.text;
        }),
        delimiter,
      );
    }
    yield out;
    out = '';
  }
}

/** XLSX, written as a stream: amounts as numbers in €, dates and send times as Excel dates (the wall-clock time of the user's zone). */
function xlsxStream(rows: AsyncGenerator<ExportCell[][]>, locale: ExportLocale, timeZone: string): Readable {
  const stream = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useStyles: true });
  const sheet = workbook.addWorksheet(exportLabels(locale).sheet, { views: [{ state: 'frozen', ySplit: 1 }] });
  const dateFormat = locale === 'de' ? 'dd.mm.yyyy' : 'dd/mm/yyyy';
  const asWallClock = (iso: string) => {
    // Excel has no time zones: the cell holds the local time of `timeZone` as if it were UTC.
    const [date = '', time = ''] = formatExportDateTime(iso, 'de', timeZone).split(' ');
    const [d, m, y] = date.split('.');
    return new Date(`${y}-${m}-${d}T${time}:00Z`);
  };
  void (async () => {
    let header = true;
    for await (const page of rows) {
      for (const row of page) {
        const added = sheet.addRow(
          row.map((cell) => ('cents' in cell ? cell.cents / 100 : 'date' in cell ? new Date(`${cell.date.slice(0, 10)}T00:00:00Z`) : 'dateTime' in cell ? asWallClock(cell.dateTime) : cell.text)),
        );
        if (header) added.font = { bold: true };
        else
          row.forEach((cell, i) => {
            const target = added.getCell(i + 1);
            if ('cents' in cell) target.numFmt = '#,##0.00 "€";-#,##0.00 "€"';
            else if ('date' in cell) target.numFmt = dateFormat;
            else if ('dateTime' in cell) target.numFmt = `${dateFormat} hh:mm`;
          });
        added.commit();
        header = false;
      }
    }
    sheet.columns.forEach((column, i) => {
      column.width = [14, 14, 12, 14, 36, 32, 10, 12, 12, 16, 18, 32][i] ?? 14;
    });
    sheet.commit();
    await workbook.commit();
  })().catch((error: unknown) => stream.destroy(error instanceof Error ? error : new Error(String(error))));
  return stream;
}

/**
 * POST /api/documents/export: the selected documents of Auswertungen (by id, or everything
 * matching the filter except the unticked ones) as CSV or XLSX, in the user's language,
 * generated and streamed by the server page by page.
 */
export const documentExportRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.db.kysely;

    app.post(
      '/api/documents/export',
      {
        preValidation: staffOnly,
        schema: {
          tags: ['documents'],
          summary: 'Export the selected documents as CSV (German Excel: BOM, semicolons, decimal comma) or XLSX, in the list order, in the user’s language',
          querystring: exportQuery,
          body: documentSelectionBody(MAX_EXPORT_IDS),
        },
      },
      async (request, reply) => {
        const actor = requireActor(request);
        const { format, sort, order } = request.query;
        const user = request.query.locale === undefined && actor.userId !== null ? await db.selectFrom('users').select('locale').where('id', '=', actor.userId).executeTakeFirst() : undefined;
        const locale: ExportLocale = request.query.locale ?? user?.locale ?? 'de';
        const timeZone = request.query.tz ?? PRACTICE_TIME_ZONE;
        const selection: ExportSelection = request.body;
        const rows = documentExportRows(db, selection, { sort, order }, locale);
        const day = new Date().toISOString().slice(0, 10);
        const name = `${exportLabels(locale).file}-${day}.${format}`;
        reply.header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store');
        if (format === 'xlsx') return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(xlsxStream(rows, locale, timeZone));
        return reply.type('text/csv; charset=utf-8').send(Readable.from(csvChunks(rows, locale, timeZone)));
      },
    );
  };
