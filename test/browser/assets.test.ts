import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from './harness.ts';

/** What the built web app costs a first visit: compressed, cached for good once hashed, split by page. */
describe('the web app loads light', () => {
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp();
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('serves index.html uncached and every file the login page needs brotli-compressed and cached for a year', async () => {
    for (const path of ['/', '/login', '/customers/12']) {
      const page = await fetch(`${app.url}${path}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      // A new release must reach the browser at once: index.html names the current hashed files.
      expect(page.headers.get('cache-control')).toBe('no-cache');
    }
    const html = await (await fetch(`${app.url}/login`)).text();
    const files = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] ?? '');
    expect(files.some((f) => f.endsWith('.js'))).toBe(true);
    expect(files.some((f) => f.endsWith('.css'))).toBe(true);

    let jsBytes = 0;
    for (const file of files) {
      const response = await fetch(`${app.url}${file}`, { headers: { 'accept-encoding': 'br, gzip' } });
      expect(response.status, file).toBe(200);
      expect(response.headers.get('cache-control'), file).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('vary'), file).toMatch(/accept-encoding/i);
      const size = Number(response.headers.get('content-length'));
      const body = await response.arrayBuffer();
      // Tiny files are sent as they are; everything else as the build's .br.
      if (body.byteLength >= 1024) expect(response.headers.get('content-encoding'), file).toBe('br');
      if (file.endsWith('.js')) jsBytes += size || body.byteLength;
    }
    // Issue 16: the login page loads at most 200 KB of compressed JavaScript (it was 1,010 KiB in one file).
    expect(jsBytes).toBeLessThanOrEqual(200_000);

    const gzipOnly = await fetch(`${app.url}${files.find((f) => f.endsWith('.css')) ?? ''}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gzipOnly.headers.get('content-encoding')).toBe('gzip');
  });

  it('splits the pages into chunks of their own (the login page does not load the Versandauftrag)', async () => {
    const html = await (await fetch(`${app.url}/login`)).text();
    const entry = /<script type="module"[^>]*src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(entry).toBeDefined();
    const code = await (await fetch(`${app.url}${entry ?? ''}`)).text();
    // Lazy pages are imported by the entry, not contained in it.
    expect(code).toMatch(/import\(["'`]\.\/DispatchPage-[\w-]+\.js["'`]\)/);
    expect(code).toMatch(/import\(["'`]\.\/EvaluationsPage-[\w-]+\.js["'`]\)/);
  });
});
