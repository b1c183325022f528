/**
 * The browser's only door to Faktura: the HTTP API. Adds the CSRF header to writes, turns
 * problem+json answers into ApiError (code, field, details), and reports an expired session
 * once so the app can send the user to the login page and back.
 */
export interface ProblemDetail {
  code: string;
  message: string;
  field?: string;
  row?: number;
  meta?: Record<string, unknown>;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly details: ProblemDetail[];
  readonly meta: Record<string, unknown> | undefined;

  constructor(status: number, code: string, message: string, field?: string, details: ProblemDetail[] = [], meta?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.details = details;
    this.meta = meta;
  }
}

let csrf: string | null = null;
let onSessionExpired: (() => void) | null = null;

/** For the few requests that do not go through `api` (a PDF answered as a download). */
export function csrfToken(): string | null {
  return csrf;
}

export function setCsrfToken(token: string | null): void {
  csrf = token;
}

export function setSessionExpiredHandler(handler: (() => void) | null): void {
  onSessionExpired = handler;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toDetail(value: unknown): ProblemDetail | undefined {
  if (!isRecord(value) || typeof value['code'] !== 'string') return undefined;
  return {
    code: value['code'],
    message: typeof value['message'] === 'string' ? value['message'] : '',
    ...(typeof value['field'] === 'string' ? { field: value['field'] } : {}),
    ...(typeof value['row'] === 'number' ? { row: value['row'] } : {}),
    ...(isRecord(value['meta']) ? { meta: value['meta'] } : {}),
  };
}

async function problemFrom(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (isRecord(body) && typeof body['code'] === 'string') {
    const details = Array.isArray(body['details']) ? body['details'].map(toDetail).filter((d): d is ProblemDetail => d !== undefined) : [];
    return new ApiError(
      response.status,
      body['code'],
      typeof body['message'] === 'string' ? body['message'] : '',
      typeof body['field'] === 'string' ? body['field'] : undefined,
      details,
      isRecord(body['meta']) ? body['meta'] : undefined,
    );
  }
  return new ApiError(response.status, response.status >= 500 ? 'internal' : 'request.failed', response.statusText);
}

export interface RequestOptions {
  /** Raw body (e.g. a logo image) sent with its own content type instead of JSON. */
  raw?: { body: Blob | ArrayBuffer; contentType: string };
  /** Do not treat a 401 as an expired session (login and the initial session check). */
  allowUnauthenticated?: boolean;
  signal?: AbortSignal;
  /** Extra request headers (e.g. `idempotency-key` when starting a dispatch). */
  headers?: Record<string, string>;
}

async function send(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body: unknown, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  let payload: BodyInit | undefined;
  if (options.raw) {
    headers['content-type'] = options.raw.contentType;
    payload = options.raw.body;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', ...(options.signal ? { signal: options.signal } : {}) });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network.unreachable', error instanceof Error ? error.message : 'network error');
  }
  if (!response.ok) {
    const problem = await problemFrom(response);
    if (response.status === 401 && !options.allowUnauthenticated) onSessionExpired?.();
    throw problem;
  }
  return response;
}

/** A request whose answer is JSON of the documented shape. */
async function json<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
  const response = await send(method, path, body, options);
  const data: T = await response.json();
  return data;
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => json<T>('GET', path, undefined, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => json<T>('POST', path, body ?? {}, options),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) => json<T>('PUT', path, body, options),
  patch: <T>(path: string, body?: unknown, options?: RequestOptions) => json<T>('PATCH', path, body, options),
  /** A write whose answer carries no body (204). */
  send: async (method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, options: RequestOptions = {}): Promise<void> => {
    await send(method, path, body, options);
  },
};

/** Builds a query string, leaving out empty values. */
export function query(params: Record<string, string | number | boolean | undefined | null | readonly string[]>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length > 0) search.set(key, value.join(','));
    } else search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
