/**
 * The words of a free-text query, lower-cased as `customers.search_text` is (JavaScript's
 * Unicode-aware toLowerCase: `Ä` → `ä`; `ß` stays `ß`), at most five.
 */
export function searchWords(q: string | undefined): string[] {
  return (q ?? '').toLowerCase().split(/\s+/).filter(Boolean).slice(0, 5);
}

/**
 * Whether `LIKE '%word%'` can be answered from the trigram indexes behind the views
 * `customer_search` and `document_search` (migration 0005): the word needs a trigram (three
 * characters) and must not contain `%`, `_` or `\`. Those need an ESCAPE clause, which the
 * index path cannot have: SQLite hands only the two-argument LIKE to FTS5, and without one
 * PostgreSQL reads `\` as an escape character where SQLite does not.
 */
export function isIndexableWord(word: string): boolean {
  return [...word].length >= 3 && !/[\\%_]/.test(word);
}
