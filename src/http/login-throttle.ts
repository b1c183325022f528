/**
 * Limits password guessing without letting anyone lock a colleague out (issue 15, item 1).
 *
 * - Per client address: at most `addressFailures` failed logins per `addressWindowMs`; further
 *   attempts from that address are refused before any password is checked. Successful logins do
 *   not count, so a practice whose staff all log in from one shared address is never throttled by
 *   its own logins.
 * - Per account: after `accountFreeFailures` failed attempts, each further attempt must wait a
 *   growing delay after the last failure (5 s, 10 s, 20 s … at most `accountMaxDelayMs`). It is a
 *   delay, never a lockout, and an address from which the account has logged in successfully
 *   before is exempt from it: an attacker elsewhere cannot keep a colleague out.
 * - At most `concurrentChecks` password checks (argon2, ~15 ms of a CPU each) run at once, with a
 *   bounded queue; beyond it the login answers 503 at once, so a flood of logins cannot take all
 *   the CPU from the other requests.
 *
 * State lives in this process's memory (bounded maps, oldest entries dropped first). Several
 * server processes each keep their own; the per-account delay still multiplies with their number
 * only, which keeps guessing at a few attempts per minute at most.
 */
export interface LoginThrottleOptions {
  addressFailures: number;
  addressWindowMs: number;
  accountFreeFailures: number;
  accountBaseDelayMs: number;
  accountMaxDelayMs: number;
  /** Failures older than this are forgotten. */
  forgetAfterMs: number;
  concurrentChecks: number;
  queuedChecks: number;
  /** Bound on every map (addresses, accounts), so a flood of made-up names cannot grow memory. */
  maxEntries: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = {
  addressFailures: 10,
  addressWindowMs: 60_000,
  accountFreeFailures: 5,
  accountBaseDelayMs: 5_000,
  accountMaxDelayMs: 60_000,
  forgetAfterMs: 15 * 60_000,
  concurrentChecks: 2,
  queuedChecks: 64,
  maxEntries: 10_000,
};

export type ThrottleDecision = { ok: true } | { ok: false; reason: 'address' | 'account'; retryAfterMs: number };

interface AddressState {
  windowStart: number;
  failures: number;
}

interface AccountState {
  failures: number;
  lastFailureAt: number;
  /** Addresses this account has logged in from successfully (most recent last). */
  knownAddresses: string[];
}

const MAX_KNOWN_ADDRESSES = 20;

function touch<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
  }
}

export class LoginThrottle {
  private readonly addresses = new Map<string, AddressState>();
  private readonly accounts = new Map<string, AccountState>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly options: LoginThrottleOptions = DEFAULT_LOGIN_THROTTLE,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether an attempt for `account` from `address` may check a password now. */
  check(address: string, account: string): ThrottleDecision {
    const now = this.now();
    const a = this.addresses.get(address);
    if (a && now - a.windowStart < this.options.addressWindowMs && a.failures >= this.options.addressFailures) {
      return { ok: false, reason: 'address', retryAfterMs: a.windowStart + this.options.addressWindowMs - now };
    }
    const acc = this.accounts.get(account);
    if (acc && now - acc.lastFailureAt < this.options.forgetAfterMs && !acc.knownAddresses.includes(address)) {
      const delay = this.accountDelayMs(acc.failures);
      const allowedAt = acc.lastFailureAt + delay;
      if (delay > 0 && now < allowedAt) return { ok: false, reason: 'account', retryAfterMs: allowedAt - now };
    }
    return { ok: true };
  }

  /** The delay after `failures` failed attempts: none for the first few, then doubling to the cap. */
  accountDelayMs(failures: number): number {
    const over = failures - this.options.accountFreeFailures;
    if (over < 0) return 0;
    return Math.min(this.options.accountBaseDelayMs * 2 ** Math.min(over, 30), this.options.accountMaxDelayMs);
  }

  failed(address: string, account: string): void {
    const now = this.now();
    const a = this.addresses.get(address);
    const fresh = !a || now - a.windowStart >= this.options.addressWindowMs;
    touch(this.addresses, address, fresh ? { windowStart: now, failures: 1 } : { windowStart: a.windowStart, failures: a.failures + 1 }, this.options.maxEntries);
    const acc = this.accounts.get(account);
    const forgotten = !acc || now - acc.lastFailureAt >= this.options.forgetAfterMs;
    touch(this.accounts, account, { failures: forgotten ? 1 : acc.failures + 1, lastFailureAt: now, knownAddresses: acc?.knownAddresses ?? [] }, this.options.maxEntries);
  }

  succeeded(address: string, account: string): void {
    const acc = this.accounts.get(account);
    const known = (acc?.knownAddresses ?? []).filter((k) => k !== address);
    known.push(address);
    touch(this.accounts, account, { failures: 0, lastFailureAt: 0, knownAddresses: known.slice(-MAX_KNOWN_ADDRESSES) }, this.options.maxEntries);
  }

  /**
   * Runs a password check when one of the `concurrentChecks` slots is free; waits in a bounded
   * queue otherwise. Returns undefined (without running `fn`) when the queue is full.
   */
  async limitCheck<T>(fn: () => Promise<T>): Promise<T | undefined> {
    if (this.running >= this.options.concurrentChecks) {
      if (this.waiting.length >= this.options.queuedChecks) return undefined;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter; `running` only drops when nobody waits.
      if (next) next();
      else this.running--;
    }
  }
}
