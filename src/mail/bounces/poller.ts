import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ImapFlow } from 'imapflow';
import type { Db } from '../../db/connection.ts';
import { loadMailSettings, type ImapSettings } from '../settings.ts';
import { applyBounce, reportKey } from './apply.ts';

/**
 * Reads the bounce mailbox and applies what it recognises (see apply.ts). Runs in the worker
 * process (`faktura worker`, or `serve` with its worker) every `intervalMs`; one poller at a time
 * across all processes: it holds the database lease `bouncePoller` while it works.
 *
 * It reads only messages it has not looked at yet (UIDs above the last one seen, per UIDVALIDITY,
 * RFC 3501 §2.3.1.1), never marks anything \Seen, moves what it applied to the processed folder
 * (created when missing) and leaves everything else where it was.
 */

export const BOUNCE_LEASE = 'bouncePoller';
/** How much of a message is read: the report is at its start; the returned original (PDFs) is not needed. */
export const MAX_BOUNCE_BYTES = 256 * 1024;
/** Messages looked at per round, so one round stays short; the rest follow in the next. */
export const MAX_PER_ROUND = 200;

export interface PollResult {
  /** `busy`: another process holds the lease; `off`: no mailbox configured */
  status: 'done' | 'busy' | 'off' | 'failed';
  examined: number;
  applied: number;
  bounced: number;
  delayed: number;
  /** recognised reports that named no delivery of ours (left in the folder) */
  unmatched: number;
  error?: string;
}

export interface BouncePollerOptions {
  db: Db;
  secret: string;
  /** how often to look; 0 = only when `pollNow` is called */
  intervalMs: number;
  leaseMs?: number;
  owner?: string;
  now?: () => Date;
  log?: (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;
}

export interface BouncePoller {
  pollNow(): Promise<PollResult>;
  stop(): Promise<void>;
}

export function startBouncePoller(options: BouncePollerOptions): BouncePoller {
  const owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const now = options.now ?? (() => new Date());
  let running: Promise<PollResult> | undefined;
  let stopped = false;
  const run = (): Promise<PollResult> => {
    running ??= pollOnce({ ...options, owner, now }).finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer =
    options.intervalMs > 0
      ? setInterval(() => {
          if (stopped) return;
          void run().then((r) => {
            if (r.status === 'failed') options.log?.('warn', 'bounce mailbox could not be read', { error: r.error });
            else if (r.applied > 0) options.log?.('info', 'bounces applied', { bounced: r.bounced, delayed: r.delayed });
          });
        }, options.intervalMs)
      : undefined;
  timer?.unref();
  return {
    pollNow: run,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}

const EMPTY: Omit<PollResult, 'status'> = { examined: 0, applied: 0, bounced: 0, delayed: 0, unmatched: 0 };

export async function pollOnce(input: { db: Db; secret: string; owner: string; now: () => Date; leaseMs?: number }): Promise<PollResult> {
  const { db } = input;
  const leaseMs = input.leaseMs ?? 10 * 60_000;
  if (!(await takeLease(db, input.owner, input.now().getTime(), leaseMs))) return { status: 'busy', ...EMPTY };
  try {
    const settings = await loadMailSettings(db, input.secret);
    if (!settings?.imap) return { status: 'off', ...EMPTY };
    const result = await readMailbox(db, settings.imap, settings.imap.verp ? settings.fromEmail : null, input.now);
    await saveState(db, { last_polled_at: input.now().toISOString(), last_result: JSON.stringify(result), last_error: result.error ?? null });
    return result;
  } finally {
    await db.kysely.updateTable('singleton_leases').set({ lease_until_ms: 0 }).where('name', '=', BOUNCE_LEASE).where('owner', '=', input.owner).execute();
  }
}

async function readMailbox(db: Db, imap: ImapSettings, verpBase: string | null, now: () => Date): Promise<PollResult> {
  // The IMAP client and the mail parser (imapflow, mailparser: ≈ 12 MB) load only in a process
  // whose poller has a mailbox to read.
  const [{ closeQuietly, createImapClient, describeImapError }, { recogniseBounce }] = await Promise.all([import('./imap.ts'), import('./recognise.ts')]);
  const result: PollResult = { status: 'done', ...EMPTY };
  const client = createImapClient(imap);
  try {
    await client.connect();
    const lock = await client.getMailboxLock(imap.folder);
    try {
      const mailbox = client.mailbox;
      const uidValidity = mailbox === false ? '' : String(mailbox.uidValidity);
      const state = await db.kysely.selectFrom('mailbox_state').selectAll().where('id', '=', 1).executeTakeFirst();
      // a new UIDVALIDITY means the UIDs were renumbered: start from the beginning (applying is idempotent)
      let lastUid = state && state.uid_validity === uidValidity ? state.last_uid : 0;
      const found = await client.search({ uid: `${lastUid + 1}:*` }, { uid: true });
      const uids = (Array.isArray(found) ? found : []).filter((uid) => uid > lastUid).sort((a, b) => a - b).slice(0, MAX_PER_ROUND);
      let processedFolderReady = false;
      for (const uid of uids) {
        const message = await client.fetchOne(String(uid), { uid: true, source: { start: 0, maxLength: MAX_BOUNCE_BYTES } }, { uid: true });
        result.examined++;
        const raw = message === false ? undefined : message.source;
        const report = raw ? await recogniseBounce(raw) : null;
        if (raw && report) {
          const key = reportKey(report, raw);
          const applied = await db.kysely.transaction().execute((trx) => applyBounce({ trx, report, key, verpBase, now: now() }));
          result.bounced += applied.bounced;
          result.delayed += applied.delayed;
          result.unmatched += applied.unmatched;
          if (applied.matched > 0 && applied.unmatched === 0) {
            if (!processedFolderReady) processedFolderReady = await ensureFolder(client, imap.processedFolder);
            await client.messageMove(String(uid), imap.processedFolder, { uid: true });
            result.applied++;
          }
        }
        lastUid = uid;
        await saveState(db, { uid_validity: uidValidity, last_uid: lastUid });
      }
    } finally {
      lock.release();
    }
  } catch (error) {
    return { ...result, status: 'failed', error: describeImapError(error, imap).detail };
  } finally {
    await closeQuietly(client);
  }
  return result;
}

async function ensureFolder(client: ImapFlow, path: string): Promise<boolean> {
  const folders = await client.list();
  if (!folders.some((f) => f.path.toLowerCase() === path.toLowerCase())) await client.mailboxCreate(path.split('/'));
  return true;
}

async function saveState(db: Db, values: Partial<{ uid_validity: string; last_uid: number; last_polled_at: string; last_result: string; last_error: string | null }>): Promise<void> {
  await db.kysely
    .insertInto('mailbox_state')
    .values({ id: 1, uid_validity: null, last_uid: 0, last_polled_at: null, last_result: null, last_error: null, last_digest_at: null, ...values })
    .onConflict((oc) => oc.column('id').doUpdateSet(values))
    .execute();
}

/**
 * The lease: one row per job. Taken when free or expired (a process that died holds it at most
 * `leaseMs`), in one statement, so two processes can never both get it.
 */
export async function takeLease(db: Db, owner: string, nowMs: number, leaseMs: number): Promise<boolean> {
  const row = await db.kysely
    .insertInto('singleton_leases')
    .values({ name: BOUNCE_LEASE, owner, lease_until_ms: nowMs + leaseMs })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ owner, lease_until_ms: nowMs + leaseMs })
        .where((eb) => eb.or([eb('singleton_leases.lease_until_ms', '<', nowMs), eb('singleton_leases.owner', '=', owner)])),
    )
    .returning('owner')
    .executeTakeFirst();
  return row?.owner === owner;
}
