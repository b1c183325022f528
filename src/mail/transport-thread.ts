import type { SendMailOptions } from 'nodemailer';
import type { Worker } from 'node:worker_threads';
import { startBundledThread } from '../threads.ts';
import type { MailSettings } from './settings.ts';
import { deserializeError, type SmtpThreadData, type SmtpThreadGo, type SmtpThreadRequest, type SmtpThreadResponse } from './thread-protocol.ts';
import type { SmtpTimeouts } from './transport.ts';

/**
 * A pooled SMTP transport (createMailTransport) that runs in a worker thread of its own.
 *
 * Encoding a message (base64 of the PDFs, quoted-printable text, dot-stuffing, DKIM) costs more
 * CPU than everything else a delivery needs; on the main thread it competed with the dispatch's
 * database work and with the web requests of the people using Faktura meanwhile. The thread
 * starts with the first message, so a transport that is opened and closed unused costs nothing.
 * Failures arrive with nodemailer's fields (code, responseCode, response, …) intact and are
 * classified exactly as in-process ones.
 */
export interface ThreadedTransport {
  /**
   * Sends one message. Attachment bytes that are a Buffer of their own (not a slice of a shared
   * one) are moved to the thread, not copied: after the call they are empty here.
   */
  sendMail(mail: SendMailOptions, hooks?: SendHooks): Promise<{ messageId: string; response: string }>;
  /** Starts the thread now (it would start with the first message), so the first message does not wait for it. */
  warm(): void;
  /** Closes the pool once the thread has taken the messages already given to it; the thread then ends. */
  close(): void;
}

/**
 * The thread's young generation. V8's default lets it grow to 3 × 16 MiB; the thread's garbage
 * is short-lived stream chunks, and 8 MiB cost no measurable speed (bench/dispatch.ts) while
 * keeping the process within its memory budget at 100,000 recipients.
 */
const YOUNG_GENERATION_MB = 8;

export interface SendHooks {
  /**
   * Called once a connection is ready to carry the message: open, greeted, TLS and login done,
   * envelope accepted, the server waiting for the content (DATA answered 354). The content is sent
   * only if it resolves true; otherwise the transaction is aborted before any content and the
   * send fails (code EWITHDRAWN). Messages need a Message-ID for this.
   */
  ready(): Promise<boolean>;
}

interface Pending {
  resolve: (info: { messageId: string; response: string }) => void;
  reject: (error: Error) => void;
  hooks: SendHooks | undefined;
}

export function createThreadedMailTransport(settings: MailSettings, timeouts: SmtpTimeouts, options: { perProcessRateLimit?: boolean } = {}): ThreadedTransport {
  const data: SmtpThreadData = { settings, timeouts, perProcessRateLimit: options.perProcessRateLimit ?? true };
  const pending = new Map<number, Pending>();
  let worker: Worker | undefined;
  let nextId = 1;
  let closed = false;

  const start = (): Worker => {
    const w = startBundledThread(new URL('./transport-thread-worker.ts', import.meta.url), {
      workerData: data,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    w.on('message', (response: SmtpThreadResponse) => {
      if ('ready' in response) {
        const hooks = pending.get(response.id)?.hooks;
        const answer = (proceed: boolean) => {
          const go: SmtpThreadGo = { go: response.id, proceed };
          if (worker === w) w.postMessage(go);
        };
        if (!hooks) answer(true);
        else hooks.ready().then(answer, () => answer(false));
        return;
      }
      const p = pending.get(response.id);
      pending.delete(response.id);
      if (pending.size === 0) w.unref();
      if (!p) return;
      if (response.ok) p.resolve({ messageId: response.messageId, response: response.response });
      else p.reject(deserializeError(response.error));
    });
    // A thread that ends takes its connections with it: what it was sending fails like a dropped
    // connection, and the next message starts a new thread (unless the transport was closed).
    const lost = (reason: string) => {
      if (worker !== w && !closed) return;
      if (worker === w) worker = undefined;
      const error = Object.assign(new Error(`the SMTP thread stopped: ${reason}`), { code: 'ECONNECTION' });
      for (const p of pending.values()) p.reject(error);
      pending.clear();
    };
    w.on('error', (error) => lost(error.message));
    w.on('exit', (code) => lost(`exit code ${code}`));
    return w;
  };

  return {
    warm() {
      if (closed || worker) return;
      try {
        worker = start();
        worker.unref();
      } catch {
        // it is started again with the first message, which then reports the failure
      }
    },
    sendMail(mail, hooks) {
      if (closed) return Promise.reject(new Error('the SMTP transport is closed'));
      let w: Worker;
      try {
        w = worker ??= start();
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      return new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject, hooks });
        // Keeps the process alive while a message is on its way, not while the thread idles.
        w.ref();
        const request: SmtpThreadRequest = { id, mail, ...(hooks ? { gate: true } : {}) };
        try {
          w.postMessage(request, ownedBuffers(mail));
        } catch (error) {
          // Something in the message that cannot cross threads (only plain data and bytes can).
          pending.delete(id);
          if (pending.size === 0) w.unref();
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
    close() {
      closed = true;
      const w = worker;
      worker = undefined;
      if (!w) return;
      w.postMessage('close');
      w.unref();
    },
  };
}

/** The ArrayBuffers used by nothing but one attachment's bytes (never a slice of Node's shared Buffer pool). */
function ownedBuffers(mail: SendMailOptions): ArrayBuffer[] {
  const owned: ArrayBuffer[] = [];
  for (const a of mail.attachments ?? []) {
    const content: unknown = a.content;
    if (content instanceof Uint8Array && content.buffer instanceof ArrayBuffer && content.byteOffset === 0 && content.byteLength === content.buffer.byteLength && !owned.includes(content.buffer)) {
      owned.push(content.buffer);
    }
  }
  return owned;
}
