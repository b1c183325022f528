import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { RenderableDocument } from '../domain/issued-document.ts';
import type { RenderRequest, RenderResponse } from './render-worker.ts';
import { startModuleThread } from '../threads.ts';

/**
 * Renders many documents on all cores (demo data, imports of many finalised documents) with
 * bounded memory: a fixed pool of worker threads, at most `2 × workers` documents in flight, and
 * the next document is pulled from the source only when a slot is free (backpressure), so a
 * source of 100,000 documents never sits in memory at once.
 */

export interface RenderPoolOptions {
  /** Worker threads; default: the number of cores (at least 1). */
  workers?: number;
}

interface Pending {
  resolve: (pdf: Buffer) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  busy: boolean;
  current: number | undefined;
}

function startWorker(): Worker {
  return startModuleThread(new URL('./render-worker.ts', import.meta.url));
}

export class RenderPool {
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Array<{ request: RenderRequest; pending: Pending }> = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  readonly size: number;

  constructor(options: RenderPoolOptions = {}) {
    this.size = Math.max(1, options.workers ?? availableParallelism());
    for (let i = 0; i < this.size; i++) {
      const slot: PoolWorker = { worker: startWorker(), busy: false, current: undefined };
      this.attach(slot);
      this.workers.push(slot);
    }
  }

  private attach(slot: PoolWorker): void {
    const { worker } = slot;
    worker.on('message', (response: RenderResponse) => this.onResponse(slot, response));
    worker.on('error', (error) => this.onWorkerError(slot, worker, error));
    // An idle worker must not keep the process alive; it is ref'd while it works.
    worker.unref();
  }

  render(doc: RenderableDocument): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('RenderPool is closed'));
    return new Promise<Buffer>((resolve, reject) => {
      const request: RenderRequest = { id: this.nextId++, doc };
      this.queue.push({ request, pending: { resolve, reject } });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.workers) {
      if (slot.busy) continue;
      const next = this.queue.shift();
      if (!next) return;
      slot.busy = true;
      slot.current = next.request.id;
      this.pending.set(next.request.id, next.pending);
      slot.worker.ref();
      slot.worker.postMessage(next.request);
    }
  }

  private onResponse(slot: PoolWorker, response: RenderResponse): void {
    slot.busy = false;
    slot.current = undefined;
    slot.worker.unref();
    const pending = this.pending.get(response.id);
    this.pending.delete(response.id);
    if (pending) {
      if (response.ok) pending.resolve(Buffer.from(response.pdf.buffer, response.pdf.byteOffset, response.pdf.byteLength));
      else pending.reject(new Error(`rendering failed in worker: ${response.error}`));
    }
    this.dispatch();
  }

  /** A worker that crashed fails its current document only; a fresh worker takes its place. */
  private onWorkerError(slot: PoolWorker, worker: Worker, error: Error): void {
    if (slot.worker !== worker) return;
    if (slot.current !== undefined) {
      this.pending.get(slot.current)?.reject(error);
      this.pending.delete(slot.current);
    }
    void worker.terminate();
    if (this.closed) return;
    slot.worker = startWorker();
    slot.busy = false;
    slot.current = undefined;
    this.attach(slot);
    this.dispatch();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}

/**
 * Renders every document of `source` and hands each PDF to `handle` (e.g. store it in the
 * archive). Completion order may differ from source order. Stops at the first error.
 */
export async function renderAll(
  source: Iterable<RenderableDocument> | AsyncIterable<RenderableDocument>,
  handle: (doc: RenderableDocument, pdf: Buffer) => Promise<void> | void,
  options: RenderPoolOptions & { pool?: RenderPool } = {},
): Promise<{ count: number }> {
  const pool = options.pool ?? new RenderPool(options);
  const limit = pool.size * 2;
  const inFlight = new Set<Promise<void>>();
  let count = 0;
  let failure: unknown;
  try {
    for await (const doc of source) {
      const task: Promise<void> = pool
        .render(doc)
        .then((pdf) => handle(doc, pdf))
        .then(() => {
          count += 1;
        })
        .catch((error: unknown) => {
          failure ??= error;
        })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
      if (inFlight.size >= limit) await Promise.race(inFlight);
      if (failure !== undefined) break;
    }
    await Promise.all(inFlight);
  } finally {
    if (!options.pool) await pool.close();
  }
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error(String(failure));
  return { count };
}
