import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, testDialects, type TestDb } from './helpers/db.ts';
import { waitFor } from './helpers/wait.ts';
import { configureMail, createTemplate, TEST_SECRET } from './dispatch-support.ts';
import { seedInvoices, startDispatchOf } from './dispatch-seed.ts';

/**
 * Issue 20 item 1: a delivery is `sending` only while its SMTP transaction carries it. A worker
 * process is killed right after it starts and then after every N messages; after each kill, the
 * deliveries it left `sending` (each one becomes `uncertain`, a question for a person) must not
 * outnumber the transactions the SMTP server had in their DATA phase at that moment: those cut
 * off in DATA, and those it had accepted whose `sent` the worker did not record before it died.
 */

interface Server {
  port: number;
  /** Message-IDs of accepted messages */
  received: string[];
  /** DATA phases cut off by a closed connection before the server answered */
  interrupted: number;
  /** open client connections */
  open: number;
  close(): Promise<void>;
}

async function startServer(): Promise<Server> {
  const state: Server = { port: 0, received: [], interrupted: 0, open: 0, close: async () => undefined };
  const inData = new Map<number, boolean>();
  const sockets = new Set<Socket>();
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    onData(stream, session, callback) {
      inData.set(session.remotePort, true);
      let head = '';
      stream.on('data', (c: Buffer) => {
        if (head.length < 8192) head += c.toString('latin1');
      });
      stream.on('end', () => {
        // A connection that closed in DATA: not a message.
        if (!inData.get(session.remotePort)) return;
        inData.set(session.remotePort, false);
        state.received.push(/^Message-ID:\s*(<[^>]+>)/im.exec(head)?.[1] ?? '');
        callback(null, 'Ok');
      });
    },
  });
  server.on('error', () => undefined);
  server.server.on('connection', (socket: Socket) => {
    const port = socket.remotePort ?? 0;
    sockets.add(socket);
    state.open++;
    socket.on('close', () => {
      if (inData.get(port)) state.interrupted++;
      inData.delete(port);
      sockets.delete(socket);
      state.open--;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  state.port = typeof address === 'object' && address ? address.port : 0;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}

function startWorker(testDb: TestDb): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'test/helpers/worker-process.ts', '--lease-ms=1500', '--poll-ms=20', '--sweep-ms=200'], {
    env: { ...process.env, ...testDb.env, FAKTURA_SECRET: TEST_SECRET, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const RECIPIENTS = 400;
const EVERY = 40;

describe.each(testDialects)('dispatch: uncertain only what was in DATA, on %s', (dialect) => {
  let testDb: TestDb;
  let server: Server;
  let dispatchId: number;

  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    server = await startServer();
    await configureMail(testDb.db, server.port, { poolSize: 4 });
    const templateId = await createTemplate(testDb.db);
    dispatchId = await startDispatchOf(testDb.db, await seedInvoices(testDb.db, RECIPIENTS, 1024), templateId, TEST_SECRET);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await testDb?.cleanup();
  });

  it('after each kill: left sending ≤ transactions in DATA', async () => {
    const k = testDb.db.kysely;
    const sendingRows = () => k.selectFrom('deliveries').select(['id', 'message_id']).where('dispatch_id', '=', dispatchId).where('state', '=', 'sending').execute();
    const report: string[] = [];
    for (let kill = 0; ; kill++) {
      const left = await k.selectFrom('deliveries').select('id').where('dispatch_id', '=', dispatchId).where('state', 'in', ['queued', 'retrying']).execute();
      if (left.length < EVERY) break;
      // Rows an earlier kill left `sending` until the sweep takes them are not this kill's.
      const earlier = new Set((await sendingRows()).map((r) => r.id));
      const interruptedBefore = server.interrupted;
      const receivedBefore = server.received.length;
      const child = startWorker(testDb);
      const exited = new Promise((r) => child.once('exit', r));
      // The first kill comes as soon as the fresh worker marks anything `sending`; the others
      // after N more messages.
      if (kill === 0) await waitFor(async () => (await sendingRows()).length > 0, { what: 'the first mark' });
      else await waitFor(() => server.received.length >= receivedBefore + EVERY, { progress: () => server.received.length, what: `${EVERY} messages` });
      child.kill('SIGKILL');
      await exited;
      await waitFor(() => server.open === 0, { what: 'the killed worker’s connections to close' });
      const leftSending = (await sendingRows()).filter((r) => !earlier.has(r.id));
      const accepted = new Set(server.received.slice(receivedBefore));
      const acceptedButSending = leftSending.filter((r) => r.message_id !== null && accepted.has(r.message_id)).length;
      const inData = server.interrupted - interruptedBefore + acceptedButSending;
      report.push(`${leftSending.length}≤${inData}`);
      expect(leftSending.length, `kill ${kill}: left sending vs. in DATA (${report.join(', ')})`).toBeLessThanOrEqual(inData);
    }
    console.log(`${dialect}: left sending ≤ in DATA at each kill: ${report.join(', ')}`);
    expect(report.length).toBeGreaterThanOrEqual(3);
  }, 300_000);
});
