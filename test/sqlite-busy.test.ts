import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_BUSY_TIMEOUT_MS, WORKER_BUSY_TIMEOUT_MS } from '../src/db/connection.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';

/**
 * Issue 20 item 5: another process holding SQLite's write lock must not freeze the API. A request
 * that needs the lock waits briefly and is answered 503 with Retry-After; reads go on (WAL).
 * SQLite only: PostgreSQL waits per connection, not on the event loop.
 */
describe('SQLite: a write lock held by another process', () => {
  let t: TestApp;
  let other: BetterSqlite3.Database;

  beforeAll(async () => {
    t = await createTestApp('sqlite');
    // What `faktura serve` does after start-up (src/server.ts).
    t.testDb.db.setBusyTimeout?.(REQUEST_BUSY_TIMEOUT_MS);
    if (t.testDb.target.kind !== 'sqlite') throw new Error('SQLite test database expected');
    other = new BetterSqlite3(t.testDb.target.file);
  });
  afterAll(async () => {
    other?.close();
    await t?.close();
  });

  it('answers 503 with Retry-After instead of freezing, and works again once the lock is gone', async () => {
    other.exec('BEGIN IMMEDIATE');
    try {
      const started = performance.now();
      const write = await t.staff.post('/api/customers', { firstName: 'Erika', lastName: 'Gesperrt', email: 'gesperrt@example.de' });
      const waited = performance.now() - started;
      expect(write.statusCode, write.body).toBe(503);
      expect(write.headers['retry-after']).toBe('1');
      expect(write.json()).toMatchObject({ code: 'database.busy', retryable: true });
      // It gave up after the short wait, not SQLite's long one (which froze the API before).
      expect(waited).toBeLessThan(WORKER_BUSY_TIMEOUT_MS);
      // Reading needs no lock in WAL mode: the API keeps answering.
      const read = await t.staff.get('/api/customers');
      expect(read.statusCode, read.body).toBe(200);
    } finally {
      other.exec('ROLLBACK');
    }
    const again = await t.staff.post('/api/customers', { firstName: 'Erika', lastName: 'Frei', email: 'frei@example.de' });
    expect(again.statusCode, again.body).toBe(201);
  });
});
