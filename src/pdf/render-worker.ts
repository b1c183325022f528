import { parentPort } from 'node:worker_threads';
import type { RenderableDocument } from '../domain/issued-document.ts';
import { loadFonts } from './fonts.ts';
import { renderDocumentPdf } from './render.ts';

/**
 * Worker thread entry for bulk rendering (see bulk.ts). Each worker parses the fonts once at
 * start-up and then renders one document per message.
 */
export interface RenderRequest {
  id: number;
  doc: RenderableDocument;
}
export type RenderResponse = { id: number; ok: true; pdf: Uint8Array } | { id: number; ok: false; error: string };

const port = parentPort;
if (!port) throw new Error('render-worker must run as a worker thread');
loadFonts();
port.on('message', (request: RenderRequest) => {
  renderDocumentPdf(request.doc).then(
    (buffer) => {
      // One copy into an ArrayBuffer of its own (a Buffer may share a pooled one), which is then
      // transferred, not cloned, to the main thread.
      const pdf = new Uint8Array(buffer);
      const response: RenderResponse = { id: request.id, ok: true, pdf };
      port.postMessage(response, [pdf.buffer]);
    },
    (error: unknown) => {
      const response: RenderResponse = { id: request.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
      port.postMessage(response);
    },
  );
});
