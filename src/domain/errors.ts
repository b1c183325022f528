/**
 * The one error type of Faktura. A stable `code` (e.g. `customer.emailInvalid`) is what clients
 * translate; `message` is an English explanation for logs and API consumers; `field` / `row`
 * point at the input that caused it. The HTTP layer maps `kind` to a status in one place.
 */
export type ErrorKind =
  | 'validation' // 400/422: the input is wrong
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'notFound' // 404
  | 'conflict' // 409: the state of the data does not allow it
  | 'incomplete' // 422: a business precondition is not met (e.g. Unvollständigkeitshinweis)
  | 'tooLarge' // 413
  | 'rateLimited' // 429
  | 'unavailable'; // 503: a dependency (SMTP, database) failed; retrying can help

export interface ErrorDetail {
  code: string;
  message: string;
  field?: string;
  row?: number;
  /** Extra structured data a client may show (e.g. customer ids concerned). */
  meta?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly field: string | undefined;
  readonly row: number | undefined;
  readonly retryable: boolean;
  readonly details: ErrorDetail[];
  readonly meta: Record<string, unknown> | undefined;

  constructor(
    kind: ErrorKind,
    code: string,
    message: string,
    options: { field?: string; row?: number; retryable?: boolean; details?: ErrorDetail[]; meta?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.kind = kind;
    this.code = code;
    this.field = options.field;
    this.row = options.row;
    this.retryable = options.retryable ?? kind === 'unavailable';
    this.details = options.details ?? [];
    this.meta = options.meta;
  }
}

export const validationError = (code: string, message: string, field?: string): AppError =>
  new AppError('validation', code, message, field === undefined ? {} : { field });

export const notFound = (entity: string, id: number | string): AppError =>
  new AppError('notFound', `${entity}.notFound`, `${entity} ${id} does not exist`);

export const conflict = (code: string, message: string, meta?: Record<string, unknown>): AppError =>
  new AppError('conflict', code, message, meta === undefined ? {} : { meta });

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
