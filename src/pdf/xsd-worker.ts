import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

/**
 * Worker thread entry for XSD validation (see xsd.ts): libxml2's xmllint compiled to WebAssembly
 * (npm xmllint-wasm), so the official Factur-X schema is checked in-process, without a JVM or a
 * command-line tool. The WebAssembly module and the schema files are loaded once per thread; each
 * request runs xmllint once on a fresh memory.
 */
export interface XsdRequest {
  id: number;
  xml: string;
}
export type XsdResponse = { id: number; ok: true; valid: boolean; errors: string[] } | { id: number; ok: false; error: string };

/** The part of the WebAssembly API used here (the project's TypeScript libraries do not declare it). */
interface WasmModule {
  readonly wasmModule: unique symbol;
}
interface WasmInstance {
  readonly wasmInstance: unique symbol;
}
interface WasmMemory {
  readonly wasmMemory: unique symbol;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
  instantiate(module: WasmModule, imports: object): Promise<WasmInstance>;
}
const webAssembly: WasmApi = Reflect.get(globalThis, 'WebAssembly');

interface EmscriptenOptions {
  inputFiles: { fileName: string; contents: string }[];
  arguments: string[];
  print: (text: string) => void;
  printErr: (text: string) => void;
  onExit: (code: number) => void;
  onAbort: (reason: unknown) => void;
  instantiateWasm: (imports: object, done: (instance: WasmInstance, module: WasmModule) => void) => object;
  wasmMemory: WasmMemory;
}

const port = parentPort;
if (!port) throw new Error('xsd-worker must run as a worker thread');
const require = createRequire(import.meta.url);
// The package's own entry starts a new thread (and compiles the WebAssembly) per call; its
// Emscripten module is used directly instead. Loading it also registers the package's message
// handler on this thread, which ignores messages not tagged as its own.
const loaded: unknown = require('xmllint-wasm/xmllint-node.js');
if (typeof loaded !== 'function') throw new Error('xmllint-wasm: unexpected module shape');
const runXmllint = (options: EmscriptenOptions): unknown => Reflect.apply(loaded, undefined, [options]);
const wasm = new webAssembly.Module(readFileSync(require.resolve('xmllint-wasm/xmllint.wasm')));

export const MAIN_SCHEMA = 'Factur-X_EN16931.xsd';
const SCHEMA_FILES = [
  MAIN_SCHEMA,
  'Factur-X_1.09_EN16931_urn_un_unece_uncefact_data_standard_QualifiedDataType_100.xsd',
  'Factur-X_1.09_EN16931_urn_un_unece_uncefact_data_standard_ReusableAggregateBusinessInformationEntity_100.xsd',
  'Factur-X_1.09_EN16931_urn_un_unece_uncefact_data_standard_UnqualifiedDataType_100.xsd',
];
// src/pdf/schema/ beside this file; dist/schema/ when compiled (scripts/build.js copies it).
const schemas = SCHEMA_FILES.map((fileName) => ({ fileName, contents: readFileSync(new URL(`./schema/${fileName}`, import.meta.url), 'utf8') }));

function validate(xml: string): Promise<{ valid: boolean; errors: string[] }> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    runXmllint({
      inputFiles: [...schemas, { fileName: 'invoice.xml', contents: xml }],
      arguments: ['--noout', '--nonet', '--schema', MAIN_SCHEMA, 'invoice.xml'],
      print: () => undefined,
      printErr: (text) => {
        stderr += `${text}\n`;
      },
      onExit: (code) => {
        // xmllint: 0 valid, 3/4 invalid or not well-formed, anything else a failure of the tool.
        if (code === 0) resolve({ valid: true, errors: [] });
        else if (code === 1 || code === 3 || code === 4) resolve({ valid: false, errors: stderr.split('\n').filter((l) => l.trim() !== '' && !l.endsWith(' fails to validate')) });
        else reject(new Error(`xmllint exited with ${code}: ${stderr}`));
      },
      onAbort: (reason) => reject(new Error(`xmllint aborted: ${String(reason)}`)),
      instantiateWasm: (imports, done) => {
        webAssembly.instantiate(wasm, imports).then((instance) => done(instance, wasm), reject);
        return {};
      },
      wasmMemory: new webAssembly.Memory({ initial: 256, maximum: 1024 }),
    });
  });
}

port.on('message', (request: XsdRequest) => {
  if (typeof request !== 'object' || request === null || typeof request.id !== 'number') return;
  validate(request.xml).then(
    (result) => port.postMessage({ id: request.id, ok: true, ...result } satisfies XsdResponse),
    (error: unknown) => port.postMessage({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies XsdResponse),
  );
});
