import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../db/connection.ts';
import { backoffDelayMs, DEFAULT_BACKOFF_MS, shouldPause, type ClassifiedFailure } from '../domain/dispatch.ts';
import { AttachmentMissingError, composeDeliveryMessage, deliveryMessageId, loadMessageCompany, loadMessageCustomer, loadMessageDocuments, type MessageCompany } from './message.ts';
import type { DispatchPorts, Mailer, SendResult, TemplateSnapshot } from './ports.ts';
import { parseTemplateSnapshot } from './service.ts';
import { DbRateLimiter, type BucketSpec } from './rate-limit.ts';

/**
 * The dispatch worker: claims due deliveries with a lease, sends them, records the outcome.
 *
 * Guarantees (see DESIGN "the dispatch job is a transactional outbox"):
 * - state before side effect: a delivery is `sending` (attempt counted) before the message is
 *   handed to SMTP and `sent` (message id, server reply, each document's lastSentAt/To, in one
 *   transaction) right after the 250;
 * - a worker that dies leaves `sending` rows whose lease expires: any worker's sweep turns them
 *   into `uncertain`, never re-sent automatically; claimed rows that never reached `sending` just
 *   become claimable again when their lease runs out;
 * - claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL, so any number of workers on any number of
 *   machines share the queue; on SQLite the claim is one UPDATE … WHERE id IN (SELECT …) statement,
 *   atomic under SQLite's write lock;
 * - the global rate limit is a token bucket in the database (rate-limit.ts).
 *
 * In-flight messages are limited to the pool size, so nodemailer's own queue stays empty and a
 * row is `sending` only while a connection is really working on it.
 */

export interface WorkerLog {
  (level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): void;
}

export interface DispatchWorkerOptions {
  db: Db;
  ports: DispatchPorts;
  workerId?: string;
  /** how long a claim or a `sending` mark stays valid without renewal */
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
  /** how often the mail settings are re-read (a changed password takes effect without restart) */
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

interface Claimed {
  id: number;
  dispatch_id: number;
  recipient_id: number;
  customer_id: number;
  attempts: number;
  to_email: string;
  to_name: string;
}

const CLAIM_COLUMNS = ['id', 'dispatch_id', 'recipient_id', 'customer_id', 'attempts', 'to_email', 'to_name'] as const;

export function startDispatchWorkerWith(options: DispatchWorkerOptions): DispatchWorker {
  const worker = new Worker(options);
  void worker.run();
  return worker;
}

class Worker implements DispatchWorker {
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

  private stopping = false;
  private stopped: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly inflight = new Map<number, Promise<void>>();
  private local: Claimed[] = [];
  private mailer: Mailer | undefined;
  private mailerCheckedAt = 0;
  private limiter: DbRateLimiter | undefined;
  private limiterKey = '';
  private lastSweep = 0;
  private lastHeartbeat = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly templates = new Map<number, TemplateSnapshot | null>();
  private company: { value: MessageCompany; at: number } | undefined;
  private loopDone: Promise<void> | undefined;

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
      const timeout = options.timeoutMs ?? 30_000;
      await Promise.race([Promise.allSettled([...this.inflight.values()]), new Promise((r) => setTimeout(r, timeout).unref())]);
      await this.releaseLocal().catch((error: unknown) => this.log('warn', 'releasing claims failed', { error: String(error) }));
      this.mailer?.close();
      for (const w of this.idleWaiters.splice(0)) w();
    })();
    return this.stopped;
  }

  /** Sleeps until `ms` passed, a delivery finished, or someone called wake(). */
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
        if (t - this.lastHeartbeat >= this.leaseMs / 3) {
          this.lastHeartbeat = t;
          await this.heartbeat();
        }
        const mailer = await this.currentMailer();
        if (!mailer) {
          this.notifyIdle();
          await this.pause(this.pollMs);
          continue;
        }
        const capacity = Math.max(1, mailer.limits.poolSize);
        while (this.inflight.size < capacity && this.local.length > 0) {
          const next = this.local.shift();
          if (next) this.start(next, mailer);
        }
        if (this.inflight.size >= capacity) {
          await this.pause(this.pollMs);
          continue;
        }
        // Without a rate limit, claim ahead (one pool's worth) so a connection never waits for
        // the database; with one, claim only what starts now, so tokens are spent when sending.
        const limiter = this.rateLimiter(mailer);
        const want = limiter.unlimited ? 2 * capacity - this.inflight.size - this.local.length : capacity - this.inflight.size;
        const { claimed, waitMs } = await this.claim(want, limiter);
        if (claimed.length > 0) {
          this.local.push(...claimed);
          continue;
        }
        if (this.inflight.size === 0 && this.local.length === 0) this.notifyIdle();
        await this.pause(Math.min(this.pollMs, Math.max(waitMs, 5)));
      } catch (error) {
        this.log('error', 'dispatch worker loop failed', { error: String(error) });
        await this.pause(this.pollMs);
      }
    }
  }

  private notifyIdle(): void {
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private async currentMailer(): Promise<Mailer | undefined> {
    if (this.mailer && this.now() - this.mailerCheckedAt < this.settingsRefreshMs) return this.mailer;
    this.mailerCheckedAt = this.now();
    const fresh = await this.ports.openMailer(this.db.kysely);
    if (this.mailer && fresh && fresh.version === this.mailer.version) {
      fresh.close();
      return this.mailer;
    }
    const old = this.mailer;
    this.mailer = fresh;
    // In-flight sends keep their reference to the old pool; close it once they are done.
    if (old) void Promise.allSettled([...this.inflight.values()]).then(() => old.close());
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

  private async claim(want: number, limiter: DbRateLimiter): Promise<{ claimed: Claimed[]; waitMs: number }> {
    if (want <= 0) return { claimed: [], waitMs: this.pollMs };
    const k = this.db.kysely;
    const now = this.iso();
    const dispatches = await k.selectFrom('dispatches').select('id').where('status', '=', 'sending').orderBy('id').execute();
    if (dispatches.length === 0) return { claimed: [], waitMs: this.pollMs };
    const tokens = await limiter.take(want);
    if (tokens.granted === 0) return { claimed: [], waitMs: tokens.waitMs };
    const claimed: Claimed[] = [];
    const until = this.iso(this.leaseMs);
    outer: for (const d of dispatches) {
      for (const state of ['retrying', 'queued'] as const) {
        const left = tokens.granted - claimed.length;
        if (left <= 0) break outer;
        const due = k
          .selectFrom('deliveries')
          .select('id')
          .where('dispatch_id', '=', d.id)
          .where('state', '=', state)
          .where('next_attempt_at', '<=', now)
          .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
          .orderBy('next_attempt_at')
          .orderBy('id')
          .limit(left);
        let rows: Claimed[];
        if (this.db.dialect === 'postgres') {
          // A CTE is evaluated once. `WHERE id IN (SELECT … SKIP LOCKED LIMIT n)` may be re-run by
          // the planner, and each run can skip to other rows, claiming more than n.
          rows = await k
            .with('due', () => due.forUpdate().skipLocked())
            .updateTable('deliveries')
            .from('due')
            .set({ lease_owner: this.id, lease_until: until })
            .whereRef('deliveries.id', '=', 'due.id')
            .where('deliveries.state', '=', state)
            .returning(['deliveries.id', 'deliveries.dispatch_id', 'deliveries.recipient_id', 'deliveries.customer_id', 'deliveries.attempts', 'deliveries.to_email', 'deliveries.to_name'])
            .execute();
        } else {
          // One statement: atomic under SQLite's write lock, also across processes.
          rows = await k.updateTable('deliveries').set({ lease_owner: this.id, lease_until: until }).where('id', 'in', due).where('state', '=', state).returning(CLAIM_COLUMNS).execute();
        }
        claimed.push(...rows);
      }
    }
    await limiter.refund(tokens.granted - claimed.length);
    return { claimed, waitMs: claimed.length > 0 ? 0 : this.pollMs };
  }

  private async heartbeat(): Promise<void> {
    const ids = [...this.inflight.keys(), ...this.local.map((c) => c.id)];
    if (ids.length === 0) return;
    await this.db.kysely
      .updateTable('deliveries')
      .set({ lease_until: this.iso(this.leaseMs) })
      .where('lease_owner', '=', this.id)
      .where('id', 'in', ids)
      .where('state', 'in', ['queued', 'retrying', 'sending'])
      .execute();
  }

  private async releaseLocal(): Promise<void> {
    const ids = this.local.map((c) => c.id);
    this.local = [];
    if (ids.length === 0) return;
    await this.db.kysely
      .updateTable('deliveries')
      .set({ lease_owner: null, lease_until: null })
      .where('lease_owner', '=', this.id)
      .where('id', 'in', ids)
      .where('state', 'in', ['queued', 'retrying'])
      .execute();
  }

  /** Expired `sending` leases → `uncertain`; dispatches with nothing left to do → `completed`. */
  async sweep(): Promise<void> {
    const k = this.db.kysely;
    const now = this.iso();
    const lost = await k
      .updateTable('deliveries')
      .set({
        state: 'uncertain',
        lease_owner: null,
        lease_until: null,
        error_code: 'delivery.workerLost',
        error_message: 'the sending process stopped before the server confirmed the message; check before sending again',
        updated_at: now,
      })
      .where('state', '=', 'sending')
      .where('lease_until', '<', now)
      .returning('id')
      .execute();
    if (lost.length > 0) {
      await k.updateTable('delivery_documents').set({ active: 0 }).where('delivery_id', 'in', lost.map((r) => r.id)).execute();
      this.log('warn', 'deliveries marked uncertain after a lost worker', { count: lost.length });
    }
    await k
      .updateTable('dispatches')
      .set({ status: 'completed', completed_at: now, updated_at: now })
      .where('status', '=', 'sending')
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('deliveries as x').select('x.id').whereRef('x.dispatch_id', '=', 'dispatches.id').where('x.state', 'in', ['queued', 'retrying', 'sending']))),
      )
      .execute();
  }

  // ---- sending ----

  private start(c: Claimed, mailer: Mailer): void {
    const p = this.process(c, mailer)
      .catch((error: unknown) => this.log('error', 'delivery processing failed', { deliveryId: c.id, error: String(error) }))
      .finally(() => {
        this.inflight.delete(c.id);
        this.wake();
      });
    this.inflight.set(c.id, p);
  }

  private async template(dispatchId: number): Promise<TemplateSnapshot | null> {
    const cached = this.templates.get(dispatchId);
    if (cached !== undefined) return cached;
    const row = await this.db.kysely.selectFrom('dispatches').select('template_snapshot').where('id', '=', dispatchId).executeTakeFirst();
    const value = parseTemplateSnapshot(row?.template_snapshot ?? null);
    if (this.templates.size > 100) this.templates.clear();
    this.templates.set(dispatchId, value);
    return value;
  }

  private async companyData(): Promise<MessageCompany> {
    if (this.company && this.now() - this.company.at < 10_000) return this.company.value;
    const value = await loadMessageCompany(this.db.kysely);
    this.company = { value, at: this.now() };
    return value;
  }

  private async process(c: Claimed, mailer: Mailer): Promise<void> {
    const k = this.db.kysely;
    const documentIds = (await k.selectFrom('delivery_documents').select('document_id').where('delivery_id', '=', c.id).execute()).map((r) => r.document_id);
    let message;
    try {
      const template = await this.template(c.dispatch_id);
      if (!template) throw new Error('dispatch has no template snapshot');
      const customer = await loadMessageCustomer(k, c.customer_id);
      if (!customer) throw new Error(`customer ${c.customer_id} vanished`);
      message = await composeDeliveryMessage({
        db: this.db,
        ports: this.ports,
        template,
        to: { name: c.to_name, email: c.to_email },
        customer,
        documents: await loadMessageDocuments(k, documentIds),
        company: await this.companyData(),
        senderName: mailer.senderName,
        messageId: deliveryMessageId(c.dispatch_id, c.id, mailer.messageIdDomain),
      });
    } catch (error) {
      // Nothing was sent: the message could not even be built. A missing archive PDF will not
      // appear by waiting; anything else (a database hiccup) is worth another attempt.
      const failure: ClassifiedFailure =
        error instanceof AttachmentMissingError
          ? { class: 'permanent', code: 'document.pdfMissing', reply: error.message }
          : { class: 'temporary', code: 'message.composeFailed', reply: error instanceof Error ? error.message : String(error) };
      await this.recordFailure(c, c.attempts + 1, failure, mailer.limits.maxAttempts, false);
      return;
    }

    // State before side effect. The dispatch must still be sending (not paused or cancelled).
    const marked = await k
      .updateTable('deliveries')
      .set((eb) => ({ state: 'sending', attempts: eb('attempts', '+', 1), last_attempt_at: this.iso(), lease_until: this.iso(this.leaseMs), updated_at: this.iso() }))
      .where('id', '=', c.id)
      .where('lease_owner', '=', this.id)
      .where('state', 'in', ['queued', 'retrying'])
      .where('dispatch_id', 'in', (eb) => eb.selectFrom('dispatches').select('id').where('id', '=', c.dispatch_id).where('status', '=', 'sending'))
      .executeTakeFirst();
    if (Number(marked.numUpdatedRows) !== 1) {
      await k.updateTable('deliveries').set({ lease_owner: null, lease_until: null }).where('id', '=', c.id).where('lease_owner', '=', this.id).where('state', 'in', ['queued', 'retrying']).execute();
      return;
    }
    const attempt = c.attempts + 1;

    let result: SendResult;
    try {
      result = await mailer.send(message);
    } catch (error) {
      await this.recordFailure(c, attempt, mailer.classify(error), mailer.limits.maxAttempts, true);
      return;
    }
    await this.recordSent(c, documentIds, result);
  }

  private async recordSent(c: Claimed, documentIds: number[], result: SendResult): Promise<void> {
    // The server has the message. Recording that must not be lost to a passing database error:
    // try a few times; if it still fails, the lease expires and a person sees `uncertain`.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.kysely.transaction().execute(async (trx) => {
          const now = this.iso();
          await trx
            .updateTable('deliveries')
            .set({ state: 'sent', message_id: result.messageId, smtp_response: result.response.slice(0, 1000), sent_at: now, lease_owner: null, lease_until: null, error_code: null, error_message: null, updated_at: now })
            .where('id', '=', c.id)
            // Also from `uncertain`: the truth wins over the sweep's guess.
            .where('state', '<>', 'sent')
            .execute();
          await trx.updateTable('delivery_documents').set({ active: 0 }).where('delivery_id', '=', c.id).execute();
          if (documentIds.length > 0) await trx.updateTable('documents').set({ last_sent_at: now, last_sent_to: c.to_email }).where('id', 'in', documentIds).execute();
          await trx.updateTable('dispatches').set({ consecutive_failures: 0 }).where('id', '=', c.dispatch_id).where('consecutive_failures', '>', 0).execute();
        });
        return;
      } catch (error) {
        if (attempt >= 5) throw error;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  private async recordFailure(c: Claimed, attempt: number, failure: ClassifiedFailure, maxAttempts: number, wasSending: boolean): Promise<void> {
    const k = this.db.kysely;
    const now = this.iso();
    const reply = failure.reply.slice(0, 1000);
    // A rejected login or a refused connection says nothing about this recipient: the delivery
    // goes back to the queue without using up an attempt, and the dispatch pauses (see below).
    const notRecipientsFault = failure.class === 'auth';
    const retry = failure.class !== 'permanent' && (notRecipientsFault || attempt < maxAttempts);
    const next = retry ? this.iso(backoffDelayMs(attempt, this.backoff, this.random(), this.jitter)) : now;
    await k.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('deliveries')
        .set((eb) => ({
          state: notRecipientsFault ? 'queued' : retry ? 'retrying' : 'failed',
          attempts: notRecipientsFault && wasSending ? eb('attempts', '-', 1) : wasSending ? eb.ref('attempts') : attempt,
          next_attempt_at: next,
          lease_owner: null,
          lease_until: null,
          error_code: failure.code,
          error_message: reply,
          smtp_response: failure.class === 'permanent' ? reply : null,
          updated_at: now,
        }))
        .where('id', '=', c.id)
        .where('lease_owner', '=', this.id)
        .where('state', 'in', wasSending ? ['sending'] : ['queued', 'retrying'])
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return;
      if (!retry) await trx.updateTable('delivery_documents').set({ active: 0 }).where('delivery_id', '=', c.id).execute();
      const counter = await trx
        .updateTable('dispatches')
        .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1) }))
        .where('id', '=', c.dispatch_id)
        .returning('consecutive_failures')
        .executeTakeFirst();
      if (counter && shouldPause(counter.consecutive_failures, this.pauseAfter, failure.class)) {
        const paused = await trx
          .updateTable('dispatches')
          .set({ status: 'paused', paused_reason: failure.code, paused_message: reply, updated_at: now })
          .where('id', '=', c.dispatch_id)
          .where('status', '=', 'sending')
          .executeTakeFirst();
        if (Number(paused.numUpdatedRows) === 1) this.log('warn', 'dispatch paused', { dispatchId: c.dispatch_id, reason: failure.code });
      }
    });
  }
}
