import { afterAll, describe, expect, it } from 'vitest';
import { migrateDownAll, migrateToLatest } from '../src/db/migrate.ts';
import { createTestDb, testDialects, type TestDb } from './helpers/db.ts';

describe.each(testDialects)('migrations on %s', (dialect) => {
  let t: TestDb | undefined;
  afterAll(async () => {
    await t?.cleanup();
  });

  it('run up, down and up again', async () => {
    t = await createTestDb(dialect, { migrate: false });
    const first = await migrateToLatest(t.db);
    expect(first[0]).toBe('0001_core');
    await migrateDownAll(t.db);
    const again = await migrateToLatest(t.db);
    expect(again).toEqual(first);
    expect(await migrateToLatest(t.db)).toEqual([]);
    // the schema is usable after the round trip
    await t.db.kysely.insertInto('number_sequences').values({ scope: 'x', year: 0, last_value: 1 }).execute();
  });
});

describe.each(testDialects)('OpenAPI on %s', (dialect) => {
  it('documents every route', async () => {
    const { createTestApp } = await import('./helpers/app.ts');
    const app = await createTestApp(dialect);
    try {
      const spec = (await app.anonymous.get('/api/docs/json')).json();
      expect(spec.openapi).toMatch(/^3\./);
      for (const path of ['/api/customers', '/api/documents', '/api/documents/{id}/finalize', '/api/import/customers', '/api/company', '/api/tokens']) {
        expect(Object.keys(spec.paths)).toContain(path);
      }
    } finally {
      await app.close();
    }
  });
});
