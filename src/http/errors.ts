import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isDatabaseBusy } from '../db/busy.ts';
import { AppError, type ErrorDetail, type ErrorKind } from '../domain/errors.ts';

/** The one place where error kinds become HTTP statuses. */
const STATUS: Record<ErrorKind, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  notFound: 404,
  conflict: 409,
  tooLarge: 413,
  incomplete: 422,
  rateLimited: 429,
  unavailable: 503,
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  message: string;
  field?: string;
  row?: number;
  retryable: boolean;
  details: ErrorDetail[];
  meta?: Record<string, unknown>;
}

/** How many unknown ids an error lists; the rest only as a count (issue 15 item 16). */
export const LISTED_IDS = 20;
/** Longest message a problem carries; longer ones (a list of ids in words) are cut. */
export const MAX_MESSAGE_CHARS = 500;

/**
 * An error about things that do not exist (`…notFound`) lists the first few ids of each list and
 * their count (`documentIds` + `documentIdsCount`): 100,000 unknown ids made a 587 KB answer.
 * Other errors keep their lists whole: the Unvollständigkeitshinweis needs every customer id to
 * remove them.
 */
function shortenMeta(code: string, meta: Record<string, unknown>): Record<string, unknown> {
  if (!/notfound$/i.test(code)) return meta;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta)) {
    if (Array.isArray(value) && value.length > LISTED_IDS) {
      out[key] = value.slice(0, LISTED_IDS);
      out[`${key}Count`] = value.length;
    } else out[key] = value;
  }
  return out;
}

function shortenMessage(message: string): string {
  return message.length <= MAX_MESSAGE_CHARS ? message : `${message.slice(0, MAX_MESSAGE_CHARS)}… (${message.length} characters)`;
}

export function problemFromAppError(error: AppError): Problem {
  return {
    type: 'about:blank',
    title: error.code,
    status: STATUS[error.kind],
    code: error.code,
    message: shortenMessage(error.message),
    ...(error.field !== undefined ? { field: error.field } : {}),
    ...(error.row !== undefined ? { row: error.row } : {}),
    retryable: error.retryable,
    details: error.details.map((d) => ({ ...d, message: shortenMessage(d.message), ...(d.meta !== undefined ? { meta: shortenMeta(d.code, d.meta) } : {}) })),
    ...(error.meta !== undefined ? { meta: shortenMeta(error.code, error.meta) } : {}),
  };
}

/**
 * A schema check that knows its own error code (e.g. `text.controlCharacter` from
 * src/domain/text-input.ts) passes it as `params.code`; its other params become `meta`.
 */
function customIssue(params: unknown): { code: string; meta?: Record<string, unknown> } | undefined {
  if (typeof params !== 'object' || params === null || !('code' in params) || typeof params.code !== 'string') return undefined;
  const { code, ...meta } = params;
  return Object.keys(meta).length > 0 ? { code, meta } : { code };
}

function toAppError(error: FastifyError | Error): AppError {
  if (error instanceof AppError) return error;
  // Another process holds SQLite's write lock (src/db/connection.ts, REQUEST_BUSY_TIMEOUT_MS).
  if (isDatabaseBusy(error)) return new AppError('unavailable', 'database.busy', 'the database is busy with another process; try again in a moment');
  if ('code' in error && typeof error.code === 'string') {
    const fe: FastifyError = error;
    if (hasZodFastifySchemaValidationErrors(fe)) {
      const details = fe.validation.map((v): ErrorDetail => {
        const field = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
        const keys = v.params['keys'];
        const unknownKeys = v.keyword === 'unrecognized_keys' && Array.isArray(keys) ? keys.map(String) : [];
        const custom = v.keyword === 'custom' ? customIssue(v.params['params']) : undefined;
        return {
          code: unknownKeys.length > 0 ? 'request.unknownField' : (custom?.code ?? 'request.invalidField'),
          message: unknownKeys.length > 0 ? `unknown field(s): ${unknownKeys.join(', ')}` : `${field || fe.validationContext || 'request'}: ${v.message}`,
          field: unknownKeys.length > 0 ? [field, unknownKeys[0]].filter(Boolean).join('.') : field,
          ...(custom?.meta ? { meta: custom.meta } : {}),
        };
      });
      const first = details[0];
      return new AppError('validation', first?.code ?? 'request.invalid', first?.message ?? 'request is invalid', {
        ...(first?.field ? { field: first.field } : {}),
        ...(first?.meta ? { meta: first.meta } : {}),
        details,
      });
    }
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AppError('tooLarge', 'request.tooLarge', 'request body is too large');
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new AppError('validation', 'request.unsupportedMediaType', 'unsupported content type');
    if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fe.statusCode === 400) {
      return new AppError('validation', 'request.malformed', fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'request body is empty' : 'request body is not valid JSON');
    }
    if (fe.statusCode === 429) return new AppError('rateLimited', 'request.rateLimited', 'too many requests, try again later');
    if (fe.statusCode === 415) return new AppError('validation', 'request.unsupportedMediaType', 'unsupported content type');
    if (fe.statusCode === 404) return new AppError('notFound', 'route.notFound', 'not found');
  }
  const statusCode = 'statusCode' in error ? error.statusCode : undefined;
  if (statusCode === 429) return new AppError('rateLimited', 'request.rateLimited', 'too many requests, try again later');
  if (statusCode === 413) return new AppError('tooLarge', 'request.tooLarge', 'request body is too large');
  return new AppError('unavailable', 'internal', 'an internal error occurred', { retryable: false });
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.status(problem.status).type('application/problem+json').send(problem);
}

export function errorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toAppError(error);
  if (appError.code === 'internal') {
    // Logged server-side only, and without driver details: PostgreSQL puts the offending values
    // (a customer's e-mail in a unique violation, say) into `detail`, which must not reach a log.
    const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    request.log.error({ err: { type: error.name, code, message: error.message, stack: error.stack } }, 'unhandled error');
    return sendProblem(reply, { ...problemFromAppError(appError), status: 500 });
  }
  if (appError.code === 'database.busy') reply.header('retry-after', '1');
  return sendProblem(reply, problemFromAppError(appError));
}
