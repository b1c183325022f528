import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { cachingStatements } from './sqlite-statements.ts';

describe('cachingStatements', () => {
  let sqlite: BetterSqlite3.Database;
  afterEach(() => {
    if (sqlite.open) sqlite.close();
  });

  function open(capacity?: number) {
    sqlite = new BetterSqlite3(':memory:');
    sqlite.exec('create table t (id integer primary key, v text)');
    return cachingStatements(sqlite, capacity);
  }

  it('hands out the same compiled statement for the same SQL', () => {
    const db = open();
    const a = db.prepare('select v from t where id = ?');
    const b = db.prepare('select v from t where id = ?');
    expect(b).toBe(a);
    expect(db.prepare('select id from t')).not.toBe(a);
  });

  it('keeps at most `capacity` statements, dropping the least recently used', () => {
    const db = open(2);
    const one = db.prepare('select 1');
    const two = db.prepare('select 2');
    expect(db.prepare('select 1')).toBe(one); // now "select 2" is the oldest
    db.prepare('select 3');
    expect(db.prepare('select 1')).toBe(one);
    expect(db.prepare('select 2')).not.toBe(two);
  });

  it('gives a fresh statement while the cached one is still being iterated', () => {
    const db = open();
    db.prepare('insert into t (v) values (?)').run(['a']);
    db.prepare('insert into t (v) values (?)').run(['b']);
    const streaming = db.prepare('select v from t order by id');
    const rows = streaming.iterate([]);
    expect(rows.next().value).toEqual({ v: 'a' });
    const other = db.prepare('select v from t order by id');
    expect(other).not.toBe(streaming);
    expect(rows.next().value).toEqual({ v: 'b' });
    expect(rows.next().done).toBe(true);
    expect(other.all([])).toEqual([{ v: 'a' }, { v: 'b' }]);
    expect(db.prepare('select v from t order by id')).toBe(streaming);
  });

  it('forgets every statement after a schema change, so none runs against an old table shape', () => {
    const db = open();
    const select = db.prepare('select * from t');
    db.prepare('alter table t add column w text').run([]);
    const again = db.prepare('select * from t');
    expect(again).not.toBe(select);
    db.prepare('insert into t (v, w) values (?, ?)').run(['a', 'b']);
    expect(again.all([])).toEqual([{ id: 1, v: 'a', w: 'b' }]);
  });
});
