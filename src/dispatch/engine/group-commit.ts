import type { Db } from '../../db/connection.ts';
import { commitOutcomes, type SentRow } from './outcomes.ts';
import type { Accepted, Claimed, WorkerLog } from './types.ts';

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
export class OutcomeWriter {
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
