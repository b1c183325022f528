import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Db } from '../../db/connection.ts';
import { backoffDelayMs, DEFAULT_BACKOFF_MS, type ClassifiedFailure } from '../../domain/dispatch.ts';
import type { DispatchPorts, Mailer } from '../ports.ts';
import { claimBatch } from './claim.ts';
import { recordFailure } from './failure.ts';
import { OutcomeWriter, type MarkOutcome } from './group-commit.ts';
import { releaseClaims, renewLeases, sweepExpired } from './lease.ts';
import { MessagePreparer } from './prepare.ts';
import { DbRateLimiter, type BucketSpec } from './rate-limit.ts';
import type { Accepted, Claimed, Prepared, WorkerLog } from './types.ts';

export type { WorkerLog } from './types.ts';

/**
 * The dispatch worker: claims due deliveries with a lease, sends them, records the outcome.
 * This file is its loop and its lanes; the SQL of each step lives beside it, testable alone:
 * claim.ts (claiming, per database), lease.ts (renewal, release, the sweep), prepare.ts
 * (building the messages), failure.ts (failed attempts, pausing), group-commit.ts and
 * outcomes.ts (recording `sent` and marking `sending`), rate-limit.ts (the global limit).
 *
 * Guarantees (see DESIGN "the dispatch job is a transactional outbox"):
 * - state before side effect: a delivery is `sending` (attempt counted, with its Message-ID and
 *   server) before its content goes out, and only once a connection is ready to carry it (open,
 *   greeted, TLS and login done, envelope accepted, DATA answered 354); `sent` (message id, server
 *   reply, each document's lastSentAt/To, in one transaction) right after the 250;
 * - a worker that dies leaves `sending` rows whose lease expires: any worker's sweep turns them
 *   into `uncertain`, never re-sent automatically; claimed rows that never reached `sending` just
 *   become claimable again when their lease runs out;
 * - claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL, so any number of workers on any number of
 *   machines share the queue; on SQLite the claim is one UPDATE … WHERE id IN (SELECT …) statement,
 *   atomic under SQLite's write lock;
 * - the global rate limit is a token bucket in the database (rate-limit.ts);
 * - a saved change of the mail settings reaches the very next message in every process: the
 *   `sending` mark checks, in the same statement, that the settings version the lane's SMTP pool
 *   was opened with is still the stored one; if not, the message is built again with the new
 *   settings and the old pool is closed once its lanes have ended.
 *
 * How it stays fast (the database must not be what limits the SMTP pool):
 * - claims and message preparation work in batches: one claim statement for several deliveries,
 *   then their documents, customers and archived PDFs in one query each, composed while the
 *   connections are busy with earlier messages;
 * - each connection is a "lane" that sends one message after the other. Its `sent` records and
 *   `sending` marks are shared with the other lanes' that arrive in the same moment (group commit,
 *   `OutcomeWriter`). So a row is `sending` only while a connection carries it in DATA or until
 *   its `sent` commits: a crash leaves at most `poolSize` uncertain deliveries per worker, and
 *   only messages that really were in their DATA phase (test/dispatch-crash-data.test.ts);
 * - the production mailer (../adapters.ts) encodes and sends in a thread of its own
 *   (mail/transport-thread.ts): this thread keeps only the database work and composing.
 */

export interface DispatchWorkerOptions {
  db: Db;
  ports: DispatchPorts;
  workerId?: string;
  /**
   * How long a claim or a `sending` mark stays valid without renewal. Leases are renewed every
   * third of it on a timer of their own (not behind the loop's claims and message building), so a
   * lease holds as long as the event loop never stalls, together with the renewal's own database
   * write, for two thirds of it. Minimum safe lease: 1.5 × (longest event-loop stall + longest
   * database wait) — on SQLite a write may wait the busy timeout (10 s in `faktura worker`,
   * 250 ms in `faktura serve`), so at least 15 s for a standalone worker on SQLite; the default
   * 60 s leaves room for a loaded machine. A stall longer than a third of the lease is logged.
   */
  leaseMs?: number;
  /** how often to look for work when idle */
  pollMs?: number;
  /** how often to turn expired `sending` rows into `uncertain` and complete finished dispatches */
  sweepMs?: number;
  /** waits after the 1st, 2nd, … temporary failure */
  backoffMs?: readonly number[];
  jitter?: number;
  /** pause a dispatch after this many consecutive failed attempts */
  pauseAfter?: number;
  /** window lengths of the per-minute and per-day limits; shorter in tests */
  rateWindows?: { minuteMs: number; dayMs: number };
  /**
   * How often the mail settings are re-read anyway. A save takes effect before the next message
   * regardless: each `sending` mark checks the stored settings version (outcomes.ts).
   */
  settingsRefreshMs?: number;
  now?: () => number;
  random?: () => number;
  log?: WorkerLog;
}

export interface DispatchWorker {
  readonly id: string;
  /** look for work now (e.g. right after a send request in the same process) */
  wake(): void;
  /** stop claiming, let in-flight SMTP transactions finish (up to `timeoutMs`), release unstarted claims */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  /** resolves when the worker has nothing claimed and found nothing due (tests, benchmarks) */
  idle(): Promise<void>;
}

/**
 * Claiming ahead of free connections spends rate-limit tokens before the messages go out, so a
 * window can see up to that many messages more than the limit. Look ahead only when that is at
 * most 1 % of the smallest limit; otherwise claim only what starts now.
 */
const LOOKAHEAD_PER_CONNECTION = 10;
const LOOKAHEAD_MAX_SHARE = 0.01;

export function startDispatchWorkerWith(options: DispatchWorkerOptions): DispatchWorker {
  const worker = new DispatchEngine(options);
  void worker.run();
  return worker;
}

/** The dispatch worker of one process (not a thread: `worker_threads` are started by src/threads.ts). */
class DispatchEngine implements DispatchWorker {
  readonly id: string;
  private readonly db: Db;
  private readonly ports: DispatchPorts;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly sweepMs: number;
  private readonly backoff: readonly number[];
  private readonly jitter: number;
  private readonly pauseAfter: number;
  private readonly windows: { minuteMs: number; dayMs: number };
  private readonly settingsRefreshMs: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly log: WorkerLog;
  private readonly writer: OutcomeWriter;

  private stopping = false;
  private stopped: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** running lanes (one per busy SMTP connection) */
  private readonly lanes = new Set<Promise<void>>();
  /** deliveries a lane holds: marked or about to be, sending, or waiting for `sent` to commit */
  private readonly active = new Map<number, Claimed>();
  /** claimed, message not built yet */
  private queue: Claimed[] = [];
  /** claimed, message built, waiting for a lane */
  private ready: Prepared[] = [];
  private mailer: Mailer | undefined;
  private mailerCheckedAt = 0;
  /** a mark found the mail settings saved since `mailer` was opened: open the new ones now */
  private settingsStale = false;
  private limiter: DbRateLimiter | undefined;
  private limiterKey = '';
  private lastSweep = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly preparer: MessagePreparer;
  private loopDone: Promise<void> | undefined;
  private renewTimer: ReturnType<typeof setInterval> | undefined;
  private renewing = false;
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });

  constructor(o: DispatchWorkerOptions) {
    this.id = o.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.db = o.db;
    this.ports = o.ports;
    this.leaseMs = o.leaseMs ?? 60_000;
    this.pollMs = o.pollMs ?? 500;
    this.sweepMs = o.sweepMs ?? 2_000;
    this.backoff = o.backoffMs ?? DEFAULT_BACKOFF_MS;
    this.jitter = o.jitter ?? 0.2;
    this.pauseAfter = o.pauseAfter ?? 5;
    this.windows = o.rateWindows ?? { minuteMs: 60_000, dayMs: 86_400_000 };
    this.settingsRefreshMs = o.settingsRefreshMs ?? 10_000;
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
    this.log = o.log ?? (() => undefined);
    this.preparer = new MessagePreparer(this.db, this.ports, this.now);
    this.writer = new OutcomeWriter(this.db, this.id, () => ({ now: this.iso(), leaseUntil: this.iso(this.leaseMs) }), this.log);
  }

  private iso(offsetMs = 0): string {
    return new Date(this.now() + offsetMs).toISOString();
  }

  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  idle(): Promise<void> {
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(options: { timeoutMs?: number } = {}): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      this.wake();
      await this.loopDone;
      if (this.renewTimer) clearInterval(this.renewTimer);
      this.loopDelay.disable();
      const timeout = options.timeoutMs ?? 30_000;
      await Promise.race([Promise.allSettled([...this.lanes]), new Promise((r) => setTimeout(r, timeout).unref())]);
      await this.releaseLocal().catch((error: unknown) => this.log('warn', 'releasing claims failed', { error: String(error) }));
      this.mailer?.close();
      for (const w of this.idleWaiters.splice(0)) w();
    })();
    return this.stopped;
  }

  /** Sleeps until `ms` passed, a lane needs work, or someone called wake(). */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  run(): Promise<void> {
    // Lease renewal on its own timer: the loop may wait on a claim, a batch of messages being
    // built or a paused dispatch for longer than a lease lasts.
    this.loopDelay.enable();
    this.renewTimer = setInterval(() => void this.renew(), Math.max(20, Math.floor(this.leaseMs / 3)));
    this.renewTimer.unref();
    this.loopDone = this.loop();
    return this.loopDone;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        const t = this.now();
        if (t - this.lastSweep >= this.sweepMs) {
          this.lastSweep = t;
          await this.sweep();
        }
        const mailer = await this.currentMailer();
        if (!mailer) {
          this.notifyIdle();
          await this.pause(this.pollMs);
          continue;
        }
        const capacity = Math.max(1, mailer.limits.poolSize);
        this.startLanes(mailer, capacity);
        // Build the next messages while the connections send, two per connection at a time: each
        // batch costs four queries however many deliveries it holds.
        if (this.ready.length < capacity && this.queue.length > 0) {
          await this.prepare(this.queue.splice(0, 2 * capacity), mailer);
          continue;
        }
        const limiter = this.rateLimiter(mailer);
        const ahead = this.lookahead(limiter, capacity);
        const backlog = this.queue.length + this.ready.length;
        // With look-ahead, claim in batches: only once half of it is used up, then refill it.
        const want = ahead > 0 && backlog > ahead / 2 ? 0 : capacity + ahead - this.lanes.size - backlog;
        if (want <= 0) {
          await this.pause(this.pollMs);
          continue;
        }
        const { claimed, waitMs } = await this.claim(want, limiter);
        if (claimed.length > 0) {
          this.queue.push(...claimed);
          continue;
        }
        if (this.lanes.size === 0 && this.queue.length === 0 && this.ready.length === 0) this.notifyIdle();
        await this.pause(Math.min(this.pollMs, Math.max(waitMs, 5)));
      } catch (error) {
        this.log('error', 'dispatch worker loop failed', { error: String(error) });
        await this.pause(this.pollMs);
      }
    }
  }

  private lookahead(limiter: DbRateLimiter, capacity: number): number {
    const ahead = LOOKAHEAD_PER_CONNECTION * capacity;
    const smallest = limiter.smallestLimit;
    return smallest === undefined || ahead <= smallest * LOOKAHEAD_MAX_SHARE ? ahead : 0;
  }

  private notifyIdle(): void {
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private async currentMailer(): Promise<Mailer | undefined> {
    if (this.mailer && !this.settingsStale && this.now() - this.mailerCheckedAt < this.settingsRefreshMs) return this.mailer;
    this.mailerCheckedAt = this.now();
    this.settingsStale = false;
    const fresh = await this.ports.openMailer(this.db.kysely);
    if (this.mailer && fresh && fresh.version === this.mailer.version) {
      fresh.close();
      return this.mailer;
    }
    const old = this.mailer;
    this.mailer = fresh;
    // The SMTP thread starts now, not with the first message.
    fresh?.warm?.();
    // Messages built with the old settings (sender name, Message-ID domain) are built again.
    this.queue.unshift(...this.ready.map((p) => p.c));
    this.ready = [];
    // Running lanes keep their reference to the old pool and end after their current message;
    // close it once they are done.
    if (old) void Promise.allSettled([...this.lanes]).then(() => old.close());
    return fresh;
  }

  private rateLimiter(mailer: Mailer): DbRateLimiter {
    const key = `${mailer.limits.perMinute}/${mailer.limits.perDay}`;
    if (!this.limiter || key !== this.limiterKey) {
      const specs: BucketSpec[] = [];
      if (mailer.limits.perMinute) specs.push({ name: 'perMinute', limit: mailer.limits.perMinute, windowMs: this.windows.minuteMs, burst: 0.1 });
      if (mailer.limits.perDay) specs.push({ name: 'perDay', limit: mailer.limits.perDay, windowMs: this.windows.dayMs, burst: 0.5 });
      this.limiter = new DbRateLimiter(this.db.kysely, specs, this.now);
      this.limiterKey = key;
    }
    return this.limiter;
  }

  // ---- claiming ----

  private claim(want: number, limiter: DbRateLimiter): Promise<{ claimed: Claimed[]; waitMs: number }> {
    return claimBatch(this.db, limiter, { owner: this.id, want, now: this.iso(), until: this.iso(this.leaseMs), pollMs: this.pollMs });
  }

  private async renew(): Promise<void> {
    if (this.renewing || this.stopping) return;
    this.renewing = true;
    try {
      const stallMs = this.loopDelay.max / 1e6;
      this.loopDelay.reset();
      if (stallMs > this.leaseMs / 3) this.log('warn', 'the event loop stalled for more than a third of the lease: renewals may come late; raise the lease (FAKTURA_WORKER_LEASE_MS)', { stallMs: Math.round(stallMs), leaseMs: this.leaseMs });
      await this.heartbeat();
    } catch (error) {
      this.log('warn', 'renewing leases failed', { error: String(error) });
    } finally {
      this.renewing = false;
    }
  }

  private heartbeat(): Promise<void> {
    const ids = [...this.active.keys(), ...this.ready.map((p) => p.c.id), ...this.queue.map((c) => c.id)];
    return renewLeases(this.db, { owner: this.id, ids, until: this.iso(this.leaseMs) });
  }

  private async releaseLocal(): Promise<void> {
    const ids = [...this.queue.map((c) => c.id), ...this.ready.map((p) => p.c.id)];
    this.queue = [];
    this.ready = [];
    await this.release(ids);
  }

  /** Gives claimed deliveries that were not marked `sending` back to the queue at once. */
  private release(ids: readonly number[]): Promise<void> {
    return releaseClaims(this.db, { owner: this.id, ids });
  }

  /** Expired `sending` leases → `uncertain`; dispatches with nothing left to do → `completed`. */
  sweep(): Promise<void> {
    return sweepExpired(this.db, { now: this.iso(), log: this.log });
  }

  // ---- preparing ----

  private async prepare(chunk: Claimed[], mailer: Mailer): Promise<void> {
    const { ready, failed } = await this.preparer.prepare(chunk, mailer);
    this.ready.push(...ready);
    for (const { c, failure } of failed) await this.recordFailure(c, c.attempts + 1, failure, mailer.limits.maxAttempts, false);
  }

  // ---- sending ----

  private startLanes(mailer: Mailer, capacity: number): void {
    while (this.lanes.size < capacity && !this.stopping) {
      const first = this.nextReady(mailer);
      if (!first) return;
      const lane: Promise<void> = this.lane(first, mailer)
        .catch((error: unknown) => this.log('error', 'dispatch lane failed', { error: String(error) }))
        .finally(() => {
          this.lanes.delete(lane);
          this.wake();
        });
      this.lanes.add(lane);
    }
  }

  /** The next built message for a lane of `mailer`, or nothing when stopping or the settings changed. */
  private nextReady(mailer: Mailer): Prepared | undefined {
    if (this.stopping || this.mailer !== mailer || this.settingsStale) return undefined;
    const next = this.ready.shift();
    if (next) this.active.set(next.c.id, next.c);
    // Let the loop build and claim more while this lane sends.
    this.wake();
    return next;
  }

  /**
   * One SMTP connection's sequence of messages. A message is marked `sending` only when a
   * connection is ready to carry it: the SMTP thread asks (`ready`) once the connection is open,
   * greeted, encrypted and logged in, the envelope is accepted and the server waits for the
   * content; the content follows only after the mark committed. So a crash leaves `sending` (later
   * `uncertain`) only messages that were really in their DATA phase, and a refused mark (paused,
   * cancelled, lease lost, settings changed) withdraws the message before any of it was sent.
   * `sent` is recorded right after the server's 250, shared with other lanes' commits.
   */
  private async lane(first: Prepared, mailer: Mailer): Promise<void> {
    let next: Prepared | undefined = first;
    const recording: Promise<void>[] = [];
    while (next) {
      const p: Prepared = next;
      next = undefined;
      const mark = { c: p.c, messageId: p.message.messageId, server: mailer.server ?? null, settingsVersion: mailer.settingsVersion ?? null };
      let outcome: MarkOutcome | undefined;
      try {
        const result = await mailer.send(p.message, {
          ready: async () => {
            outcome = await this.writer.submit({ mark });
            return outcome === 'marked';
          },
        });
        if (outcome !== 'marked') this.log('error', 'a message was sent without being marked sending first', { deliveryId: p.c.id });
        recording.push(this.recordSent({ c: p.c, documentIds: p.documentIds, result }));
      } catch (error) {
        this.active.delete(p.c.id);
        if (outcome === 'stale') {
          // The mail settings were saved after this pool was opened: the message is built again and
          // sent with the new ones (still claimed by this worker), this lane and its pool end.
          this.settingsStale = true;
          this.queue.unshift(p.c);
          this.wake();
          break;
        }
        if (outcome !== undefined && outcome !== 'marked') {
          // Paused, cancelled, or the lease was lost: not ours to send; nothing of it was sent.
          await this.release([p.c.id]).catch((e: unknown) => this.log('warn', 'releasing a claim failed', { deliveryId: p.c.id, error: String(e) }));
        } else {
          await this.recordFailure(p.c, p.c.attempts + 1, mailer.classify(error), mailer.limits.maxAttempts, outcome === 'marked').catch((e: unknown) =>
            this.log('error', 'recording a failed delivery failed', { deliveryId: p.c.id, error: String(e) }),
          );
        }
      }
      next = this.nextReady(mailer);
    }
    await Promise.all(recording);
  }

  /** Records `sent` for a message the server accepted (group commit with the other lanes). */
  private async recordSent(accepted: Accepted): Promise<void> {
    await this.writer.submit({ sent: accepted });
    this.active.delete(accepted.c.id);
  }

  private recordFailure(c: Claimed, attempt: number, failure: ClassifiedFailure, maxAttempts: number, wasSending: boolean): Promise<void> {
    return recordFailure(this.db, {
      owner: this.id,
      c,
      attempt,
      failure,
      maxAttempts,
      wasSending,
      now: this.iso(),
      retryAt: (n) => this.iso(backoffDelayMs(n, this.backoff, this.random(), this.jitter)),
      pauseAfter: this.pauseAfter,
      log: this.log,
    });
  }
}
