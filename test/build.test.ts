import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/commands/context.ts';
import { openDatabase } from '../src/db/connection.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createDispatchPorts } from '../src/dispatch/adapters.ts';
import { createDispatch, updateDispatch } from '../src/dispatch/draft.ts';
import { sendDispatch } from '../src/dispatch/send.ts';
import { configureMail, createTemplate, startSink, TEST_SECRET, type Sink } from './dispatch-support.ts';
import { seedInvoices } from './dispatch-seed.ts';
import { waitFor } from './helpers/wait.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');

/**
 * The compiled server (dist/, built by test/build-setup.ts as by `npm run build`) as a production
 * install without dev dependencies has it: a copy of bin/ and dist/ beside a node_modules that
 * holds only the runtime dependencies of package.json (linked to the real ones). No sources, no
 * tsx, no esbuild, no web build: the CLI, the PDF render threads and the SMTP thread work anyway,
 * and `serve` refuses to start without the web app.
 */
describe('compiled server (dist/) without dev dependencies', () => {
  let app: string;
  let dataDir: string;
  let sink: Sink;
  const env = () => ({ ...process.env, FAKTURA_DATA_DIR: dataDir, FAKTURA_SECRET: TEST_SECRET, DATABASE_URL: '', LOG_LEVEL: 'info', FAKTURA_BOUNCE_POLL_MS: '0' });
  const faktura = (...args: string[]) => run(process.execPath, [join(app, 'bin', 'faktura.js'), ...args], { env: env() });

  beforeAll(async () => {
    app = mkdtempSync(join(tmpdir(), 'faktura-dist-'));
    dataDir = join(app, 'data');
    cpSync(join(ROOT, 'bin'), join(app, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'dist'), join(app, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(app, 'package.json'));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const name of Object.keys(pkg.dependencies)) {
      mkdirSync(join(app, 'node_modules', name, '..'), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name));
    }
    sink = await startSink();
  });
  afterAll(async () => {
    await sink.close();
    rmSync(app, { recursive: true, force: true });
  });

  it('finds no TypeScript loader or bundler (they are dev dependencies)', async () => {
    const probe = `import('tsx').then(() => console.log('tsx'), () => console.log('none')); import('esbuild').then(() => console.log('esbuild'), () => console.log('none'));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: join(app, 'dist') });
    expect(stdout.trim().split('\n')).toEqual(['none', 'none']);
  });

  it('refuses to serve without the web build, naming the fix', async () => {
    const result = await faktura('serve').catch((e: { code: number; stderr: string }) => e);
    expect('code' in result ? result.code : 0).toBe(1);
    expect(result.stderr).toContain('The web app is not built');
    expect(result.stderr).toContain('npm run build');
  });

  it('creates demo data with the PDF render threads, and `faktura worker` sends through the SMTP thread', async () => {
    const demo = await faktura('demo', '--customers', '5', '--documents', '8');
    expect(demo.stdout).toContain('demo data: 5 customers');

    const db = openDatabase({ kind: 'sqlite', file: join(dataDir, 'faktura.sqlite') });
    try {
      await migrateToLatest(db);
      // Rendered by dist/render-worker.js: every issued demo document has its archived PDF.
      const pdfs = await db.kysely.selectFrom('document_pdfs').select(['document_id', 'pdf']).execute();
      expect(pdfs.length).toBeGreaterThan(0);
      expect(Buffer.from(pdfs[0]?.pdf ?? []).subarray(0, 5).toString('latin1')).toBe('%PDF-');

      await configureMail(db, sink.port);
      const templateId = await createTemplate(db);
      const documentIds = await seedInvoices(db, 3);
      const ports = createDispatchPorts({ secret: TEST_SECRET });
      const { id } = await db.kysely.transaction().execute((trx) => createDispatch({ trx, actor: SYSTEM_ACTOR, selection: { documentIds } }));
      await db.kysely.transaction().execute((trx) => updateDispatch({ trx, actor: SYSTEM_ACTOR, ports, id, templateId }));
      await sendDispatch({ db, ports, actor: SYSTEM_ACTOR, id, idempotencyKey: 'build-test' });
    } finally {
      await db.close();
    }

    const worker = spawn(process.execPath, [join(app, 'bin', 'faktura.js'), 'worker'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    worker.stdout.on('data', (c: Buffer) => (output += c.toString()));
    worker.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => worker.once('exit', resolve));
    try {
      await waitFor(() => sink.received.length >= 3 || worker.exitCode !== null, { progress: () => sink.received.length + output.length, what: 'messages from the compiled worker' });
      expect(worker.exitCode, output).toBeNull();
      expect(sink.received.map((m) => m.to[0]).sort()).toEqual(['kunde6@example.de', 'kunde7@example.de', 'kunde8@example.de']);
    } finally {
      worker.kill('SIGTERM');
      await exited;
    }
  });
});
