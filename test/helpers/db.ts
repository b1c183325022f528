import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type Db, type DialectKind } from '../../src/db/connection.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

/**
 * Database tests run on both SQLite and PostgreSQL. `FAKTURA_TEST_DATABASES` narrows the list
 * (e.g. `sqlite`); `FAKTURA_TEST_PG_URL` points at the PostgreSQL server (default: the local
 * one, database `test`). Each test database is fresh: a temporary SQLite file, or a schema of
 * its own in PostgreSQL that is dropped afterwards.
 */
export const TEST_PG_URL = process.env['FAKTURA_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export const testDialects: DialectKind[] = (process.env['FAKTURA_TEST_DATABASES'] ?? 'sqlite,postgres')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is DialectKind => s === 'sqlite' || s === 'postgres');

export interface TestDb {
  db: Db;
  dialect: DialectKind;
  /** What a second process would use to open the same database. */
  target: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string };
  /** DATABASE_URL-style environment for child processes. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function createTestDb(dialect: DialectKind, options: { migrate?: boolean } = {}): Promise<TestDb> {
  let result: TestDb;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'faktura-test-'));
    const file = join(dir, 'faktura.sqlite');
    const db = openDatabase({ kind: 'sqlite', file });
    result = {
      db,
      dialect,
      target: { kind: 'sqlite', file },
      env: { FAKTURA_DATA_DIR: dir },
      async cleanup() {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } else {
    const schema = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const db = openDatabase({ kind: 'postgres', url: TEST_PG_URL, schema });
    const url = new URL(TEST_PG_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    result = {
      db,
      dialect,
      target: { kind: 'postgres', url: TEST_PG_URL, schema },
      env: { DATABASE_URL: url.toString() },
      async cleanup() {
        await db.close();
        const client = new pg.Client({ connectionString: TEST_PG_URL });
        await client.connect();
        await client.query(`drop schema ${schema} cascade`);
        await client.end();
      },
    };
  }
  if (options.migrate ?? true) await migrateToLatest(result.db);
  return result;
}
