import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatchPorts } from '../src/dispatch/adapters.ts';
import { startDispatchWorkerWith } from '../src/dispatch/engine/worker.ts';
import { startBouncePoller, takeLease, BOUNCE_LEASE } from '../src/mail/bounces/poller.ts';
import { mailSettingsInput, saveMailSettings } from '../src/mail/settings.ts';
import { createTemplate, TEST_SECRET } from './dispatch-support.ts';
import { seedInvoices, startDispatchOf } from './dispatch-seed.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { createTestDb, testDialects, type TestDb } from './helpers/db.ts';
import { waitFor } from './helpers/wait.ts';
import { makeCustomer } from './helpers/factories.ts';
import { startMailStack, type MailStack } from './helpers/mail-servers.ts';

/**
 * The whole way of a bounce, with real servers: Faktura sends three invoices through Debian's
 * Postfix on 127.0.0.1 to one existing and two unknown local recipients; Postfix accepts all three
 * (250), delivers one and returns two real DSNs to the sender's mailbox, which Dovecot serves; the
 * poller reads them over IMAP, marks exactly those two deliveries bounced, flags their customers
 * and moves the two reports to Faktura/Verarbeitet. Once with Message-ID matching, once with VERP.
 */
describe.each(testDialects)('bounces through Postfix and Dovecot on %s', (dialect) => {
  let stack: MailStack;
  beforeAll(async () => {
    stack = await startMailStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  async function scenario(verp: boolean) {
    const t: TestDb = await createTestDb(dialect);
    try {
      const k = t.db.kysely;
      const input = mailSettingsInput.parse({
        host: '127.0.0.1',
        port: stack.smtpPort,
        security: 'none',
        fromName: 'Hörakustik Klangwerk',
        fromEmail: stack.mailbox.user,
        ratePerMinute: 100_000,
        imap: { host: '127.0.0.1', port: stack.imapPort, security: 'none', user: stack.mailbox.user, password: stack.mailbox.password, verp },
      });
      await k.transaction().execute((trx) => saveMailSettings(trx, TEST_SECRET, input));
      const documentIds = await seedInvoices(t.db, 3);
      const tag = verp ? 'verp' : 'mid';
      const addresses = [`kunde@${stack.customerDomain}`, `unbekannt1-${tag}@${stack.customerDomain}`, `unbekannt2-${tag}@${stack.customerDomain}`];
      const customers = await k.selectFrom('customers').select('id').orderBy('id').execute();
      for (const [i, c] of customers.entries()) await k.updateTable('customers').set({ email: addresses[i] ?? null }).where('id', '=', c.id).execute();
      const before = stack.delivered(stack.mailbox.user).length;

      const worker = startDispatchWorkerWith({ db: t.db, ports: createDispatchPorts({ secret: TEST_SECRET }), pollMs: 30, sweepMs: 200 });
      const dispatchId = await startDispatchOf(t.db, documentIds, await createTemplate(t.db), TEST_SECRET);
      worker.wake();
      const sentCount = async () => (await k.selectFrom('deliveries').select('id').where('state', '=', 'sent').execute()).length;
      await waitFor(async () => (await sentCount()) === 3, { progress: sentCount, what: 'three deliveries sent' });
      await worker.stop();
      // Postfix takes every message (250) and returns the two it cannot deliver
      await waitFor(() => stack.delivered(stack.mailbox.user).length >= before + 2, { what: 'two reports returned by Postfix' });
      const returned = stack.delivered(stack.mailbox.user).slice(before);
      expect(returned.every((raw) => raw.toString('utf8').includes('Content-Type: message/delivery-status'))).toBe(true);
      if (verp) expect(returned.every((raw) => /^Delivered-To: rechnung\+d\d+@praxis\.test$/m.test(raw.toString('utf8')))).toBe(true);

      const poller = startBouncePoller({ db: t.db, secret: TEST_SECRET, intervalMs: 0 });
      const result = await poller.pollNow();
      expect(result).toMatchObject({ status: 'done', bounced: 2, applied: 2, unmatched: 0 });

      const deliveries = await k.selectFrom('deliveries').select(['to_email', 'state', 'bounce_status', 'bounce_diagnostic', 'bounced_at']).where('dispatch_id', '=', dispatchId).orderBy('to_email').execute();
      expect(deliveries.map((d) => [d.to_email, d.state, d.bounce_status])).toEqual([
        [addresses[0], 'sent', null],
        [addresses[1], 'bounced', '5.1.1'],
        [addresses[2], 'bounced', '5.1.1'],
      ]);
      expect(deliveries[1]?.bounce_diagnostic).toContain('unknown user');
      const flagged = await k.selectFrom('customers').select(['email', 'email_bounce_address', 'email_bounce_reason', 'email_bounced_at']).where('email_bounced_at', 'is not', null).orderBy('email').execute();
      expect(flagged.map((c) => c.email)).toEqual([addresses[1], addresses[2]]);
      expect(flagged[0]?.email_bounce_reason).toMatch(/^5\.1\.1 unknown user/);
      const log = await k.selectFrom('mail_bounces').select(['kind', 'matched_by']).execute();
      expect(log).toEqual([
        { kind: 'permanent', matched_by: verp ? 'verp' : 'messageId' },
        { kind: 'permanent', matched_by: verp ? 'verp' : 'messageId' },
      ]);

      // the reports were moved, nothing else was touched, and a second round changes nothing
      const client = new ImapFlow({ host: '127.0.0.1', port: stack.imapPort, secure: false, doSTARTTLS: false, auth: { user: stack.mailbox.user, pass: stack.mailbox.password }, logger: false });
      await client.connect();
      const processed = await client.status('Faktura/Verarbeitet', { messages: true });
      await client.logout();
      expect(processed === false ? -1 : processed.messages).toBe(verp ? 4 : 2);
      expect(await poller.pollNow()).toMatchObject({ status: 'done', examined: 0, bounced: 0 });
      await poller.stop();
    } finally {
      await t.cleanup();
    }
  }

  // Postfix's queue and the worker share the machine with the rest of the suite: no fixed budget
  // for the waits above (they fail when nothing moves for a minute), a generous one for the test.
  it('matches the bounces by the original Message-ID', { timeout: 300_000 }, async () => {
    await scenario(false);
  });

  it('matches the bounces by the VERP return path', { timeout: 300_000 }, async () => {
    await scenario(true);
  });
});

describe.each(testDialects)('the bounce poller lease on %s', (dialect) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(dialect);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('is held by one process at a time and taken over only after it expired', async () => {
    expect(await takeLease(t.db, 'a', 1_000, 500)).toBe(true);
    expect(await takeLease(t.db, 'b', 1_200, 500)).toBe(false);
    expect(await takeLease(t.db, 'a', 1_300, 500)).toBe(true); // the holder renews
    const results = await Promise.all(['c', 'd', 'e'].map((owner) => takeLease(t.db, owner, 2_000, 500)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const row = await t.db.kysely.selectFrom('singleton_leases').selectAll().where('name', '=', BOUNCE_LEASE).executeTakeFirstOrThrow();
    expect(['c', 'd', 'e']).toContain(row.owner);
  });

  it('a poller finds nothing to do without a mailbox, and steps aside while another holds the lease', async () => {
    const poller = startBouncePoller({ db: t.db, secret: TEST_SECRET, intervalMs: 0, owner: 'p1', now: () => new Date(10_000) });
    expect((await poller.pollNow()).status).toBe('off');
    expect(await takeLease(t.db, 'other', 10_000, 60_000)).toBe(true);
    expect((await poller.pollNow()).status).toBe('busy');
    await poller.stop();
  });
});

describe.each(testDialects)('"E-Mail unzustellbar" on the customer on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows the flag while the customer has the address that bounced; correcting the address or clearing ends it', async () => {
    const customer = await makeCustomer(t.staff, { email: 'Alt@Kunden.test' });
    expect((await t.staff.get(`/api/customers/${customer.id}`)).json().emailBounce).toBeNull();
    await t.testDb.db.kysely
      .updateTable('customers')
      .set({ email_bounced_at: '2026-12-03T08:00:00.000Z', email_bounce_address: 'alt@kunden.test', email_bounce_reason: '5.1.1 user unknown' })
      .where('id', '=', customer.id)
      .execute();
    expect((await t.staff.get(`/api/customers/${customer.id}`)).json().emailBounce).toEqual({ since: '2026-12-03T08:00:00.000Z', address: 'alt@kunden.test', reason: '5.1.1 user unknown' });

    expect((await t.staff.patch(`/api/customers/${customer.id}`, { email: 'neu@kunden.test' })).json().emailBounce).toBeNull();
    // the flag belongs to the address: going back to it brings it back
    expect((await t.staff.patch(`/api/customers/${customer.id}`, { email: 'alt@kunden.test' })).json().emailBounce).toMatchObject({ address: 'alt@kunden.test' });

    const cleared = await t.staff.delete(`/api/customers/${customer.id}/email-bounce`);
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json().emailBounce).toBeNull();
    const audit = await t.testDb.db.kysely.selectFrom('audit_log').select('details').where('action', '=', 'customer.emailBounceCleared').execute();
    expect(audit).toHaveLength(1);
    expect((await t.staff.delete('/api/customers/999999/email-bounce')).statusCode).toBe(404);
    expect((await t.anonymous.delete(`/api/customers/${customer.id}/email-bounce`)).statusCode).toBe(401);
  });
});
