import type { Config } from '../config.ts';
import type { Db } from '../db/connection.ts';
import { createDispatchPorts } from './adapters.ts';
import { startDispatchWorkerWith, type DispatchWorker, type DispatchWorkerOptions } from './engine/worker.ts';

export type { DispatchWorker } from './engine/worker.ts';

/**
 * Starts the dispatch worker of this process (`faktura serve` runs one unless `--no-worker`,
 * `faktura worker` runs only this). Aborting `signal` stops it gracefully: no new claims,
 * in-flight SMTP transactions finish, unstarted claims are released.
 */
export function startDispatchWorker(input: { db: Db; config: Pick<Config, 'secret'>; signal?: AbortSignal } & Omit<Partial<DispatchWorkerOptions>, 'db' | 'ports'>): DispatchWorker {
  const { db, config, signal, ...options } = input;
  const worker = startDispatchWorkerWith({ ...options, db, ports: createDispatchPorts({ secret: config.secret }) });
  signal?.addEventListener('abort', () => void worker.stop(), { once: true });
  return worker;
}
