import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError, withBufferContent, type SmtpThreadData, type SmtpThreadGo, type SmtpThreadRequest, type SmtpThreadResponse } from './thread-protocol.ts';
import { createMailTransport } from './transport.ts';

/**
 * The SMTP thread (see transport-thread.ts): one pooled nodemailer transport, one message per
 * request. MIME encoding, dot-stuffing, DKIM signing and TLS run here, off the main thread.
 */
const port = parentPort;
if (!port) throw new Error('transport-thread-worker must run as a worker thread');
const data = workerData as SmtpThreadData;
const transport = createMailTransport(data.settings, data.timeouts, { perProcessRateLimit: data.perProcessRateLimit });

interface Gate {
  id: number;
  /** resolves with the owner's `go` */
  decision: Promise<boolean>;
  decide: (proceed: boolean) => void;
}

/** Gated messages by Message-ID (the stream plugin sees the message, not the request). */
const gates = new Map<string, Gate>();
const gatesById = new Map<number, Gate>();

/**
 * The message's content as the connection reads it, held back until the owner says go. The
 * connection reads the content only after the server accepted the envelope and answered DATA
 * with 354 (nodemailer's SMTPConnection.send pipes it then), on a connection that is open,
 * greeted, encrypted and logged in: that first read is the moment to mark the delivery `sending`.
 * Without the go, the transaction is aborted before a byte of content left (the connection is
 * closed; a server discards a message without its final dot).
 */
function gated(inner: Readable, gate: Gate): Readable {
  let started = false;
  let flowing = false;
  const out: Readable = new Readable({
    read() {
      if (started) {
        if (flowing) inner.resume();
        return;
      }
      started = true;
      const ready: SmtpThreadResponse = { id: gate.id, ready: true };
      port?.postMessage(ready);
      void gate.decision.then((proceed) => {
        if (!proceed) {
          out.destroy(Object.assign(new Error('not marked as sending: the message was withdrawn before its content was sent'), { code: 'EWITHDRAWN' }));
          return;
        }
        flowing = true;
        inner.on('data', (chunk: Buffer) => {
          if (!out.push(chunk)) inner.pause();
        });
        inner.once('end', () => out.push(null));
        inner.resume();
      });
    },
    destroy(error, callback) {
      inner.destroy();
      callback(error);
    },
  });
  inner.pause();
  inner.once('error', (error) => out.destroy(error));
  return out;
}

transport.use('stream', (mail, done) => {
  const messageId = typeof mail.data.messageId === 'string' ? mail.data.messageId : undefined;
  const gate = messageId === undefined ? undefined : gates.get(messageId);
  if (gate) {
    const message = mail.message;
    const original = message.createReadStream.bind(message);
    message.createReadStream = (options) => gated(original(options), gate);
  }
  done();
});

port.on('message', (request: SmtpThreadRequest | SmtpThreadGo | 'close') => {
  if (request === 'close') {
    transport.close();
    port.close();
    return;
  }
  if ('go' in request) {
    gatesById.get(request.go)?.decide(request.proceed);
    return;
  }
  const mail = withBufferContent(request.mail);
  const messageId = typeof mail.messageId === 'string' ? mail.messageId : undefined;
  if (request.gate && messageId !== undefined) {
    let decide: (proceed: boolean) => void = () => undefined;
    const decision = new Promise<boolean>((resolve) => (decide = resolve));
    const gate: Gate = { id: request.id, decision, decide };
    gates.set(messageId, gate);
    gatesById.set(request.id, gate);
  }
  const forget = () => {
    if (messageId !== undefined && gates.get(messageId)?.id === request.id) gates.delete(messageId);
    gatesById.delete(request.id);
  };
  transport.sendMail(mail).then(
    (info) => {
      forget();
      const response: SmtpThreadResponse = { id: request.id, ok: true, messageId: info.messageId, response: String(info.response ?? '') };
      port.postMessage(response);
    },
    (error: unknown) => {
      forget();
      const response: SmtpThreadResponse = { id: request.id, ok: false, error: serializeError(error) };
      port.postMessage(response);
    },
  );
});
