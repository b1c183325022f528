import type { Worker } from 'node:worker_threads';
import { startModuleThread } from '../threads.ts';
import type { XsdRequest, XsdResponse } from './xsd-worker.ts';

/**
 * XSD validation of e-invoice XML against the official Factur-X 1.09 EN 16931 schema, in one
 * long-lived worker thread (started on first use, not keeping the process alive): the check runs
 * at every finalisation, and libxml2 in WebAssembly must not block the event loop meanwhile.
 */
let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, { resolve: (r: { valid: boolean; errors: string[] }) => void; reject: (e: Error) => void }>();

function thread(): Worker {
  if (worker) return worker;
  const started = startModuleThread(new URL('./xsd-worker.ts', import.meta.url));
  started.unref();
  started.on('message', (response: XsdResponse) => {
    const waiting = pending.get(response.id);
    if (!waiting) return;
    pending.delete(response.id);
    if (response.ok) waiting.resolve({ valid: response.valid, errors: response.errors });
    else waiting.reject(new Error(response.error));
  });
  const fail = (error: Error) => {
    worker = undefined;
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  };
  started.on('error', fail);
  started.on('exit', (code) => fail(new Error(`XSD worker exited (${code})`)));
  worker = started;
  return started;
}

export function validateFacturXSchema(xml: string): Promise<{ valid: boolean; errors: string[] }> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    const request: XsdRequest = { id, xml };
    thread().postMessage(request);
  });
}

/** Ends the thread (tests, shutdown); the next validation starts a new one. */
export async function stopXsdThread(): Promise<void> {
  const current = worker;
  worker = undefined;
  if (current) await current.terminate();
}
