#!/usr/bin/env node
// Runs the compiled server: dist/cli.js, made by `npm run build` (`npm start` builds it when the
// sources changed). No TypeScript loader and no compiler at run time.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('Faktura is not built yet: run `npm run build` (or `npm start`, which builds first) in the folder of its package.json.');
  process.exit(1);
}
await import(cli.href);
