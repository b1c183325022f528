/**
 * Whether a write failed on the database's rule "a document is in at most one active delivery"
 * (the partial unique index delivery_documents_one_active): another dispatch got there first.
 */
export function isActiveDocumentViolation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = 'code' in error ? String(error.code) : '';
  return (code === '23505' || code.startsWith('SQLITE_CONSTRAINT')) && /delivery_documents/.test(error.message);
}

/**
 * Whether a write failed on "a document is held by at most one open draft" (the primary key of
 * dispatch_draft_documents): another request put these documents into a draft at the same time.
 */
export function isDraftDocumentViolation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = 'code' in error ? String(error.code) : '';
  return (code === '23505' || code.startsWith('SQLITE_CONSTRAINT')) && /dispatch_draft_documents/.test(error.message);
}
