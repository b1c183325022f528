import { describe, expect, it } from 'vitest';
import { classifySmtpError } from './smtp-errors.ts';
import { deserializeError, serializeError, withBufferContent } from './thread-protocol.ts';

/** Errors and attachments as they cross from the SMTP thread by structured clone. */
describe('thread protocol', () => {
  it('keeps what classification reads: code, reply, reply code, command and the causes’ codes', () => {
    const rejected = Object.assign(new Error('Can\'t send mail - all recipients were rejected: 550 5.1.1 <x@example.de>: unknown'), {
      code: 'EENVELOPE',
      response: '550 5.1.1 <x@example.de>: unknown',
      responseCode: 550,
      command: 'RCPT TO',
      rejected: ['x@example.de'],
    });
    const tls = Object.assign(new Error('certificate problem', { cause: Object.assign(new Error('self-signed'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }) }), { code: 'ESOCKET' });
    for (const original of [rejected, tls]) {
      const copy = deserializeError(structuredClone(serializeError(original)));
      expect(copy.message).toBe(original.message);
      expect(classifySmtpError(copy)).toEqual(classifySmtpError(original));
    }
    expect(classifySmtpError(deserializeError(structuredClone(serializeError(tls)))).class).toBe('tls');
    expect(classifySmtpError(deserializeError(structuredClone(serializeError(rejected)))).class).toBe('permanent');
  });

  it('turns cloned attachment bytes back into Buffers without copying', () => {
    const cloned = structuredClone({ attachments: [{ filename: 'a.pdf', content: Buffer.from('%PDF-1.7') }] });
    const content: unknown = cloned.attachments[0]?.content;
    expect(Buffer.isBuffer(content)).toBe(false);
    const fixed = withBufferContent(cloned);
    const bytes: unknown = fixed.attachments?.[0]?.content;
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(String(bytes)).toBe('%PDF-1.7');
    expect((bytes as Buffer).buffer).toBe((content as Uint8Array).buffer);
  });
});
