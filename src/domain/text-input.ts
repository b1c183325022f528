import { z } from 'zod';
import { forbiddenCharacter, forbiddenCharacterMessage, type TextKind } from './text-chars.ts';

export { TEXT_ERROR_CODES, forbiddenCharacter, forbiddenCharacterMessage, isInvisibleFormatCharacter, type TextKind } from './text-chars.ts';

/**
 * zod schemas for every text field of the API and the CSV import: the character rule of
 * ./text-chars.ts, checked after trimming and the length limits.
 */

/** How a text field is marked in the OpenAPI document (`x-faktura-text`), for integrators and the schema test. */
export const TEXT_META_KEY = 'x-faktura-text';

export interface TextOptions {
  max: number;
  min?: number;
  /** default true: surrounding white space is removed before checking the length */
  trim?: boolean;
}

function text(kind: TextKind, options: TextOptions): z.ZodString {
  let schema = z.string();
  if (options.trim ?? true) schema = schema.trim();
  if (options.min !== undefined) schema = schema.min(options.min);
  return schema
    .max(options.max)
    .superRefine((value, ctx) => {
      const found = forbiddenCharacter(value, kind);
      if (found) ctx.addIssue({ code: 'custom', message: forbiddenCharacterMessage(found), params: { code: found.code, character: found.character } });
    })
    .meta({ [TEXT_META_KEY]: kind });
}

/** A one-line text field: a name, a subject, an address line, a number, an e-mail address. */
export const singleLineText = (options: TextOptions): z.ZodString => text('singleLine', options);

/** A text field that may span lines (tab, LF and CR allowed): notes, a document's texts, a template body. */
export const multiLineText = (options: TextOptions): z.ZodString => text('multiLine', options);

/** Optional one-line text: empty, null or missing all become null. */
export const optionalSingleLine = (max: number) =>
  singleLineText({ max })
    .nullish()
    .transform((v) => (v ? v : null));

/** Optional multi-line text: empty, null or missing all become null. */
export const optionalMultiLine = (max: number) =>
  multiLineText({ max })
    .nullish()
    .transform((v) => (v ? v : null));
