import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', 'bin', 'faktura.js');
/**
 * Each step waits for its process to exit, however long a loaded machine takes to start it; only
 * a process that hangs is killed (after this long), so the test has no overall time budget.
 */
const HANG_MS = 300_000;

async function faktura(dataDir: string, ...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, FAKTURA_DATA_DIR: dataDir, DATABASE_URL: '' }, timeout: HANG_MS });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe('faktura CLI (SQLite)', () => {
  it('migrates, creates users, imports CSV, creates demo data and backs up', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'faktura-cli-'));
    expect((await faktura(dataDir, 'migrate')).stdout).toContain('0001_core');

    const user = await faktura(dataDir, 'user', 'create', '--email', 'chefin@praxis.test', '--password', 'sehr-geheim-1', '--role', 'admin');
    expect(user.stdout).toContain('created admin chefin@praxis.test');
    const short = await faktura(dataDir, 'user', 'create', '--email', 'x@praxis.test', '--password', 'kurz');
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('user.passwordTooShort');

    const csv = join(dataDir, 'kunden.csv');
    writeFileSync(csv, 'Nachname;E-Mail\nMüller;m@example.de\nMeier;kaputt\n');
    const bad = await faktura(dataDir, 'import', 'customers', csv);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('row 3: email is not a valid e-mail address');
    writeFileSync(csv, 'Nachname;E-Mail\nMüller;m@example.de\nMeier;meier@example.de\n');
    expect((await faktura(dataDir, 'import', 'customers', csv)).stdout).toContain('imported 2 customers');

    const demo = await faktura(dataDir, 'demo', '--customers', '20', '--documents', '30');
    expect(demo.stdout).toContain('log in as demo@faktura.test');

    const backupFile = join(dataDir, 'backup.sqlite');
    expect((await faktura(dataDir, 'backup', backupFile)).code).toBe(0);
    const copy = new BetterSqlite3(backupFile, { readonly: true });
    const { n } = copy.prepare('select count(*) as n from customers').get() as { n: number };
    copy.close();
    expect(n).toBe(22);

    const badEnv = await run(process.execPath, [BIN, 'migrate'], { env: { ...process.env, FAKTURA_DATA_DIR: dataDir, PORT: 'x' }, timeout: HANG_MS }).catch((e: { stderr: string }) => e);
    expect(badEnv.stderr).toContain('PORT');
  }, 0);
});
