import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { openDatabase } from './connection.ts';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('file modes of the data directory and the SQLite files', () => {
  it('creates the data directory 0700', () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'faktura-modes-')), 'daten', 'faktura');
    loadConfig({ FAKTURA_DATA_DIR: dataDir });
    expect(mode(dataDir)).toBe(0o700);
  });

  it('creates the database, its -wal and -shm files and a backup 0600, and tightens an existing 0644 file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faktura-modes-'));
    const file = join(dir, 'faktura.sqlite');
    const db = openDatabase({ kind: 'sqlite', file });
    await sql`create table t (x integer)`.execute(db.kysely);
    await sql`insert into t values (1)`.execute(db.kysely);
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}-wal`)).toBe(0o600);
    expect(mode(`${file}-shm`)).toBe(0o600);
    const backup = join(dir, 'sicherung.sqlite');
    await db.backup?.(backup);
    expect(mode(backup)).toBe(0o600);
    await db.close();

    const old = join(dir, 'alt.sqlite');
    writeFileSync(old, '');
    chmodSync(old, 0o644);
    const reopened = openDatabase({ kind: 'sqlite', file: old });
    expect(mode(old)).toBe(0o600);
    await reopened.close();
  });
});
