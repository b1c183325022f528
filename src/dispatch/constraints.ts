/**
 * Whether a write failed on the database's rule "a document is in at most one active delivery"
 * (the partial unique index delivery_documents_one_active): another dispatch got there first.
 */
export function isActiveDocumentViolation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = 'code' in error ? String(error.code) : '';
  return (code === '23505' || code.startsWith('SQLITE_CONSTRAINT')) && /delivery_documents/.test(error.message);
}
