import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailCatcher, type MailCatcher } from '../src/mail/catcher.ts';
import { composeMessage } from '../src/mail/compose.ts';
import { testSmtpConnection } from '../src/mail/connection-test.ts';
import { createMailTransport } from '../src/mail/transport.ts';
import { testSettings } from './mail-support.ts';

describe('built-in mail catcher', () => {
  let catcher: MailCatcher;
  beforeAll(async () => {
    catcher = await startMailCatcher({ port: 0, host: '127.0.0.1', limit: 3 });
  });
  afterAll(async () => {
    await catcher?.close();
  });

  it('refuses to listen beyond loopback', async () => {
    await expect(startMailCatcher({ port: 0, host: '0.0.0.0' })).rejects.toThrow(/loopback/);
  });

  it('accepts any login, keeps the newest messages parsed, and drops the oldest', async () => {
    const settings = testSettings({ port: catcher.port, security: 'none', auth: { user: 'demo', password: 'demo' } });
    expect((await testSmtpConnection(settings)).result).toBe('ok');
    const transport = createMailTransport(settings);
    try {
      for (let i = 1; i <= 4; i++) {
        await transport.sendMail(
          composeMessage({
            settings,
            subject: `Rechnung ${i} – Grüße`,
            text: `Text ${i}`,
            to: { name: 'Jörg Ärmel', email: `joerg${i}@example.de` },
            attachments: [{ filename: `Rechnung_RE-2026-0000${i}.pdf`, content: Buffer.from(`%PDF-${i}`) }],
            messageId: `<m${i}@klangwerk.test>`,
          }),
        );
      }
    } finally {
      transport.close();
    }
    const messages = catcher.messages();
    expect(messages.map((m) => m.subject)).toEqual(['Rechnung 4 – Grüße', 'Rechnung 3 – Grüße', 'Rechnung 2 – Grüße']);
    const newest = messages[0];
    if (!newest) throw new Error('no message');
    expect(newest).toMatchObject({ messageId: '<m4@klangwerk.test>', envelope: { from: 'rechnung@klangwerk.test', to: ['joerg4@example.de'] }, text: 'Text 4' });
    expect(newest.to).toContain('Jörg Ärmel');
    expect(newest.html).toContain('<p>Text 4</p>');
    expect(newest.attachments[0]).toMatchObject({ index: 0, filename: 'Rechnung_RE-2026-00004.pdf', contentType: 'application/pdf' });
    expect(newest.attachments[0]?.content.toString()).toBe('%PDF-4');
    expect(catcher.get(newest.id)?.subject).toBe('Rechnung 4 – Grüße');
    expect(catcher.get(1)).toBeUndefined();
    catcher.clear();
    expect(catcher.messages()).toEqual([]);
  });
});
