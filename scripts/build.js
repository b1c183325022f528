#!/usr/bin/env node
// @ts-check
/**
 * `npm run build`: compiles the server into dist/ and the web app into web/dist/.
 *
 *   node scripts/build.js [--if-needed] [--server | --web]
 *
 * The server is one esbuild bundle per entry: dist/cli.js (bin/faktura.js runs it) and one file
 * per worker thread, named after its source file (src/threads.ts starts dist/<name>.js beside the
 * bundle that asks for it), with shared chunks. Packages are bundled too (one module instead of
 * hundreds of files: an idle worker needs ≈ 20 MB less memory and starts faster), except those in
 * KEEP_EXTERNAL, which are loaded from node_modules at run time. Every package the sources import
 * must be a runtime dependency in package.json, so `npm prune --omit=dev` keeps a working install
 * without tsx, esbuild or vite.
 *
 * --if-needed builds a part only when its output is missing or a file it was built from changed
 * since (the inputs of the last build and their content hashes are in dist/build-inputs.json). Plain JavaScript,
 * so `npm start` can check that without any dev dependency installed.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(root, 'dist');
const INPUTS = join(DIST, 'build-inputs.json');

/** Source file of each bundle in dist/ (the name is the output's: dist/<name>.js). */
export const SERVER_ENTRIES = {
  cli: 'src/cli.ts',
  'transport-thread-worker': 'src/mail/transport-thread-worker.ts',
  'render-worker': 'src/pdf/render-worker.ts',
  'merge-worker': 'src/pdf/merge-worker.ts',
  'xsd-worker': 'src/pdf/xsd-worker.ts',
};

/**
 * Packages loaded from node_modules instead of bundled: native addons, packages that read files
 * beside their own modules (font metrics, static assets), and optional modules that are not
 * installed (required only on paths Faktura does not take).
 */
const KEEP_EXTERNAL = [
  'better-sqlite3', // native addon, found through `bindings` by path
  '@node-rs/argon2', // native addon in a per-platform package
  'pdfkit', // reads its standard fonts' metrics (data/*.afm) beside its module
  'fontkit', // pdfkit's font parser, shared with it
  'dejavu-fonts-ttf', // font files, resolved by path (src/pdf/fonts.ts)
  '@fastify/swagger', // with swagger-ui:
  '@fastify/swagger-ui', // serves the API docs' static files from its own folder
  'exceljs', // spreadsheet import only; large, with optional dynamic requires
  'pg-native', // pg's optional native driver (not installed)
  'cloudflare:sockets', // pg on Cloudflare Workers only
  'xmllint-wasm', // loads its WebAssembly beside its module (src/pdf/xsd-worker.ts)
];

/** Data files the server reads beside its code at run time: source folder → folder in dist/. */
const SERVER_DATA = { 'src/pdf/schema': 'schema' };

/** Files every part depends on besides what its bundler reports. */
const COMMON_INPUTS = ['package.json', 'package-lock.json', 'scripts/build.js'];
const WEB_EXTRA_INPUTS = ['web/index.html', 'web/vite.config.ts', 'web/tsconfig.json'];

/**
 * @typedef {{ startedAt: number; files: Record<string, string> }} PartInputs file → SHA-256 of its content
 * @typedef {{ server?: PartInputs; web?: PartInputs }} BuildInputs
 */

/** @returns {BuildInputs} */
function readInputs() {
  try {
    return JSON.parse(readFileSync(INPUTS, 'utf8'));
  } catch {
    return {};
  }
}

/** @param {'server' | 'web'} part @param {PartInputs} inputs */
function writeInputs(part, inputs) {
  mkdirSync(DIST, { recursive: true });
  const all = readInputs();
  all[part] = inputs;
  const tmp = `${INPUTS}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify(all, null, 1));
  renameSync(tmp, INPUTS);
}

/** SHA-256 of a project file's content, or undefined when it is gone. @param {string} file */
function contentHash(file) {
  try {
    return createHash('sha256').update(readFileSync(join(root, file))).digest('hex');
  } catch {
    return undefined;
  }
}

/**
 * The inputs of a build with their content hashes. A file modified after the build started
 * gets no hash (the build may have read its older content), so the next check rebuilds.
 * @param {number} startedAt @param {Iterable<string>} files @returns {PartInputs}
 */
function inputsOf(startedAt, files) {
  /** @type {Record<string, string>} */
  const hashes = {};
  for (const file of [...files].sort()) {
    let changedSince = true;
    try {
      changedSince = statSync(join(root, file)).mtimeMs > startedAt;
    } catch {
      // gone: recorded without a hash
    }
    hashes[file] = changedSince ? '' : (contentHash(file) ?? '');
  }
  return { startedAt, files: hashes };
}

/**
 * Why `part` must be built, or undefined when every file it was built from still has the content
 * it had (content, not modification times: `npm prune` or a fresh checkout touch files without
 * changing them).
 * @param {'server' | 'web'} part
 * @returns {string | undefined}
 */
export function buildReason(part) {
  const output = part === 'server' ? join(DIST, 'cli.js') : join(root, 'web', 'dist', 'index.html');
  if (!existsSync(output)) return `${relative(root, output)} is missing`;
  if (part === 'server' && Object.keys(SERVER_ENTRIES).some((name) => !existsSync(join(DIST, `${name}.js`)))) return 'a thread bundle is missing';
  const inputs = readInputs()[part];
  if (!inputs || Array.isArray(inputs.files)) return 'no record of its inputs';
  for (const [file, hash] of Object.entries(inputs.files)) {
    const now = contentHash(file);
    if (now === undefined) return `${file} is gone`;
    if (now !== hash) return `${file} changed`;
  }
  return undefined;
}

/** @param {string} file absolute path or path relative to the project */
const projectFile = (file) => relative(root, resolve(root, file)).split('\\').join('/');

/** The package a bare import names (`@scope/name/sub` → `@scope/name`). @param {string} path */
const packageOf = (path) => path.split('/').slice(0, path.startsWith('@') ? 2 : 1).join('/');

/**
 * Every thread the sources start must have an entry here: a thread started by a file that is
 * missing from dist/ would fail only when first used in production.
 */
function checkThreadEntries() {
  const known = new Set(Object.values(SERVER_ENTRIES));
  /** @param {string} dir */
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/start(?:Module|Bundled)Thread\(\s*new URL\(\s*'([^']+)'/g)) {
          const entryFile = projectFile(join(dirname(path), m[1] ?? ''));
          if (!known.has(entryFile)) throw new Error(`${projectFile(path)} starts a thread from ${entryFile}, which scripts/build.js does not build: add it to SERVER_ENTRIES`);
        }
      }
    }
  };
  walk(join(root, 'src'));
}

export async function buildServer() {
  const startedAt = Date.now();
  checkThreadEntries();
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: SERVER_ENTRIES,
    outdir: DIST,
    bundle: true,
    // Shared code and each command's modules (src/cli.ts imports them on demand) in chunks of their
    // own, beside the entries in dist/: a thread entry's URL is relative to the chunk that holds it.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    external: KEEP_EXTERNAL,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    // Bundled CommonJS packages call require() for Node's modules (and the external packages).
    banner: { js: "import { createRequire as __faktura_createRequire } from 'node:module';\nconst require = __faktura_createRequire(import.meta.url);" },
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  // The sources may import only runtime dependencies (a dev dependency would be bundled quietly,
  // or missing after `npm prune --omit=dev`).
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const runtime = new Set(Object.keys(pkg.dependencies ?? {}));
  const builtins = new Set(builtinModules);
  const wrong = new Set();
  for (const [file, input] of Object.entries(result.metafile.inputs)) {
    if (!file.startsWith('src/')) continue;
    for (const imported of input.imports) {
      const specifier = imported.original ?? imported.path;
      if (/^[./<]/.test(specifier) || specifier.startsWith('node:') || builtins.has(specifier)) continue;
      if (!runtime.has(packageOf(specifier))) wrong.add(`${packageOf(specifier)} (${file})`);
    }
  }
  if (wrong.size > 0) throw new Error(`the server imports packages that are not runtime dependencies in package.json: ${[...wrong].join(', ')}`);
  // Each file is written beside and renamed into place: a process starting from dist/ meanwhile
  // reads either the old or the new file, never half of one.
  mkdirSync(DIST, { recursive: true });
  for (const file of result.outputFiles) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
  // Chunks of earlier builds (their names carry a content hash).
  const current = new Set(result.outputFiles.map((f) => f.path));
  for (const name of readdirSync(DIST)) {
    if (/^chunk-.*\.js(\.map)?$/.test(name) && !current.has(join(DIST, name))) rmSync(join(DIST, name), { force: true });
  }
  const data = [];
  for (const [from, to] of Object.entries(SERVER_DATA)) {
    mkdirSync(join(DIST, to), { recursive: true });
    for (const name of readdirSync(join(root, from))) {
      writeFileSync(join(DIST, to, name), readFileSync(join(root, from, name)));
      data.push(`${from}/${name}`);
    }
  }
  const files = [...new Set([...COMMON_INPUTS, ...data, ...Object.keys(result.metafile.inputs).filter((f) => f.startsWith('src/')).map(projectFile)])].sort();
  writeInputs('server', inputsOf(startedAt, files));
}

export async function buildWeb() {
  const startedAt = Date.now();
  const { build } = await import('vite');
  // Vite builds React's development version when NODE_ENV says so (e.g. under vitest); users get production.
  /* eslint-disable no-restricted-properties -- a build tool, not the app's configuration */
  const nodeEnv = process.env['NODE_ENV'];
  process.env['NODE_ENV'] = 'production';
  let result;
  try {
    result = await build({ root: join(root, 'web'), configFile: join(root, 'web', 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  } finally {
    if (nodeEnv === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = nodeEnv;
  }
  /* eslint-enable no-restricted-properties */
  const files = new Set([...COMMON_INPUTS, ...WEB_EXTRA_INPUTS]);
  for (const output of Array.isArray(result) ? result : [result]) {
    if (!('output' in output)) continue;
    for (const chunk of output.output) {
      if (chunk.type !== 'chunk') continue;
      for (const id of chunk.moduleIds) {
        const path = id.split('?')[0] ?? '';
        if (path.startsWith('\0') || path.includes('/node_modules/') || !existsSync(path)) continue;
        files.add(projectFile(path));
      }
    }
  }
  writeInputs('web', inputsOf(startedAt, files));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const ifNeeded = args.includes('--if-needed');
  /** @type {('server' | 'web')[]} */
  const parts = args.includes('--server') ? ['server'] : args.includes('--web') ? ['web'] : ['server', 'web'];
  try {
    for (const part of parts) {
      const reason = ifNeeded ? buildReason(part) : 'asked to';
      if (reason === undefined) continue;
      const t0 = Date.now();
      if (ifNeeded) console.log(`Building the ${part} (${reason}) …`);
      await (part === 'server' ? buildServer() : buildWeb());
      console.log(`built the ${part} into ${part === 'server' ? 'dist/' : 'web/dist/'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  } catch (error) {
    const code = /** @type {{ code?: string }} */ (error).code;
    if (code === 'ERR_MODULE_NOT_FOUND') {
      console.error(`Building Faktura needs its development dependencies (esbuild, vite): run \`npm install\` (without --omit=dev) first.\n${String(error)}`);
    } else console.error(error);
    process.exit(1);
  }
}
