import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './connection.ts';

describe('SQLite withSqliteHandle', () => {
  let dir: string;
  let db: Db;
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function open(): Db & { withSqliteHandle: NonNullable<Db['withSqliteHandle']> } {
    dir = mkdtempSync(join(tmpdir(), 'faktura-conn-'));
    db = openDatabase({ kind: 'sqlite', file: join(dir, 'db.sqlite') });
    const run = db.withSqliteHandle;
    if (!run) throw new Error('SQLite without handle');
    return Object.assign(db, { withSqliteHandle: run });
  }

  it('waits for a Kysely transaction in progress instead of running inside it', async () => {
    const d = open();
    await sql`create table t (v text)`.execute(d.kysely);
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    const transaction = d.kysely.transaction().execute(async (trx) => {
      await sql`insert into t (v) values ('in transaction')`.execute(trx);
      await held;
      order.push('transaction');
      throw new Error('roll back');
    });
    const direct = d.withSqliteHandle((h) => {
      order.push('direct');
      h.inTransaction(() => h.prepare('insert into t (v) values (?)').run('direct'));
      return h.prepare('select v from t order by rowid').all();
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]);
    release();
    await expect(transaction).rejects.toThrow('roll back');
    // The direct write ran after the rollback and is not part of it.
    expect(await direct).toEqual([{ v: 'direct' }]);
    expect(order).toEqual(['transaction', 'direct']);
  });

  it('rolls its transaction back when the work throws', async () => {
    const d = open();
    await sql`create table t (v text)`.execute(d.kysely);
    await expect(
      d.withSqliteHandle((h) =>
        h.inTransaction(() => {
          h.prepare('insert into t (v) values (?)').run('lost');
          throw new Error('boom');
        }),
      ),
    ).rejects.toThrow('boom');
    const rows = await sql<{ n: number }>`select count(*) as n from t`.execute(d.kysely);
    expect(rows.rows[0]?.n).toBe(0);
  });
});
