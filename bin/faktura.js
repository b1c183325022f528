#!/usr/bin/env node
// Runs the compiled server: dist/cli.js, made by `npm run build` (`npm start` builds it when the
// sources changed). No TypeScript loader and no compiler at run time.
import { existsSync } from 'node:fs';
import module from 'node:module';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('Faktura is not built yet: run `npm run build` (or `npm start`, which builds first) in the folder of its package.json.');
  process.exit(1);
}
// Node 22.1+: V8 keeps the compiled bundles in a cache (NODE_COMPILE_CACHE, else the temporary
// folder), so later starts skip parsing and compiling them. Node 20 has no such cache.
// Checked with `in`: Node 20's types (the version this project pins) do not declare it.
if ('enableCompileCache' in module && typeof module.enableCompileCache === 'function') module.enableCompileCache();
await import(cli.href);
