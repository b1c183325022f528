import type { Db } from '../../db/connection.ts';
import { commitOutcomes, type CommitResult, type MarkRow, type SentRow } from './outcomes.ts';
import type { Accepted, Claimed, WorkerLog } from './types.ts';

/** A delivery to mark `sending`, with the Message-ID, server and settings version of its message. */
export interface MarkRequest {
  c: Claimed;
  messageId: string;
  server: string | null;
  settingsVersion: number | null;
}

/**
 * What became of a mark: `marked` (the message may be sent), `refused` (paused, cancelled, or the
 * lease was lost: not ours to send), `stale` (the mail settings were saved since its SMTP pool was
 * opened: send it with the new ones), `failed` (the database write failed: nothing was sent).
 */
export type MarkOutcome = 'marked' | 'refused' | 'stale' | 'failed';

interface WriterEntry {
  sent: Accepted | undefined;
  mark: MarkRequest | undefined;
  resolve: (outcome: MarkOutcome) => void;
}

/**
 * Group commit of the lanes' outcomes. Lanes submit "record `sent` for a message the server
 * accepted" or "mark this one `sending`"; everything submitted while the previous commit runs goes
 * into the next one, so under load one transaction serves several lanes and with a single lane
 * nothing waits for a timer. A commit that fails is retried a few times; if it still fails (disk
 * full, the database locked for long), its marks count as not marked (those messages are withdrawn
 * before any content is sent), and its `sent` records are kept and written as soon as the database
 * takes them again: this worker knows the server accepted those messages, so they end `sent`, not
 * `uncertain` (the `sent` update also overrides an `uncertain` another worker's sweep may have set
 * meanwhile). Their lanes wait for that, so a worker that cannot write sends nothing new.
 */
export class OutcomeWriter {
  private pending: WriterEntry[] = [];
  private running = false;

  constructor(
    private readonly db: Db,
    private readonly owner: string,
    private readonly clock: () => { now: string; leaseUntil: string },
    private readonly log: WorkerLog,
  ) {}

  /** Resolves with what became of `mark` (`refused` without one), after the commit. */
  submit(entry: { sent?: Accepted | undefined; mark?: MarkRequest | undefined }): Promise<MarkOutcome> {
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
    let failedRounds = 0;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      let result: CommitResult | undefined;
      for (let attempt = 1; ; attempt++) {
        try {
          result = await this.commit(batch);
          break;
        } catch (error) {
          if (attempt >= 5) {
            const unrecorded = batch.filter((e) => e.sent).length;
            this.log('error', 'recording delivery outcomes failed: the database did not take the write', {
              deliveries: batch.length,
              acceptedByServer: unrecorded,
              error: String(error),
            });
            break;
          }
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
      if (result) {
        if (failedRounds > 0) this.log('info', 'delivery outcomes recorded after the database took writes again', { deliveries: batch.length });
        failedRounds = 0;
        for (const e of batch) e.resolve(outcomeOf(e.mark, result));
        continue;
      }
      // Marks: withdrawn. `sent` records: kept, tried again (first in line) until the database takes them.
      const keep: WriterEntry[] = [];
      for (const e of batch) {
        if (e.sent) keep.push({ sent: e.sent, mark: undefined, resolve: e.mark ? () => undefined : e.resolve });
        if (e.mark) e.resolve('failed');
      }
      if (keep.length > 0) {
        failedRounds++;
        this.pending.unshift(...keep);
        await new Promise((r) => setTimeout(r, Math.min(5_000, 500 * failedRounds)));
      }
    }
    this.running = false;
  }

  private commit(batch: readonly WriterEntry[]): Promise<CommitResult> {
    const { now, leaseUntil } = this.clock();
    const sent: SentRow[] = [];
    const marks: MarkRow[] = [];
    for (const e of batch) {
      if (e.sent) {
        const { c, documentIds, result } = e.sent;
        sent.push({ id: c.id, dispatchId: c.dispatch_id, toEmail: c.to_email, messageId: result.messageId, response: result.response, documentIds });
      }
      if (e.mark) marks.push({ id: e.mark.c.id, messageId: e.mark.messageId, server: e.mark.server, settingsVersion: e.mark.settingsVersion });
    }
    return commitOutcomes(this.db, { sent, marks, owner: this.owner, now, leaseUntil });
  }
}

function outcomeOf(mark: MarkRequest | undefined, result: CommitResult | undefined): MarkOutcome {
  if (!mark) return 'refused';
  if (!result) return 'failed';
  if (result.marked.has(mark.c.id)) return 'marked';
  return mark.settingsVersion !== null && mark.settingsVersion !== result.settingsVersion ? 'stale' : 'refused';
}
