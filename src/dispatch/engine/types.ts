import type { OutgoingMessage, SendResult } from '../ports.ts';

/** What the parts of the dispatch engine pass between them. */

export interface WorkerLog {
  (level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): void;
}

/** A delivery this worker holds a lease on, with what it needs to address the message. */
export interface Claimed {
  id: number;
  dispatch_id: number;
  recipient_id: number;
  customer_id: number;
  attempts: number;
  to_email: string;
  to_name: string;
  /** when it became due: the queue's order is next attempt, then id */
  next_attempt_at: string;
}

/** A claimed delivery with its message built, waiting for a free connection. */
export interface Prepared {
  c: Claimed;
  message: OutgoingMessage;
  documentIds: number[];
  /** the mailer settings it was composed with (sender name, Message-ID domain) */
  mailerVersion: string;
}

/** A message the server accepted, whose `sent` is not yet committed. */
export interface Accepted {
  c: Claimed;
  documentIds: number[];
  result: SendResult;
}
