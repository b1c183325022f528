import { describe, expect, it } from 'vitest';
import { createSecretBox } from './secret-box.ts';

describe('secret box', () => {
  const box = createSecretBox('x'.repeat(40));

  it('round-trips and never stores the plaintext', () => {
    const sealed = box.seal('Geheim-Passwort-7!', 'smtpPassword');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('Geheim');
    expect(box.open(sealed, 'smtpPassword')).toBe('Geheim-Passwort-7!');
  });

  it('uses a fresh nonce each time', () => {
    expect(box.seal('a', 'smtpPassword')).not.toBe(box.seal('a', 'smtpPassword'));
  });

  it('refuses a wrong secret, a swapped purpose and tampering, without leaking anything', () => {
    const sealed = box.seal('Geheim', 'smtpPassword');
    expect(() => createSecretBox('y'.repeat(40)).open(sealed, 'smtpPassword')).toThrow(expect.objectContaining({ code: 'mailSettings.secretUndecryptable' }));
    expect(() => box.open(sealed, 'dkimPrivateKey')).toThrow(expect.objectContaining({ code: 'mailSettings.secretUndecryptable' }));
    const parts = sealed.split('.');
    const flipped = [parts[0], parts[1], Buffer.from('Xeheim').toString('base64url'), parts[3]].join('.');
    expect(() => box.open(flipped, 'smtpPassword')).toThrow(expect.objectContaining({ code: 'mailSettings.secretUndecryptable' }));
    expect(() => box.open('garbage', 'smtpPassword')).toThrow(expect.objectContaining({ code: 'mailSettings.secretUndecryptable' }));
  });
});
