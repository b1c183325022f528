import { z } from 'zod';
import { singleLineText } from '../domain/text-input.ts';

export const idParams = z.strictObject({ id: z.coerce.number().int().positive() });

/** Query strings carry text: "true"/"false"/"1"/"0" become booleans. */
export const booleanQuery = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const paging = {
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
  order: z.enum(['asc', 'desc']).default('asc'),
};

/** A comma-separated list in a query string (`type=invoice,quote`) or repeated parameters. */
export const listQuery = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .union([singleLineText({ max: 500, trim: false }), z.array(singleLineText({ max: 100, trim: false }))])
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)));

const isoDate = z.string().meta({ format: 'date' }).regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const documentTypes = ['invoice', 'quote', 'creditNote'] as const;
const documentStatuses = ['draft', 'final', 'cancelled'] as const;

/** The document filter as query string (GET /api/documents). */
export const documentFilterQuery = {
  type: listQuery(documentTypes).optional(),
  status: listQuery(documentStatuses).optional(),
  dateFrom: isoDate.optional(),
  dateTo: isoDate.optional(),
  customerId: z.coerce.number().int().positive().optional(),
  sent: booleanQuery.optional(),
  amountMinCents: z.coerce.number().int().optional(),
  amountMaxCents: z.coerce.number().int().optional(),
  q: singleLineText({ max: 200, trim: false }).optional(),
  open: booleanQuery.optional(),
  overdueDays: z.coerce.number().int().min(0).max(3650).optional(),
};

/** The same filter as JSON (dispatch and print requests select "everything matching"). */
export const documentFilterBody = z.strictObject({
  type: z.array(z.enum(documentTypes)).optional(),
  status: z.array(z.enum(documentStatuses)).optional(),
  dateFrom: isoDate.optional(),
  dateTo: isoDate.optional(),
  customerId: z.number().int().positive().optional(),
  sent: z.boolean().optional(),
  amountMinCents: z.number().int().optional(),
  amountMaxCents: z.number().int().optional(),
  q: singleLineText({ max: 200, trim: false }).optional(),
  open: z.boolean().optional(),
  overdueDays: z.number().int().min(0).max(3650).optional(),
});

/** How many documents "all matching, except these" can leave out: unticked by hand, one by one. */
export const MAX_EXCLUDED_DOCUMENTS = 10_000;

/**
 * Documents by id, or everything matching the filter except the documents unticked in the list
 * (Gmail-style): how a dispatch and a print job select.
 */
export const documentSelectionBody = (maxIds: number) =>
  // One object checked by hand rather than a union: a union's errors do not always name the field.
  z
    .strictObject({
      documentIds: z.array(z.number().int().positive()).min(1).max(maxIds).optional(),
      filter: documentFilterBody.optional(),
      excludeDocumentIds: z.array(z.number().int().positive()).max(MAX_EXCLUDED_DOCUMENTS).optional(),
    })
    .superRefine((body, ctx) => {
      if ((body.documentIds === undefined) === (body.filter === undefined)) {
        ctx.addIssue({ code: 'custom', path: [body.documentIds === undefined ? 'documentIds' : 'filter'], message: 'give either documentIds or a filter' });
      } else if (body.documentIds !== undefined && body.excludeDocumentIds !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['excludeDocumentIds'], message: 'excludeDocumentIds goes with a filter, not with documentIds' });
      }
    })
    .transform(
      (body): { documentIds: number[] } | { filter: z.output<typeof documentFilterBody>; excludeDocumentIds?: number[] } =>
        body.documentIds !== undefined ? { documentIds: body.documentIds } : { filter: body.filter ?? {}, ...(body.excludeDocumentIds !== undefined ? { excludeDocumentIds: body.excludeDocumentIds } : {}) },
    );
