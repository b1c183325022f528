import { existsSync } from 'node:fs';
import { buildReason, buildServer, buildWeb } from '../scripts/build.js';

/**
 * Vitest global set-up: the tests that start `faktura` as a process (bin/faktura.js) run the
 * compiled server, as users do, so dist/ is rebuilt when a source file changed since its last
 * build (esbuild: a second or two; nothing when it is current). `faktura serve` refuses to start
 * without the web build, so web/dist is built once when it is missing (the browser tests rebuild
 * it from the current sources anyway).
 */
export default async function setup(): Promise<void> {
  if (buildReason('server') !== undefined) await buildServer();
  if (!existsSync('web/dist/index.html')) await buildWeb();
}
