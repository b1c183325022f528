import { chmodSync, closeSync, existsSync, openSync, statSync } from 'node:fs';

/** Owner read/write only: the database holds customers' data and the sealed SMTP password. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates the SQLite file readable by its owner only (issue 15 item 15: it was created 0644 under
 * the usual umask) and tightens an existing one and its -wal/-shm files. SQLite creates the -wal
 * and -shm files with the database file's permissions, so they follow.
 */
export function prepareSqliteFile(file: string): void {
  if (file === ':memory:' || file === '') return;
  if (!existsSync(file)) closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) tightenFile(path);
}

/** Removes group and other permissions from a file we own (a copy, a backup). */
export function tightenFile(path: string): void {
  if (!existsSync(path)) return;
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, PRIVATE_FILE_MODE);
}
