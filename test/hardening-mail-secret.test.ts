import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMailSettings } from '../src/mail/settings.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { SMTP_PASSWORD, SMTP_USER, startTestSmtpServer, type TestSmtpServer } from './mail-support.ts';

const settingsBody = (port: number, overrides: Record<string, unknown> = {}) => ({
  preset: 'custom',
  host: '127.0.0.1',
  port,
  security: 'starttls',
  user: SMTP_USER,
  password: SMTP_PASSWORD,
  acceptSelfSigned: true,
  fromName: 'Hörakustik Klangwerk GmbH',
  fromEmail: 'rechnung@klangwerk.test',
  ratePerMinute: 30,
  ratePerDay: 10_000,
  ...overrides,
});

/** Issue 15 item 6: the stored SMTP password is only ever sent to the server it was stored for. */
describe.each(testDialects)('stored SMTP password on %s', (dialect) => {
  let t: TestApp;
  let stored: TestSmtpServer;
  let other: TestSmtpServer;
  /** Every password the second server was offered. */
  const offered: string[] = [];
  beforeAll(async () => {
    t = await createTestApp(dialect);
    stored = await startTestSmtpServer();
    other = await startTestSmtpServer({
      onAuth(auth, _session, callback) {
        offered.push(auth.password ?? '');
        callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
      },
    });
    const saved = await t.admin.put('/api/settings/mail', settingsBody(stored.port));
    expect(saved.statusCode).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await stored?.close();
    await other?.close();
  });

  const { password: _omit, ...withoutPassword } = settingsBody(0);

  it('tests a draft for the same server, port and user with the stored password', async () => {
    const ok = await t.admin.post('/api/settings/mail/test', { settings: { ...withoutPassword, port: stored.port } });
    expect(ok.json()).toMatchObject({ result: 'ok' });
  });

  it('requires the password again for a draft pointing at another port, host or user: the other server never sees the stored one', async () => {
    const drafts = [
      { ...withoutPassword, port: other.port },
      { ...withoutPassword, port: stored.port, host: 'localhost' },
      { ...withoutPassword, port: stored.port, user: 'jemand@anders.test' },
    ];
    for (const draft of drafts) {
      const refused = await t.admin.post('/api/settings/mail/test', { settings: draft });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({ code: 'mailSettings.passwordReenter', field: 'password' });
    }
    // With a password typed in, that one (and only that one) goes to the other server.
    const typed = await t.admin.post('/api/settings/mail/test', { settings: { ...withoutPassword, port: other.port, password: 'neu-eingegeben' } });
    expect(typed.json()).toMatchObject({ result: 'authFailed' });
    expect(offered).toEqual(['neu-eingegeben']);
  });

  it('does not save another server without its password, and never keeps the old password for it', async () => {
    const refused = await t.admin.put('/api/settings/mail', { ...withoutPassword, port: other.port });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'mailSettings.passwordReenter', field: 'password' });
    expect((await loadMailSettings(t.testDb.db, t.config.secret))?.port).toBe(stored.port);
    // Saved with its own password: the stored settings then test against the other server with it.
    expect((await t.admin.put('/api/settings/mail', { ...withoutPassword, port: other.port, password: 'zweites-passwort' })).statusCode).toBe(200);
    expect((await t.admin.post('/api/settings/mail/test')).json()).toMatchObject({ result: 'authFailed' });
    expect(offered).not.toContain(SMTP_PASSWORD);
    expect(offered).toContain('zweites-passwort');
    // Back to the first server: its old password is gone, so it must be entered again too.
    const back = await t.admin.put('/api/settings/mail', { ...withoutPassword, port: stored.port });
    expect(back.json()).toMatchObject({ code: 'mailSettings.passwordReenter' });
  });
});
