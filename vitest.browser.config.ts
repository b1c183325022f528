import { defineConfig } from 'vitest/config';

/**
 * Browser tests: the built web app, served by a real `faktura serve` on a fresh SQLite database,
 * driven by Debian's Chromium through playwright-core. `npm run test:browser`.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/browser/global-setup.ts', 'test/build-setup.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // expect.poll waits for what the page shows after a request; vitest's 1 s default was shorter
    // than a 250-row page took to load on a busy 2-core CI machine (dispatch-bulk flaked).
    expect: { poll: { timeout: 10_000 } },
  },
});
