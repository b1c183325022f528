import { parentPort, workerData } from 'node:worker_threads';
import { serializeError, withBufferContent, type SmtpThreadData, type SmtpThreadRequest, type SmtpThreadResponse } from './thread-protocol.ts';
import { createMailTransport } from './transport.ts';

/**
 * The SMTP thread (see transport-thread.ts): one pooled nodemailer transport, one message per
 * request. MIME encoding, dot-stuffing, DKIM signing and TLS run here, off the main thread.
 */
const port = parentPort;
if (!port) throw new Error('transport-thread-worker must run as a worker thread');
const data = workerData as SmtpThreadData;
const transport = createMailTransport(data.settings, data.timeouts, { perProcessRateLimit: data.perProcessRateLimit });

port.on('message', (request: SmtpThreadRequest | 'close') => {
  if (request === 'close') {
    transport.close();
    port.close();
    return;
  }
  transport.sendMail(withBufferContent(request.mail)).then(
    (info) => {
      const response: SmtpThreadResponse = { id: request.id, ok: true, messageId: info.messageId, response: String(info.response ?? '') };
      port.postMessage(response);
    },
    (error: unknown) => {
      const response: SmtpThreadResponse = { id: request.id, ok: false, error: serializeError(error) };
      port.postMessage(response);
    },
  );
});
