import { describe, expect, it } from 'vitest';
import { bucketParams, msUntilToken, refilled } from './rate-limit.ts';

describe('rate-limit bucket', () => {
  it('never allows more than the limit in any window', () => {
    // Simulate greedy sending against the bucket and check every sliding window.
    for (const limit of [1, 2, 30, 60, 1000]) {
      const windowMs = 60_000;
      const p = bucketParams({ name: 'm', limit, windowMs, burst: 0.1 });
      let tokens = p.capacityMilli;
      let updated = 0;
      const sends: number[] = [];
      for (let t = 0; t < windowMs * 3; t += 50) {
        ({ tokensMilli: tokens, updatedMs: updated } = refilled(p, tokens, updated, t));
        while (tokens >= 1000) {
          tokens -= 1000;
          sends.push(t);
        }
      }
      for (let i = 0; i < sends.length; i++) {
        const start = sends[i] ?? 0;
        const inWindow = sends.filter((s) => s >= start && s < start + windowMs).length;
        expect(inWindow).toBeLessThanOrEqual(limit);
      }
      // …and is not needlessly slow: at least 90 % of the limit per window in the long run
      // (the price of the guarantee: the burst share is taken from the steady rate).
      expect(sends.length).toBeGreaterThanOrEqual(Math.floor(limit * 3 * 0.9));
    }
  });
  it('computes the wait for the next token', () => {
    const p = bucketParams({ name: 'm', limit: 60, windowMs: 60_000, burst: 0.1 });
    expect(msUntilToken(p, 1000)).toBe(0);
    expect(msUntilToken(p, 0)).toBeGreaterThan(0);
  });
});
