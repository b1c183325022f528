import { startModuleThread } from '../threads.ts';
import type { MergeMessage, MergeResult } from './merge-worker.ts';

/**
 * Merges PDFs for printing on a thread of its own (./merge-worker.ts), one thread per print job,
 * ended afterwards: pdf-lib's parsing and writing never run on the event loop. Sources are pulled
 * one at a time and moved (not copied again) to the thread as they arrive, so the caller can
 * stream them from the archive. Callers bound the number of documents (MAX_PRINT_DOCUMENTS).
 */
export async function mergePdfsOffThread(sources: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const worker = startModuleThread(new URL('./merge-worker.ts', import.meta.url));
  const result = new Promise<Uint8Array>((resolve, reject) => {
    worker.once('message', (message: MergeResult) => (message.ok ? resolve(message.pdf) : reject(new Error(`merging the print PDF failed: ${message.error}`))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the PDF merge thread ended (exit code ${code})`)));
  });
  result.catch(() => undefined); // awaited below; a failure while sources are still read must not go unhandled
  try {
    for await (const source of sources) {
      // An ArrayBuffer of its own (a Buffer may share a pooled one), moved to the thread.
      const pdf = new Uint8Array(source);
      const message: MergeMessage = { type: 'add', pdf };
      worker.postMessage(message, [pdf.buffer]);
    }
    const end: MergeMessage = { type: 'end' };
    worker.postMessage(end);
    return await result;
  } finally {
    void worker.terminate();
  }
}
