import { describe, expect, it } from 'vitest';
import { DEFAULT_LOGIN_THROTTLE, LoginThrottle } from './login-throttle.ts';

describe('LoginThrottle', () => {
  const clock = () => {
    let now = 1_000_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('lets an account be tried again after a delay that grows with each failure, up to the cap', () => {
    const c = clock();
    const throttle = new LoginThrottle(DEFAULT_LOGIN_THROTTLE, c.now);
    for (let i = 0; i < 5; i++) {
      expect(throttle.check(`192.0.2.${i}`, 'chefin@praxis.test')).toEqual({ ok: true });
      throttle.failed(`192.0.2.${i}`, 'chefin@praxis.test');
    }
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const decision = throttle.check('198.51.100.9', 'chefin@praxis.test');
      expect(decision.ok).toBe(false);
      if (decision.ok) return;
      delays.push(decision.retryAfterMs);
      c.advance(decision.retryAfterMs);
      expect(throttle.check('198.51.100.9', 'chefin@praxis.test')).toEqual({ ok: true });
      throttle.failed(`203.0.113.${i}`, 'chefin@praxis.test');
    }
    expect(delays).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000]);
    // Forgotten after a quiet quarter of an hour.
    c.advance(15 * 60_000);
    expect(throttle.check('198.51.100.9', 'chefin@praxis.test')).toEqual({ ok: true });
  });

  it('never delays an account at an address it has logged in from, and a success resets the count', () => {
    const throttle = new LoginThrottle(DEFAULT_LOGIN_THROTTLE, clock().now);
    throttle.succeeded('10.0.0.5', 'empfang@praxis.test');
    for (let i = 0; i < 8; i++) throttle.failed(`192.0.2.${i}`, 'empfang@praxis.test');
    expect(throttle.check('192.0.2.100', 'empfang@praxis.test').ok).toBe(false);
    expect(throttle.check('10.0.0.5', 'empfang@praxis.test')).toEqual({ ok: true });
    throttle.succeeded('10.0.0.5', 'empfang@praxis.test');
    expect(throttle.check('192.0.2.100', 'empfang@praxis.test')).toEqual({ ok: true });
  });

  it('limits failures per address in a window and forgets them after it', () => {
    const c = clock();
    const throttle = new LoginThrottle(DEFAULT_LOGIN_THROTTLE, c.now);
    for (let i = 0; i < 10; i++) throttle.failed('192.0.2.1', `user${i}@praxis.test`);
    expect(throttle.check('192.0.2.1', 'new@praxis.test')).toMatchObject({ ok: false, reason: 'address' });
    expect(throttle.check('192.0.2.2', 'new@praxis.test')).toEqual({ ok: true });
    c.advance(60_000);
    expect(throttle.check('192.0.2.1', 'new@praxis.test')).toEqual({ ok: true });
  });

  it('runs at most the configured number of checks at once and refuses beyond the queue', async () => {
    const throttle = new LoginThrottle({ ...DEFAULT_LOGIN_THROTTLE, concurrentChecks: 2, queuedChecks: 1 });
    let running = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const check = () =>
      throttle.limitCheck(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        return true;
      });
    const first = [check(), check(), check()];
    expect(await check()).toBeUndefined();
    while (releases.length < 2) await new Promise((r) => setImmediate(r));
    releases.splice(0).forEach((release) => release());
    while (releases.length < 1) await new Promise((r) => setImmediate(r));
    releases.splice(0).forEach((release) => release());
    expect(await Promise.all(first)).toEqual([true, true, true]);
    expect(most).toBe(2);
  });

  it('keeps its maps bounded', () => {
    const throttle = new LoginThrottle({ ...DEFAULT_LOGIN_THROTTLE, maxEntries: 100 });
    for (let i = 0; i < 1000; i++) throttle.failed(`10.0.${Math.floor(i / 250)}.${i % 250}`, `u${i}@x.de`);
    // The oldest entries were dropped: the first address is no longer counted.
    for (let i = 0; i < 9; i++) throttle.failed('10.9.9.9', `v${i}@x.de`);
    expect(throttle.check('10.0.0.0', 'u0@x.de')).toEqual({ ok: true });
  });
});
