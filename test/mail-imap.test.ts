import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMailSettings } from '../src/mail/settings.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { startMailStack, type MailStack } from './helpers/mail-servers.ts';
import { unusedPort } from './mail-support.ts';

/** The bounce mailbox in the mail settings, tested against Debian's Dovecot on 127.0.0.1. */
const smtpBody = {
  preset: 'custom',
  host: '127.0.0.1',
  port: 2525,
  security: 'none',
  user: null,
  fromName: 'Hörakustik Klangwerk GmbH',
  fromEmail: 'rechnung@praxis.test',
  ratePerMinute: 30,
};

describe.each(testDialects)('bounce mailbox (IMAP) settings on %s', (dialect) => {
  let t: TestApp;
  let stack: MailStack;
  const imap = () => ({
    host: '127.0.0.1',
    port: stack.imapPort,
    security: 'none',
    user: stack.mailbox.user,
    password: stack.mailbox.password,
  });
  beforeAll(async () => {
    [t, stack] = await Promise.all([createTestApp(dialect), startMailStack({ postfix: false })]);
  });
  afterAll(async () => {
    await t?.close();
    await stack?.stop();
  });

  it('stores the IMAP password sealed, never returns it, keeps it when omitted and keeps the mailbox when a client leaves it out', async () => {
    const saved = await t.admin.put('/api/settings/mail', { ...smtpBody, imap: { ...imap(), verp: true } });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().imap).toEqual({
      host: '127.0.0.1',
      port: stack.imapPort,
      security: 'none',
      user: stack.mailbox.user,
      passwordSet: true,
      acceptSelfSigned: false,
      folder: 'INBOX',
      processedFolder: 'Faktura/Verarbeitet',
      sentFolder: null,
      verp: true,
      saveSentCopy: false,
      dailyDigest: false,
    });
    expect(saved.body).not.toContain(stack.mailbox.password);
    const row = await t.testDb.db.kysely.selectFrom('mail_settings').selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(stack.mailbox.password);
    const audit = await t.testDb.db.kysely.selectFrom('audit_log').select('details').where('action', '=', 'mailSettings.update').execute();
    expect(JSON.stringify(audit)).not.toContain(stack.mailbox.password);
    expect(JSON.parse(audit[0]?.details ?? '{}')).toMatchObject({ imapHost: '127.0.0.1', imapPasswordChanged: true });

    // an older client that knows nothing of IMAP saves the SMTP part: the mailbox stays
    expect((await t.admin.put('/api/settings/mail', { ...smtpBody, fromName: 'Klangwerk' })).json().imap).toMatchObject({ passwordSet: true, verp: true });
    // the form without a password keeps the stored one
    const { password: _password, ...withoutPassword } = imap();
    expect((await t.admin.put('/api/settings/mail', { ...smtpBody, imap: { ...withoutPassword, dailyDigest: true } })).json().imap).toMatchObject({ passwordSet: true, dailyDigest: true, verp: false });
    const stored = await loadMailSettings(t.testDb.db, t.config.secret);
    expect(stored?.imap?.auth).toEqual({ user: stack.mailbox.user, password: stack.mailbox.password });
  });

  it('rejects an incomplete mailbox with the field named', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ host: '' }, 'mailSettings.imapHostMissing', 'imap.host'],
      [{ host: 'bad host!' }, 'mailSettings.imapHostInvalid', 'imap.host'],
      [{ user: '' }, 'mailSettings.imapUserMissing', 'imap.user'],
      [{ processedFolder: 'inbox' }, 'mailSettings.imapFolderInvalid', 'imap.processedFolder'],
      [{ folder: 'INBOX/*' }, 'mailSettings.imapFolderInvalid', 'imap.folder'],
    ];
    for (const [change, code, field] of cases) {
      const response = await t.admin.put('/api/settings/mail', { ...smtpBody, imap: { ...imap(), ...change } });
      expect(response.statusCode, JSON.stringify(change)).toBe(400);
      expect(response.json()).toMatchObject({ code, field });
    }
  });

  it('the connection test logs in and says which folders exist', async () => {
    const ok = await t.admin.post('/api/settings/mail/imap-test', { settings: { ...smtpBody, imap: imap() } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ result: 'ok', processedFolderExists: false, messages: 0 });

    // the folder exists once created; the test then says so
    const client = new ImapFlow({ host: '127.0.0.1', port: stack.imapPort, secure: false, doSTARTTLS: false, auth: { user: stack.mailbox.user, pass: stack.mailbox.password }, logger: false });
    await client.connect();
    await client.mailboxCreate('Faktura/Verarbeitet');
    await client.logout();
    expect((await t.admin.post('/api/settings/mail/imap-test', { settings: { ...smtpBody, imap: imap() } })).json()).toMatchObject({ result: 'ok', processedFolderExists: true });

    const missing = await t.admin.post('/api/settings/mail/imap-test', { settings: { ...smtpBody, imap: { ...imap(), folder: 'Bounces' } } });
    expect(missing.json()).toMatchObject({ result: 'folderMissing' });
  });

  it('reports a wrong password, a closed port and an untrusted certificate as such, never showing the password', async () => {
    const wrong = await t.admin.post('/api/settings/mail/imap-test', { settings: { ...smtpBody, imap: { ...imap(), password: 'falsch-Passwort-9' } } });
    expect(wrong.json()).toMatchObject({ result: 'authFailed' });
    expect(wrong.body).not.toContain('falsch-Passwort-9');

    const closed = await t.admin.post('/api/settings/mail/imap-test', { settings: { ...smtpBody, imap: { ...imap(), port: await unusedPort() } } });
    expect(closed.json()).toMatchObject({ result: 'connectionRefused' });

    const tls = { ...imap(), port: stack.imapsPort, security: 'tls' };
    const untrusted = await t.admin.post('/api/settings/mail/imap-test', { settings: { ...smtpBody, imap: tls } });
    expect(untrusted.json()).toMatchObject({ result: 'tlsFailed', certificateProblem: 'selfSigned' });
    const accepted = await t.admin.post('/api/settings/mail/imap-test', { settings: { ...smtpBody, imap: { ...tls, acceptSelfSigned: true } } });
    expect(accepted.json()).toMatchObject({ result: 'ok' });

    const starttls = await t.admin.post('/api/settings/mail/imap-test', { settings: { ...smtpBody, imap: { ...imap(), security: 'starttls', acceptSelfSigned: true } } });
    expect(starttls.json()).toMatchObject({ result: 'ok' });
  });

  it('sends the stored password only to the server it was stored for', async () => {
    await t.admin.put('/api/settings/mail', { ...smtpBody, imap: imap() });
    const { password: _password, ...withoutPassword } = imap();
    // the stored settings: the stored password is used
    expect((await t.admin.post('/api/settings/mail/imap-test', {})).json()).toMatchObject({ result: 'ok' });
    expect((await t.admin.post('/api/settings/mail/imap-test', { settings: { ...smtpBody, imap: withoutPassword } })).json()).toMatchObject({ result: 'ok' });
    // another host without a password: refused before anything is sent
    const elsewhere = await t.admin.post('/api/settings/mail/imap-test', { settings: { ...smtpBody, imap: { ...withoutPassword, host: 'localhost' } } });
    expect(elsewhere.statusCode).toBe(400);
    expect(elsewhere.json()).toMatchObject({ code: 'mailSettings.imapPasswordMissing', field: 'imap.password' });
  });

  it('is admin only', async () => {
    expect((await t.staff.post('/api/settings/mail/imap-test', {})).statusCode).toBe(403);
  });
});
