import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatchPorts } from '../src/dispatch/adapters.ts';
import { startDispatchWorkerWith } from '../src/dispatch/engine/worker.ts';
import type { RecipientView } from '../src/http/api-types.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';
import { makeCustomer, makeFinalInvoice } from './helpers/factories.ts';
import { waitFor } from './helpers/wait.ts';
import { configureMail, createTemplate, TEST_SECRET } from './dispatch-support.ts';

/**
 * Issue 20 item 3: an uncertain delivery shows what a person needs to look it up in the mail
 * server's log — its (deterministic) Message-ID, when its transaction started, the server, the
 * attempt — in the API and the report, next to the two resolutions.
 */
describe.each(testDialects)('dispatch: the evidence of an uncertain delivery on %s', (dialect) => {
  let t: TestApp;
  let server: SMTPServer;
  let port = 0;
  /** DATA phases the server holds without answering, as if the worker died before the reply */
  let held = 0;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    server = new SMTPServer({
      logger: false,
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      onData(stream) {
        stream.resume();
        stream.on('end', () => held++);
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
    await configureMail(t.testDb.db, port, { poolSize: 1 });
  });
  afterAll(async () => {
    server?.close();
    await t?.close();
  });

  it('Message-ID, start of the transaction, server and attempt in the API and the report', async () => {
    const templateId = await createTemplate(t.testDb.db);
    const customer = await makeCustomer(t.staff, { email: `unklar.${dialect}@example.de` });
    const invoice = await makeFinalInvoice(t.staff, customer.id);
    const id: number = (await t.staff.post('/api/dispatches', { documentIds: [invoice.id] })).json().id;
    await t.staff.patch(`/api/dispatches/${id}`, { templateId });
    expect((await t.staff.post(`/api/dispatches/${id}/send`)).statusCode).toBe(202);

    // A worker that stops renewing its lease while the server holds the message in DATA (as if
    // the process died), and one whose sweep finds the lease expired.
    const dying = startDispatchWorkerWith({ db: t.testDb.db, ports: createDispatchPorts({ secret: TEST_SECRET }), pollMs: 20, leaseMs: 400 });
    await waitFor(() => held > 0, { what: 'the message in DATA' });
    void dying.stop({ timeoutMs: 0 });
    const sweeper = startDispatchWorkerWith({ db: t.testDb.db, ports: createDispatchPorts({ secret: TEST_SECRET }), pollMs: 20, sweepMs: 50 });
    try {
      const recipients = async (): Promise<RecipientView[]> => (await t.staff.get(`/api/dispatches/${id}/recipients?view=all`)).json().items;
      await waitFor(async () => (await recipients())[0]?.deliveries[0]?.state === 'uncertain', { what: 'the sweep' });
      const delivery = (await recipients())[0]?.deliveries[0];
      expect(delivery).toMatchObject({ state: 'uncertain', attempts: 1, server: `127.0.0.1:${port}` });
      expect(delivery?.messageId).toMatch(/^<.+@klangwerk\.test>$/);
      expect(Date.parse(delivery?.lastAttemptAt ?? '')).not.toBeNaN();

      const report = (await t.staff.get(`/api/dispatches/${id}/report.csv`)).body;
      const line = report.split('\r\n').find((l) => l.includes(';uncertain;')) ?? '';
      expect(line).toContain(delivery?.messageId ?? '?');
      expect(line).toContain(`127.0.0.1:${port}`);
      expect(line).toContain(delivery?.lastAttemptAt ?? '?');
    } finally {
      await sweeper.stop({ timeoutMs: 0 });
    }
  }, 60_000);
});
