import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';

describe.each(testDialects)('metrics on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('exposes delivery states, queue depth and process metrics in Prometheus format', async () => {
    const response = await t.anonymous.get('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toContain('faktura_deliveries{state="queued"} 0');
    expect(response.body).toContain('faktura_queue_depth 0');
    expect(response.body).toContain('# TYPE faktura_smtp_send_seconds histogram');
    expect(response.body).toContain('faktura_process_nodejs_heap_size_used_bytes');
  });
});
