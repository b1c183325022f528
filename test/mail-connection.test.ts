import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSmtpConnection } from '../src/mail/connection-test.ts';
import { FAST_TIMEOUTS, SMTP_PASSWORD, startSilentServer, startTestSmtpServer, testSettings, unusedPort, type TestSmtpServer } from './mail-support.ts';

/** "Verbindung testen" against real SMTP servers on 127.0.0.1, one per security mode. */
describe('SMTP connection test', () => {
  let starttls: TestSmtpServer;
  let implicitTls: TestSmtpServer;
  let loginOnly: TestSmtpServer;
  let noStarttls: TestSmtpServer;
  let rejecting: TestSmtpServer;

  beforeAll(async () => {
    starttls = await startTestSmtpServer();
    implicitTls = await startTestSmtpServer({ secure: true });
    loginOnly = await startTestSmtpServer({ authMethods: ['LOGIN'] });
    noStarttls = await startTestSmtpServer({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
    rejecting = await startTestSmtpServer({
      onConnect(_session, callback) {
        callback(Object.assign(new Error('no service for you'), { responseCode: 554 }));
      },
    });
  });
  afterAll(async () => {
    await Promise.all([starttls, implicitTls, loginOnly, noStarttls, rejecting].map((s) => s?.close()));
  });

  it('STARTTLS with a self-signed certificate: ok when accepted', async () => {
    const outcome = await testSmtpConnection(testSettings({ port: starttls.port, security: 'starttls', acceptSelfSigned: true }), FAST_TIMEOUTS);
    expect(outcome).toMatchObject({ result: 'ok' });
  });

  it('STARTTLS with a self-signed certificate: tlsFailed (selfSigned) when not accepted', async () => {
    const outcome = await testSmtpConnection(testSettings({ port: starttls.port, security: 'starttls', acceptSelfSigned: false }), FAST_TIMEOUTS);
    expect(outcome).toMatchObject({ result: 'tlsFailed', certificateProblem: 'selfSigned' });
  });

  it('implicit TLS (port 465 style): ok', async () => {
    const outcome = await testSmtpConnection(testSettings({ port: implicitTls.port, security: 'tls' }), FAST_TIMEOUTS);
    expect(outcome.result).toBe('ok');
  });

  it('implicit TLS with a self-signed certificate not accepted: tlsFailed', async () => {
    const outcome = await testSmtpConnection(testSettings({ port: implicitTls.port, security: 'tls', acceptSelfSigned: false }), FAST_TIMEOUTS);
    expect(outcome).toMatchObject({ result: 'tlsFailed', certificateProblem: 'selfSigned' });
  });

  it('TLS chosen for a STARTTLS port: tlsFailed without a certificate problem', async () => {
    const outcome = await testSmtpConnection(testSettings({ port: starttls.port, security: 'tls' }), FAST_TIMEOUTS);
    expect(outcome).toMatchObject({ result: 'tlsFailed', certificateProblem: null });
  });

  it('STARTTLS chosen for an implicit-TLS port: the greeting never comes (timeout)', async () => {
    const outcome = await testSmtpConnection(testSettings({ port: implicitTls.port, security: 'starttls' }), FAST_TIMEOUTS);
    expect(outcome).toMatchObject({ result: 'timeout', stage: 'greeting' });
  });

  it('AUTH LOGIN works when it is the only method', async () => {
    const outcome = await testSmtpConnection(testSettings({ port: loginOnly.port }), FAST_TIMEOUTS);
    expect(outcome.result).toBe('ok');
  });

  it('a wrong password is authFailed, and the password never appears in the result', async () => {
    for (const server of [starttls, loginOnly]) {
      const wrong = 'Falsches-Passwort-99';
      const outcome = await testSmtpConnection(testSettings({ port: server.port, auth: { user: 'praxis@klangwerk.test', password: wrong } }), FAST_TIMEOUTS);
      expect(outcome.result).toBe('authFailed');
      expect(outcome.reply).toContain('535');
      const json = JSON.stringify(outcome);
      expect(json).not.toContain(wrong);
      expect(json).not.toContain(Buffer.from(wrong).toString('base64'));
      expect(json).not.toContain(SMTP_PASSWORD);
    }
  });

  it('no server on the port: connectionRefused', async () => {
    const outcome = await testSmtpConnection(testSettings({ port: await unusedPort() }), FAST_TIMEOUTS);
    expect(outcome.result).toBe('connectionRefused');
  });

  it('a server that never greets: timeout', async () => {
    const silent = await startSilentServer();
    try {
      const started = Date.now();
      const outcome = await testSmtpConnection(testSettings({ port: silent.port }), FAST_TIMEOUTS);
      expect(outcome).toMatchObject({ result: 'timeout', stage: 'greeting' });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await silent.close();
    }
  });

  it('a host name that does not resolve: dnsFailed (RFC 2606 .invalid, no network needed)', async () => {
    const outcome = await testSmtpConnection(testSettings({ host: 'smtp.faktura.invalid', port: 587 }), FAST_TIMEOUTS);
    expect(outcome.result).toBe('dnsFailed');
  });

  it('STARTTLS required but not offered: tlsFailed', async () => {
    const outcome = await testSmtpConnection(testSettings({ port: noStarttls.port, security: 'starttls' }), FAST_TIMEOUTS);
    expect(outcome).toMatchObject({ result: 'tlsFailed', certificateProblem: null });
    expect(outcome.detail).toMatch(/STARTTLS/);
  });

  it('a server that refuses the session at the greeting: greetingFailed', async () => {
    const outcome = await testSmtpConnection(testSettings({ port: rejecting.port }), FAST_TIMEOUTS);
    expect(outcome.result).toBe('greetingFailed');
    expect(outcome.reply).toContain('554');
  });

  it('without TLS and without auth against a plain server: ok', async () => {
    const outcome = await testSmtpConnection(testSettings({ port: noStarttls.port, security: 'none', auth: null }), FAST_TIMEOUTS);
    expect(outcome.result).toBe('ok');
  });
});
