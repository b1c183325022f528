import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Worker threads running our own modules. `entry` names the TypeScript file, relative to the
 * module that starts the thread (`new URL('./x-worker.ts', import.meta.url)`).
 *
 * Compiled (`npm run build`, scripts/build.js): that module is part of a bundle in dist/, so the
 * URL points into dist/, where each thread entry has its own bundle of the same name, `.js`:
 * started as it is, no loader, no compiler. From the sources (tests, tsx): the TypeScript file,
 * through tsx or esbuild as below — both are dev dependencies, loaded only on this path.
 */

const runningTypeScript = import.meta.url.endsWith('.ts');

function compiledEntry(entry: URL): URL {
  const compiled = new URL(entry.href.replace(/\.ts$/, '.js'));
  if (!existsSync(compiled)) throw new Error(`${fileURLToPath(compiled)} is missing: the build is incomplete (run \`npm run build\`)`);
  return compiled;
}

/**
 * A thread that runs TypeScript like the rest of the app. When the caller is a .ts file (run by
 * tsx, bin/faktura.js or vitest) a worker inherits none of that: not an in-process `register()`
 * (bin/faktura.js), not vitest's transform; and on Node 20 `execArgv: ['--import', 'tsx']` does
 * not apply the loader to a worker's entry file (ERR_UNKNOWN_FILE_EXTENSION). So a tiny
 * bootstrap registers tsx inside the worker — the same way bin/faktura.js starts the app — and
 * then imports the TypeScript entry. tsx is resolved to an absolute path, independent of the
 * working directory. tsx costs the thread ≈ 15 MB of memory.
 */
export function startModuleThread(entry: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (!runningTypeScript) return new Worker(compiledEntry(entry), options);
  const bootstrap = `import(${JSON.stringify(tsxEsmApiUrl())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

function tsxEsmApiUrl(): string {
  // The ESM build of tsx's API (the CJS build cannot find its hooks from an eval'd worker).
  const packageJson = createRequire(import.meta.url).resolve('tsx/package.json');
  return new URL('./dist/esm/api/index.mjs', pathToFileURL(packageJson)).href;
}

const bundles = new Map<string, string>();

/**
 * A thread whose entry and everything it imports (packages included) are bundled into one
 * script by esbuild, once per process: no TypeScript loader in the thread, so it is lighter and
 * starts faster than with startModuleThread. Only for code that needs no files next to its
 * modules at run time (`__dirname`, `import.meta.url`): the bundle runs from memory.
 */
export function startBundledThread(entry: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (!runningTypeScript) return new Worker(compiledEntry(entry), options);
  let code = bundles.get(entry.href);
  if (code === undefined) {
    const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    const result = buildSync({ entryPoints: [fileURLToPath(entry)], bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent' });
    code = result.outputFiles[0]?.text ?? '';
    bundles.set(entry.href, code);
  }
  return new Worker(code, { ...options, eval: true });
}
