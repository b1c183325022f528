import type { TFunction } from 'i18next';
import { ApiError } from '../api/client';

/** `lines[1].exemptionReason` (domain) and `lines.1.exemptionReason` (schema) name the same field. */
export function normalizeField(field: string): string {
  return field.replace(/\[(\d+)\]/g, '.$1').replace(/^body\./, '');
}

/** The translated sentence for an error code; the same code yields the same sentence everywhere. */
export function errorMessage(t: TFunction, error: unknown): string {
  if (error instanceof ApiError) {
    const key = `errors.${error.code}`;
    const translated = t(key, { defaultValue: '', ...interpolation(error.meta) });
    if (translated) return translated;
    return t('errors.unknown', { code: error.code });
  }
  return t('errors.unknown', { code: error instanceof Error ? error.message : String(error) });
}

/** Plain values of an error's meta (e.g. `variable`, `line`) may appear in its sentence. */
function interpolation(meta: Record<string, unknown> | undefined): Record<string, string | number> {
  const values: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(meta ?? {})) {
    if (typeof value === 'string' || typeof value === 'number') values[key] = value;
  }
  return values;
}

function detailMessage(t: TFunction, code: string, field: string, meta?: Record<string, unknown>): string {
  // A schema error says only "invalid"; for well-known fields (email, iban, …) say what is expected.
  if (code === 'request.invalidField') {
    const name = field.split('.').pop() ?? field;
    const specific = t(`invalidFields.${name}`, { defaultValue: '' });
    if (specific) return specific;
  }
  const translated = t(`errors.${code}`, { defaultValue: '', ...interpolation(meta) });
  return translated || t('errors.unknown', { code });
}

/** Field → translated message, from the error and all its details. */
export function fieldErrors(t: TFunction, error: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (!(error instanceof ApiError)) return result;
  for (const detail of error.details) {
    if (detail.field) result[normalizeField(detail.field)] ??= detailMessage(t, detail.code, normalizeField(detail.field), detail.meta);
  }
  if (error.field) result[normalizeField(error.field)] ??= detailMessage(t, error.code, normalizeField(error.field), error.meta);
  return result;
}

/** The error's message when it does not belong to one of the fields shown (else the field shows it). */
export function generalError(t: TFunction, error: unknown, shownFields: readonly string[]): string | undefined {
  if (!error) return undefined;
  if (error instanceof ApiError && error.field && shownFields.includes(normalizeField(error.field))) return undefined;
  return errorMessage(t, error);
}
