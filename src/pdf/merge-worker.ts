import { parentPort } from 'node:worker_threads';
import { mergePdfs } from './merge.ts';

/**
 * Worker thread entry for merging print PDFs (./merge-thread.ts): pdf-lib parses and writes on
 * this thread, so a print batch of hundreds of documents does not block the event loop (613
 * documents held every request for 5 s). The sources arrive one message each and are merged in
 * order as they come; `end` asks for the result.
 */
export type MergeMessage = { type: 'add'; pdf: Uint8Array } | { type: 'end' };
export type MergeResult = { ok: true; pdf: Uint8Array } | { ok: false; error: string };

const port = parentPort;
if (!port) throw new Error('merge-worker must run as a worker thread');

const queue: Uint8Array[] = [];
let wake: (() => void) | undefined;
let ended = false;

async function* sources(): AsyncGenerator<Uint8Array> {
  for (;;) {
    const next = queue.shift();
    if (next) yield next;
    else if (ended) return;
    else await new Promise<void>((resolve) => (wake = resolve));
  }
}

port.on('message', (message: MergeMessage) => {
  if (message.type === 'add') queue.push(message.pdf);
  else ended = true;
  wake?.();
  wake = undefined;
});

mergePdfs(sources()).then(
  (pdf) => {
    const result: MergeResult = { ok: true, pdf };
    port.postMessage(result, pdf.buffer instanceof ArrayBuffer ? [pdf.buffer] : []);
  },
  (error: unknown) => {
    const result: MergeResult = { ok: false, error: error instanceof Error ? error.message : String(error) };
    port.postMessage(result);
  },
);
