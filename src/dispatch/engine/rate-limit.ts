import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

/**
 * The global send rate limit as token buckets in the database, so it holds across every worker
 * process on every machine (a provider such as Microsoft 365 locks an account that sends more than
 * 30 messages a minute, whichever process sent them).
 *
 * A bucket holds at most `capacity` tokens and refills continuously. Choosing
 * `capacity + rate × window = limit + 1` guarantees that any window of `window` length contains
 * at most `limit` sends (a plain bucket with capacity = limit allows twice the limit in a window
 * that starts with a full bucket). The burst share is small for the minute (smooth pacing) and
 * half for the day (a morning batch goes out quickly, the rest of the day's quota stays).
 *
 * Tokens are stored as integer milli-tokens and changed by compare-and-swap, which works the
 * same on SQLite and PostgreSQL without explicit row locks.
 */

export interface BucketSpec {
  name: string;
  limit: number;
  windowMs: number;
  /** share of the limit that may go out at once */
  burst: number;
}

export interface BucketParams {
  capacityMilli: number;
  /** milli-tokens per millisecond */
  refillPerMs: number;
}

export function bucketParams(spec: BucketSpec): BucketParams {
  const limit = Math.max(1, Math.floor(spec.limit));
  const capacity = Math.min(limit, Math.max(1, Math.floor(limit * spec.burst)));
  return { capacityMilli: capacity * 1000, refillPerMs: ((limit + 1 - capacity) * 1000) / spec.windowMs };
}

/**
 * Tokens (milli) after refilling from `updatedMs` to `nowMs`, and the new reference time. Only the
 * time that was turned into whole milli-tokens is consumed, so frequent refills do not round the
 * refill away; a clock that went backwards refills nothing.
 */
export function refilled(params: BucketParams, tokensMilli: number, updatedMs: number, nowMs: number): { tokensMilli: number; updatedMs: number } {
  const elapsed = Math.max(0, nowMs - updatedMs);
  const added = Math.floor(elapsed * params.refillPerMs);
  // Clamped to the capacity: a lowered limit (the admin changed the settings) applies at once.
  if (tokensMilli + added >= params.capacityMilli) return { tokensMilli: params.capacityMilli, updatedMs: Math.max(nowMs, updatedMs) };
  return { tokensMilli: tokensMilli + added, updatedMs: updatedMs + Math.ceil(added / params.refillPerMs) };
}

/** Milliseconds until one whole token is available. */
export function msUntilToken(params: BucketParams, tokensMilli: number): number {
  if (tokensMilli >= 1000) return 0;
  return Math.ceil((1000 - tokensMilli) / params.refillPerMs);
}

export interface TakeResult {
  granted: number;
  /** when nothing (or less than asked) was granted: how long until the next token */
  waitMs: number;
}

export class DbRateLimiter {
  private readonly specs: { spec: BucketSpec; params: BucketParams }[];

  constructor(
    private readonly db: Kysely<Database>,
    specs: BucketSpec[],
    private readonly now: () => number = Date.now,
  ) {
    this.specs = specs.map((spec) => ({ spec, params: bucketParams(spec) }));
  }

  get unlimited(): boolean {
    return this.specs.length === 0;
  }

  /** The smallest per-window limit, undefined without any. */
  get smallestLimit(): number | undefined {
    return this.specs.length === 0 ? undefined : Math.min(...this.specs.map((s) => s.spec.limit));
  }

  /** Takes up to `wanted` tokens from every bucket; the grant is the smallest any bucket allows. */
  async take(wanted: number): Promise<TakeResult> {
    if (this.specs.length === 0 || wanted <= 0) return { granted: wanted, waitMs: 0 };
    let granted = wanted;
    let waitMs = 0;
    const taken: { name: string; amount: number; params: BucketParams }[] = [];
    for (const { spec, params } of this.specs) {
      const result = await this.takeFrom(spec.name, params, granted);
      if (result.granted < granted) {
        // Give back to the buckets already charged what this bucket did not allow.
        for (const t of taken) await this.giveBack(t.name, t.amount - result.granted, t.params);
        for (const t of taken) t.amount = result.granted;
      }
      granted = result.granted;
      waitMs = Math.max(waitMs, result.waitMs);
      taken.push({ name: spec.name, amount: granted, params });
      if (granted === 0) break;
    }
    return { granted, waitMs };
  }

  /** Returns unused tokens (claimed fewer deliveries than tokens taken). */
  async refund(amount: number): Promise<void> {
    if (this.specs.length === 0 || amount <= 0) return;
    for (const { spec, params } of this.specs) await this.giveBack(spec.name, amount, params);
  }

  private async giveBack(name: string, amount: number, params: BucketParams): Promise<void> {
    if (amount <= 0) return;
    // One atomic statement (no compare-and-swap needed), capped at the capacity.
    await this.db
      .updateTable('dispatch_rate_buckets')
      .set({ tokens_milli: sql<number>`case when tokens_milli + ${amount * 1000} > ${params.capacityMilli} then ${params.capacityMilli} else tokens_milli + ${amount * 1000} end` })
      .where('name', '=', name)
      .execute();
  }

  private async takeFrom(name: string, params: BucketParams, wanted: number): Promise<TakeResult> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const now = this.now();
      let row = await this.db.selectFrom('dispatch_rate_buckets').select(['tokens_milli', 'updated_ms']).where('name', '=', name).executeTakeFirst();
      if (!row) {
        await this.db
          .insertInto('dispatch_rate_buckets')
          .values({ name, tokens_milli: params.capacityMilli, updated_ms: now })
          .onConflict((oc) => oc.column('name').doNothing())
          .execute();
        continue;
      }
      row = { tokens_milli: Number(row.tokens_milli), updated_ms: Number(row.updated_ms) };
      const fresh = refilled(params, row.tokens_milli, row.updated_ms, now);
      const granted = Math.min(wanted, Math.floor(fresh.tokensMilli / 1000));
      const left = fresh.tokensMilli - granted * 1000;
      const swapped = await this.db
        .updateTable('dispatch_rate_buckets')
        .set({ tokens_milli: left, updated_ms: fresh.updatedMs })
        .where('name', '=', name)
        .where('tokens_milli', '=', row.tokens_milli)
        .where('updated_ms', '=', row.updated_ms)
        .executeTakeFirst();
      if (Number(swapped.numUpdatedRows) === 1) return { granted, waitMs: granted < wanted ? msUntilToken(params, left) : 0 };
    }
    // Heavy contention: let the caller wait a little rather than spin.
    return { granted: 0, waitMs: 50 };
  }
}
