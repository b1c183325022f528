import { sql, type RawBuilder } from 'kysely';

/** `%` and `_` typed by a user are literal characters, not wildcards. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/** `column LIKE '%value%'` with an explicit escape character, the same on SQLite and PostgreSQL. */
export function likeContains(column: string | RawBuilder<unknown>, value: string): RawBuilder<boolean> {
  const target = typeof column === 'string' ? sql.ref(column) : column;
  return sql<boolean>`${target} like ${`%${escapeLike(value)}%`} escape '\\'`;
}
