import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { Db } from '../db/connection.ts';
import { backoffDelayMs, DEFAULT_BACKOFF_MS, shouldPause, type ClassifiedFailure } from '../domain/dispatch.ts';
import { commitOutcomes, type SentRow } from './batch.ts';
import {
  AttachmentMissingError,
  composeDeliveryMessage,
  deliveryMessageId,
  loadMessageCompany,
  loadMessageCustomers,
  loadMessageDocuments,
  type MessageCompany,
  type MessageCustomer,
  type MessageDocument,
} from './message.ts';
import type { DispatchPorts, LoadedPdf, Mailer, OutgoingMessage, SendResult, TemplateSnapshot } from './ports.ts';
import { parseTemplateSnapshot } from './template-snapshot.ts';
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
 * How it stays fast (the database must not be what limits the SMTP pool):
 * - claims and message preparation work in batches: one claim statement for several deliveries,
 *   then their documents, customers and archived PDFs in one query each, composed while the
 *   connections are busy with earlier messages;
 * - each connection is a "lane" that sends one message after the other. When a message got its
 *   250, the lane records `sent` for it and marks its next message `sending` in one transaction,
 *   and the lanes that reach that point in the same moment share it (group commit, `OutcomeWriter`).
 *   So a row is `sending` only while a connection works on it or until that shared commit, never
 *   more rows than connections: a crash leaves at most `poolSize` uncertain deliveries per worker;
 * - the production mailer (adapters.ts) encodes and sends in a thread of its own
 *   (mail/transport-thread.ts): this thread keeps only the database work and composing.
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


/** A claimed delivery with its message built, waiting for a free connection. */
interface Prepared {
  c: Claimed;
  message: OutgoingMessage;
  documentIds: number[];
  /** the mailer settings it was composed with (sender name, Message-ID domain) */
  mailerVersion: string;
}

/** A message the server accepted, whose `sent` is not yet committed. */
interface Accepted {
  c: Claimed;
  documentIds: number[];
  result: SendResult;
}

/**
 * Claiming ahead of free connections spends rate-limit tokens before the messages go out, so a
 * window can see up to that many messages more than the limit. Look ahead only when that is at
 * most 1 % of the smallest limit; otherwise claim only what starts now.
 */
const LOOKAHEAD_PER_CONNECTION = 10;
const LOOKAHEAD_MAX_SHARE = 0.01;

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
    if (this.mailer && this.now() - this.mailerCheckedAt < this.settingsRefreshMs) return this.mailer;
    this.mailerCheckedAt = this.now();
    const fresh = await this.ports.openMailer(this.db.kysely);
    if (this.mailer && fresh && fresh.version === this.mailer.version) {
      fresh.close();
      return this.mailer;
    }
    const old = this.mailer;
    this.mailer = fresh;
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
        const due = () => k
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
            .with('due', () => due().forUpdate().skipLocked())
            .updateTable('deliveries')
            .from('due')
            .set({ lease_owner: this.id, lease_until: until })
            .whereRef('deliveries.id', '=', 'due.id')
            .where('deliveries.state', '=', state)
            .returning(['deliveries.id', 'deliveries.dispatch_id', 'deliveries.recipient_id', 'deliveries.customer_id', 'deliveries.attempts', 'deliveries.to_email', 'deliveries.to_name'])
            .execute();
        } else {
          // One statement: atomic under SQLite's write lock, also across processes, so the inner
          // SELECT's conditions still hold when the rows are updated. (A repeated `state = ?` on
          // the outer UPDATE made SQLite scan every row of that state through the lease index
          // instead of looking up the ids: quadratic over a 100,000-recipient dispatch.)
          const result = await sql<Claimed>`update deliveries set lease_owner = ${this.id}, lease_until = ${until}
            where id in (select id from deliveries where dispatch_id = ${d.id} and state = ${state} and next_attempt_at <= ${now}
              and (lease_until is null or lease_until < ${now}) order by next_attempt_at, id limit ${left})
            returning id, dispatch_id, recipient_id, customer_id, attempts, to_email, to_name`.execute(k);
          rows = result.rows;
        }
        // RETURNING gives no order; send in queue order (next attempt, then id).
        rows.sort((a, b) => a.id - b.id);
        claimed.push(...rows);
      }
    }
    await limiter.refund(tokens.granted - claimed.length);
    return { claimed, waitMs: claimed.length > 0 ? 0 : this.pollMs };
  }

  private async heartbeat(): Promise<void> {
    const ids = [...this.active.keys(), ...this.ready.map((p) => p.c.id), ...this.queue.map((c) => c.id)];
    if (ids.length === 0) return;
    const k = this.db.kysely;
    const mine = (eb: typeof k) =>
      eb.selectFrom('deliveries').select('id').where('lease_owner', '=', this.id).where('id', 'in', ids).where('state', 'in', ['queued', 'retrying', 'sending']);
    // On PostgreSQL, rows the outcome writer has locked are skipped: that transaction gives them a
    // fresh lease or finishes them anyway, and waiting for it while holding other rows' locks
    // deadlocked with it (it locks its `sent` rows, then the rows it marks `sending`).
    const lease = this.iso(this.leaseMs);
    if (this.db.dialect === 'postgres') await k.updateTable('deliveries').set({ lease_until: lease }).where('id', 'in', mine(k).forUpdate().skipLocked()).execute();
    else await k.updateTable('deliveries').set({ lease_until: lease }).where('id', 'in', mine(k)).execute();
  }

  private async releaseLocal(): Promise<void> {
    const ids = [...this.queue.map((c) => c.id), ...this.ready.map((p) => p.c.id)];
    this.queue = [];
    this.ready = [];
    await this.release(ids);
  }

  /** Gives claimed deliveries that were not marked `sending` back to the queue at once. */
  private async release(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.kysely
      .updateTable('deliveries')
      .set({ lease_owner: null, lease_until: null })
      .where('lease_owner', '=', this.id)
      .where('id', 'in', [...ids])
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
      // A literal, not a parameter: SQLite uses the partial index `deliveries_lease` (state =
      // 'sending') only when it can see that the query's condition implies the index's.
      .where(sql<boolean>`state = 'sending'`)
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

  // ---- preparing ----

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

  /**
   * Builds the messages of a few claimed deliveries: their document links, documents, customers
   * and archived PDFs in one query each. Each message gets exactly its own delivery's customer and
   * documents (looked up by id), so batching cannot mix recipients.
   */
  private async prepare(chunk: Claimed[], mailer: Mailer): Promise<void> {
    const k = this.db.kysely;
    let links: Map<number, number[]>;
    let documents: MessageDocument[];
    let customers: Map<number, MessageCustomer>;
    let pdfs: Map<number, LoadedPdf>;
    try {
      links = new Map();
      const rows = await k.selectFrom('delivery_documents').select(['delivery_id', 'document_id']).where('delivery_id', 'in', chunk.map((c) => c.id)).execute();
      for (const r of rows) {
        const list = links.get(r.delivery_id) ?? [];
        list.push(r.document_id);
        links.set(r.delivery_id, list);
      }
      const documentIds = [...new Set(rows.map((r) => r.document_id))];
      documents = await loadMessageDocuments(k, documentIds);
      customers = await loadMessageCustomers(
        k,
        chunk.map((c) => c.customer_id),
      );
      pdfs = await this.ports.loadPdfs(k, documentIds);
    } catch (error) {
      // A database hiccup: nothing was sent, each delivery is worth another attempt.
      const failure: ClassifiedFailure = { class: 'temporary', code: 'message.composeFailed', reply: error instanceof Error ? error.message : String(error) };
      for (const c of chunk) await this.recordFailure(c, c.attempts + 1, failure, mailer.limits.maxAttempts, false);
      return;
    }
    for (const c of chunk) {
      const documentIds = links.get(c.id) ?? [];
      try {
        const template = await this.template(c.dispatch_id);
        if (!template) throw new Error('dispatch has no template snapshot');
        const customer = customers.get(c.customer_id);
        if (!customer) throw new Error(`customer ${c.customer_id} vanished`);
        const mine = new Set(documentIds);
        const message = await composeDeliveryMessage({
          db: this.db,
          ports: this.ports,
          template,
          to: { name: c.to_name, email: c.to_email },
          customer,
          // In the order of the query (document number, id), as the per-delivery load had them.
          documents: documents.filter((d) => mine.has(d.id)),
          company: await this.companyData(),
          senderName: mailer.senderName,
          messageId: deliveryMessageId(c.dispatch_id, c.id, mailer.messageIdDomain),
          pdfs,
        });
        this.ready.push({ c, message, documentIds, mailerVersion: mailer.version });
      } catch (error) {
        // Nothing was sent: the message could not even be built. A missing archive PDF will not
        // appear by waiting; anything else (a database hiccup) is worth another attempt.
        const failure: ClassifiedFailure =
          error instanceof AttachmentMissingError
            ? { class: 'permanent', code: 'document.pdfMissing', reply: error.message }
            : { class: 'temporary', code: 'message.composeFailed', reply: error instanceof Error ? error.message : String(error) };
        await this.recordFailure(c, c.attempts + 1, failure, mailer.limits.maxAttempts, false);
      }
    }
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
    if (this.stopping || this.mailer !== mailer) return undefined;
    const next = this.ready.shift();
    if (next) this.active.set(next.c.id, next.c);
    // Let the loop build and claim more while this lane sends.
    this.wake();
    return next;
  }

  /**
   * One SMTP connection's sequence of messages. Before each message the lane marks it `sending`;
   * that commit also records `sent` for the lane's previous message, so between two messages a
   * lane costs one shared database commit.
   */
  private async lane(first: Prepared, mailer: Mailer): Promise<void> {
    let next: Prepared | undefined = first;
    let accepted: Accepted | undefined;
    while (next) {
      const p: Prepared = next;
      const previous = accepted;
      accepted = undefined;
      const marked = await this.writer.submit({ sent: previous, mark: p.c });
      if (previous) this.active.delete(previous.c.id);
      if (!marked) {
        // Paused, cancelled, or the lease was lost: not ours to send.
        this.active.delete(p.c.id);
        await this.release([p.c.id]).catch((error: unknown) => this.log('warn', 'releasing a claim failed', { deliveryId: p.c.id, error: String(error) }));
        next = this.nextReady(mailer);
        continue;
      }
      try {
        const result = await mailer.send(p.message);
        accepted = { c: p.c, documentIds: p.documentIds, result };
      } catch (error) {
        await this.recordFailure(p.c, p.c.attempts + 1, mailer.classify(error), mailer.limits.maxAttempts, true).catch((e: unknown) =>
          this.log('error', 'recording a failed delivery failed', { deliveryId: p.c.id, error: String(e) }),
        );
        this.active.delete(p.c.id);
      }
      next = this.nextReady(mailer);
    }
    if (accepted) {
      await this.writer.submit({ sent: accepted });
      this.active.delete(accepted.c.id);
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

interface WriterEntry {
  sent: Accepted | undefined;
  mark: Claimed | undefined;
  resolve: (marked: boolean) => void;
}

/**
 * Group commit of the lanes' outcomes. Lanes submit "record `sent` for my last message, mark my
 * next one `sending`"; everything submitted while the previous commit runs goes into the next
 * one, so under load one transaction serves several lanes and with a single lane nothing waits
 * for a timer. A commit that fails is retried a few times; if it still fails, its `sent` rows stay
 * `sending` (the sweep shows them as `uncertain`, never re-sent) and its marks count as not
 * marked (those messages are not sent).
 */
class OutcomeWriter {
  private pending: WriterEntry[] = [];
  private running = false;

  constructor(
    private readonly db: Db,
    private readonly owner: string,
    private readonly clock: () => { now: string; leaseUntil: string },
    private readonly log: WorkerLog,
  ) {}

  /** Resolves with whether `mark` was marked `sending` (false without one), after the commit. */
  submit(entry: { sent?: Accepted | undefined; mark?: Claimed | undefined }): Promise<boolean> {
    return new Promise((resolve) => {
      this.pending.push({ sent: entry.sent, mark: entry.mark, resolve });
      if (!this.running) {
        this.running = true;
        // On SQLite a commit runs on this thread: waiting a millisecond lets the other lanes' replies
        // join it (≈ 4 per commit instead of 1 in the benchmark). On PostgreSQL the commit's round
        // trip is that wait: what arrives meanwhile goes into the next one.
        if (this.db.dialect === 'postgres') setImmediate(() => void this.drain());
        else setTimeout(() => void this.drain(), 1);
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      let marked = new Set<number>();
      for (let attempt = 1; ; attempt++) {
        try {
          marked = await this.commit(batch);
          break;
        } catch (error) {
          if (attempt >= 5) {
            this.log('error', 'recording delivery outcomes failed', { deliveries: batch.length, error: String(error) });
            break;
          }
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
      for (const e of batch) e.resolve(e.mark !== undefined && marked.has(e.mark.id));
    }
    this.running = false;
  }

  private commit(batch: readonly WriterEntry[]): Promise<Set<number>> {
    const { now, leaseUntil } = this.clock();
    const sent: SentRow[] = [];
    const marks: number[] = [];
    for (const e of batch) {
      if (e.sent) {
        const { c, documentIds, result } = e.sent;
        sent.push({ id: c.id, dispatchId: c.dispatch_id, toEmail: c.to_email, messageId: result.messageId, response: result.response, documentIds });
      }
      if (e.mark) marks.push(e.mark.id);
    }
    return commitOutcomes(this.db, { sent, marks, owner: this.owner, now, leaseUntil });
  }
}
