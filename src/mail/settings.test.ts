import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAIL_PRESETS } from './presets.ts';
import { mailSettingsInput, mailSettingsWarnings, validateMailSettings, type MailSettingsInput } from './settings.ts';

const base: MailSettingsInput = mailSettingsInput.parse({
  host: 'smtp.office365.com',
  port: 587,
  security: 'starttls',
  user: 'rechnung@praxis.de',
  password: 'pw',
  fromName: 'Praxis',
  fromEmail: 'rechnung@praxis.de',
  ratePerMinute: 30,
});
const none = { passwordSet: false, dkimKeySet: false };

function code(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown';
  }
}

describe('mail settings validation', () => {
  it('accepts a complete configuration', () => {
    expect(code(() => validateMailSettings(base, none))).toBeUndefined();
  });

  it('names what is missing or wrong', () => {
    expect(code(() => validateMailSettings({ ...base, host: '' }, none))).toBe('mailSettings.hostMissing');
    expect(code(() => validateMailSettings({ ...base, host: 'smtp server' }, none))).toBe('mailSettings.hostInvalid');
    expect(code(() => validateMailSettings({ ...base, fromEmail: 'x@y' }, none))).toBe('mailSettings.fromInvalid');
    expect(code(() => validateMailSettings({ ...base, fromName: 'A\r\nBcc: x@y.de' }, none))).toBe('mailSettings.fromNameInvalid');
    expect(code(() => validateMailSettings({ ...base, bccArchive: 'nope' }, none))).toBe('mailSettings.bccInvalid');
    const { password: _password, ...withoutPassword } = base;
    expect(code(() => validateMailSettings(withoutPassword, none))).toBe('mailSettings.passwordMissing');
    expect(code(() => validateMailSettings(withoutPassword, { passwordSet: true, dkimKeySet: false }))).toBeUndefined();
  });

  it('checks the DKIM key', () => {
    const dkim = { domain: 'praxis.de', selector: 'faktura' };
    expect(code(() => validateMailSettings({ ...base, dkim }, none))).toBe('mailSettings.dkimKeyMissing');
    expect(code(() => validateMailSettings({ ...base, dkim: { ...dkim, privateKey: 'not a key' } }, none))).toBe('mailSettings.dkimKeyInvalid');
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(code(() => validateMailSettings({ ...base, dkim: { ...dkim, privateKey: pem } }, none))).toBeUndefined();
    expect(code(() => validateMailSettings({ ...base, dkim: { ...dkim, selector: 'a b' } }, { passwordSet: false, dkimKeySet: true }))).toBe('mailSettings.dkimSelectorInvalid');
  });

  it('warns about risky choices', () => {
    expect(mailSettingsWarnings({ security: 'none', auth: { user: 'u', password: 'p' }, acceptSelfSigned: true, port: 25 })).toEqual(['mailSettings.selfSignedAccepted', 'mailSettings.passwordUnencrypted']);
  });

  it('has the Microsoft 365 preset with its documented limits', () => {
    expect(MAIL_PRESETS.find((p) => p.id === 'microsoft365')).toMatchObject({ host: 'smtp.office365.com', port: 587, security: 'starttls', ratePerMinute: 30, ratePerDay: 10_000 });
    expect(MAIL_PRESETS.map((p) => p.id)).toEqual(['microsoft365', 'google', 'ionos', 'strato', 'custom']);
  });
});
