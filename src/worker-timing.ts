import type { Config } from './config.ts';

/** Lease and rate window from the configuration (shortened only by tests). */
export function workerTiming(config: Config): { leaseMs: number; rateWindows: { minuteMs: number; dayMs: number } } {
  return { leaseMs: config.worker.leaseMs, rateWindows: { minuteMs: config.worker.rateMinuteMs, dayMs: 86_400_000 } };
}
