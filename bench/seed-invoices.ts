/**
 * Seeds `count` customers with one final invoice and a PDF of `pdfBytes` each, in a process of its
 * own: `tsx bench/seed-invoices.ts '<DatabaseTarget as JSON>' count pdfBytes`.
 *
 * The benchmarks measure the memory of the process that sends. Seeding in that process left
 * ≈ 50 MB behind (the allocator keeps what hundreds of MB of inserted PDF bytes went through),
 * before the first message was sent; a production worker never carries that.
 */
import { fork } from 'node:child_process';
import { openDatabase, type DatabaseTarget } from '../src/db/connection.ts';
import { seedInvoices } from '../test/dispatch-seed.ts';

/** Runs this script in a child process and waits for it. */
export async function seedInvoicesInChild(target: DatabaseTarget, count: number, pdfBytes: number): Promise<void> {
  const child = fork(new URL(import.meta.url).pathname, [JSON.stringify(target), String(count), String(pdfBytes)], { execArgv: ['--import', 'tsx'] });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`seeding failed (exit code ${code})`);
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const [target, count, pdfBytes] = process.argv.slice(2);
  const db = openDatabase(JSON.parse(target ?? '') as DatabaseTarget);
  await seedInvoices(db, Number(count), Number(pdfBytes), (done) => {
    if (done % 10_000 === 0) process.stderr.write(`  seeded ${done}\n`);
  });
  await db.close();
}
