import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type ColumnDataType, type ColumnDefinitionBuilder, type Expression } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { cachingStatements } from './sqlite-statements.ts';
import { prepareSqliteFile, tightenFile } from './file-modes.ts';

export type DialectKind = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectKind;
  /** PostgreSQL schema the tables live in (search_path); undefined on SQLite */
  schema: string | undefined;
  close(): Promise<void>;
  /** SQLite only: a consistent online copy of the database file, taken while the app keeps running. */
  backup?: (file: string) => Promise<void>;
  /**
   * SQLite only: runs `work` synchronously on the connection handle while holding Kysely's single
   * connection, so no other query or transaction can interleave. For the dispatch worker's
   * per-message commit, where Kysely's asynchronous round per statement cost more than SQLite's
   * work. `work` must not await.
   */
  withSqliteHandle?: <T>(work: (handle: SqliteHandle) => T) => Promise<T>;
  /** SQLite only: how long a statement waits for another process's write lock (see REQUEST_BUSY_TIMEOUT_MS) */
  setBusyTimeout?: (ms: number) => void;
}

/**
 * How long SQLite waits for another process's write lock. better-sqlite3 waits on the calling
 * thread, so in `faktura serve` the whole event loop waits: every request, the progress streams
 * and the in-process worker. There the wait is short and a request that does not get the lock
 * is answered 503 with Retry-After (src/http/errors.ts, code `database.busy`); the dispatch
 * worker tries again asynchronously. A standalone `faktura worker` (and the CLI's one-off
 * commands, and start-up's migrations) have no one to keep waiting and use the long one.
 */
export const REQUEST_BUSY_TIMEOUT_MS = 250;
export const WORKER_BUSY_TIMEOUT_MS = 10_000;

export interface SqliteHandle {
  /** a compiled statement, reused across calls (the same cache Kysely uses) */
  prepare(sql: string): BetterSqlite3.Statement;
  /** runs `fn` in BEGIN … COMMIT (ROLLBACK if it throws) */
  inTransaction<T>(fn: () => T): T;
}

export type DatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema?: string; poolSize?: number };

// PostgreSQL returns int8 (bigint, bigserial, count(*)) as strings by default; our values fit in a double.
pg.types.setTypeParser(20, (value) => Number(value));

export function openDatabase(target: DatabaseTarget): Db {
  if (target.kind === 'sqlite') {
    prepareSqliteFile(target.file);
    const sqlite = new BetterSqlite3(target.file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${WORKER_BUSY_TIMEOUT_MS}`);
    sqlite.pragma('synchronous = NORMAL');
    const statements = cachingStatements(sqlite);
    const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) });
    const handle: SqliteHandle = { prepare: (text) => statements.prepare(text), inTransaction: (fn) => sqlite.transaction(fn)() };
    return {
      kysely,
      dialect: 'sqlite',
      schema: undefined,
      close: () => kysely.destroy(),
      withSqliteHandle: (work) => kysely.connection().execute(() => Promise.resolve(work(handle))),
      setBusyTimeout: (ms) => {
        sqlite.pragma(`busy_timeout = ${Math.max(0, Math.round(ms))}`);
      },
      backup: async (file) => {
        await sqlite.backup(file);
        tightenFile(file);
      },
    };
  }
  // `options` from the URL is moved into the config: pg lets the URL's value win over the config's.
  const url = new URL(target.url);
  const urlOptions = url.searchParams.get('options');
  url.searchParams.delete('options');
  const schema = target.schema ?? urlOptions?.match(/search_path=(\w+)/)?.[1] ?? 'public';
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: target.poolSize ?? 10,
    // JIT compilation pays off for long analytical queries, not for ours: it made creating a draft
    // dispatch from a 65,000-document filter take 14 s instead of 0.8 s (bench/list.ts).
    options: ['-c jit=off', target.schema ? `-c search_path=${target.schema}` : (urlOptions ?? '')].join(' ').trim(),
  });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { kysely, dialect: 'postgres', schema, close: () => kysely.destroy() };
}

/** Column types that differ between the two databases, for migrations. */
export function columnTypes(dialect: DialectKind): {
  id: ColumnDataType;
  /** primary key modifier for `id`: AUTOINCREMENT on SQLite (ids never reused), bigserial on PostgreSQL */
  pk: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
  blob: ColumnDataType | Expression<unknown>;
  bigint: ColumnDataType;
} {
  return dialect === 'sqlite'
    ? { id: 'integer', pk: (c) => c.primaryKey().autoIncrement(), blob: 'blob', bigint: 'integer' }
    : { id: 'bigserial', pk: (c) => c.primaryKey(), blob: sql`bytea`, bigint: 'bigint' };
}

export const nowIso = (): string => new Date().toISOString();
