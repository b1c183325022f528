/**
 * SQLite's answer when another process holds the write lock longer than the busy timeout
 * (SQLITE_BUSY and its extended codes, e.g. SQLITE_BUSY_SNAPSHOT; SQLITE_LOCKED within one
 * process). The HTTP layer answers it with 503 and Retry-After; the dispatch worker tries again.
 */
export function isDatabaseBusy(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error) || typeof error.code !== 'string') return false;
  return error.code.startsWith('SQLITE_BUSY') || error.code.startsWith('SQLITE_LOCKED');
}
