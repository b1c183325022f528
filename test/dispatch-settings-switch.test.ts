import { spawn, type ChildProcess } from 'node:child_process';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatchPorts } from '../src/dispatch/adapters.ts';
import { startDispatchWorkerWith, type DispatchWorker } from '../src/dispatch/engine/worker.ts';
import { createTestDb, testDialects, type TestDb } from './helpers/db.ts';
import { waitFor } from './helpers/wait.ts';
import { configureMail, createTemplate, TEST_SECRET } from './dispatch-support.ts';
import { seedInvoices, startDispatchOf } from './dispatch-seed.ts';

/**
 * Issue 20 item 7: a saved change of the SMTP settings reaches the very next message, in the
 * process that saved it and in a standalone worker process. Two real SMTP servers: the dispatch
 * starts on A, the settings switch to B while it runs; every message that had not been handed to
 * SMTP when the save returned must arrive at B, none at A.
 */

interface Server {
  port: number;
  /** Message-IDs in the order the server accepted them */
  received: string[];
  close(): Promise<void>;
}

/** An SMTP server that takes a few milliseconds per message, so the dispatch is still running when the settings change. */
async function startServer(delayMs: number): Promise<Server> {
  const received: string[] = [];
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    onData(stream, _session, callback) {
      let head = '';
      stream.on('data', (c: Buffer) => {
        if (head.length < 8192) head += c.toString('latin1');
      });
      stream.on('end', () => {
        setTimeout(() => {
          received.push(/^Message-ID:\s*(<[^>]+>)/im.exec(head)?.[1] ?? '');
          callback(null, 'Ok');
        }, delayMs);
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function startWorkerProcess(testDb: TestDb): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/worker-process.ts', '--poll-ms=20', '--sweep-ms=200'], {
    env: { ...process.env, ...testDb.env, FAKTURA_SECRET: TEST_SECRET, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('started')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code}`)));
  });
}

const RECIPIENTS = 150;

describe.each(testDialects)('dispatch: a settings change reaches the very next message on %s', (dialect) => {
  let testDb: TestDb;
  let templateId: number;

  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    templateId = await createTemplate(testDb.db);
  }, 60_000);
  afterAll(async () => {
    await testDb?.cleanup();
  });

  async function switchMidDispatch(worker: 'in-process' | 'process'): Promise<void> {
    const k = testDb.db.kysely;
    const a = await startServer(15);
    const b = await startServer(15);
    let inProcess: DispatchWorker | undefined;
    let child: ChildProcess | undefined;
    try {
      await configureMail(testDb.db, a.port, { poolSize: 2 });
      // A long settings cache must not matter: the version check at each mark decides.
      if (worker === 'in-process') inProcess = startDispatchWorkerWith({ db: testDb.db, ports: createDispatchPorts({ secret: TEST_SECRET }), pollMs: 20, settingsRefreshMs: 3_600_000 });
      else child = await startWorkerProcess(testDb);
      const ids = await seedInvoices(testDb.db, RECIPIENTS, 512);
      const dispatchId = await startDispatchOf(testDb.db, ids, templateId, TEST_SECRET);
      inProcess?.wake();
      await waitFor(() => a.received.length >= 20, { progress: () => a.received.length, what: 'messages at server A' });

      await configureMail(testDb.db, b.port, { poolSize: 2 });
      // What had been handed to SMTP when the save returned; everything else must go to B.
      const handed = await k.selectFrom('deliveries').select(['id', 'message_id']).where('dispatch_id', '=', dispatchId).where('state', 'in', ['sending', 'sent']).execute();
      const handedIds = new Set(handed.map((r) => r.id));
      const handedMessages = new Set(handed.map((r) => r.message_id));
      expect(handedIds.size).toBeLessThan(RECIPIENTS);

      const done = async () => (await k.selectFrom('dispatches').select('status').where('id', '=', dispatchId).executeTakeFirstOrThrow()).status === 'completed';
      await waitFor(done, { progress: () => b.received.length, what: 'dispatch completion' });

      const rows = await k.selectFrom('deliveries').select(['id', 'state', 'message_id', 'smtp_server']).where('dispatch_id', '=', dispatchId).execute();
      expect(rows.filter((r) => r.state !== 'sent')).toEqual([]);
      const atA = new Set(a.received);
      const atB = new Set(b.received);
      // Nothing arrived twice, and A got nothing that was not handed to it before the save.
      expect(a.received.length + b.received.length).toBe(RECIPIENTS);
      expect(a.received.filter((m) => !handedMessages.has(m))).toEqual([]);
      const after = rows.filter((r) => !handedIds.has(r.id));
      expect(after.length).toBeGreaterThan(0);
      for (const r of after) {
        expect(atB.has(r.message_id ?? ''), `delivery ${r.id} at B`).toBe(true);
        expect(atA.has(r.message_id ?? ''), `delivery ${r.id} not at A`).toBe(false);
        expect(r.smtp_server).toBe(`127.0.0.1:${b.port}`);
      }
    } finally {
      await inProcess?.stop();
      if (child && child.exitCode === null) {
        const c = child;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await exited;
      }
      await a.close();
      await b.close();
    }
  }

  it('in the process that saved them (faktura serve)', () => switchMidDispatch('in-process'), 120_000);
  it('in a standalone worker process (faktura worker)', () => switchMidDispatch('process'), 120_000);
});
