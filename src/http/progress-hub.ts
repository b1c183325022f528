import { AppError } from '../domain/errors.ts';

/**
 * Progress streams (Server-Sent Events) of dispatches, shared (issue 15 item 5): one database poll
 * per dispatch and interval, whatever the number of listeners; at most `maxPerClient` streams per
 * user or token and `maxTotal` per process; and on shutdown every stream is ended so the process
 * can close (issue 20 item 2: one open stream kept `faktura serve` from exiting on SIGTERM). The
 * browser's EventSource then reconnects, to another process or to this one once it is back.
 */
export interface ProgressHubOptions<V> {
  /** Reads a dispatch's current view (one query per dispatch per interval). */
  load: (id: number) => Promise<V>;
  /** The final status of a view (the stream ends after it), or undefined while it goes on. */
  finalStatus: (view: V) => string | undefined;
  intervalMs: number;
  maxPerClient: number;
  maxTotal: number;
  onError?: (error: unknown, id: number) => void;
}

export interface StreamSink {
  write(chunk: string): void;
  end(): void;
}

interface Channel {
  listeners: Set<StreamSink>;
  last: string | undefined;
  wake: (() => void) | undefined;
}

export class ProgressHub<V> {
  private readonly channels = new Map<number, Channel>();
  private readonly perClient = new Map<string, number>();
  private total = 0;
  private closed = false;
  /** Database polls made so far (for tests and metrics). */
  polls = 0;

  constructor(private readonly options: ProgressHubOptions<V>) {}

  /**
   * Reserves a stream for `client` (a user or token) or throws 429 / 503; call before answering.
   * The returned function releases it (idempotent).
   */
  reserve(client: string): () => void {
    if (this.closed) throw new AppError('unavailable', 'server.shuttingDown', 'the server is shutting down; reconnect in a moment');
    const mine = this.perClient.get(client) ?? 0;
    if (mine >= this.options.maxPerClient) {
      throw new AppError('rateLimited', 'dispatch.tooManyStreams', `at most ${this.options.maxPerClient} progress streams per user at a time`, { meta: { max: this.options.maxPerClient } });
    }
    if (this.total >= this.options.maxTotal) {
      throw new AppError('unavailable', 'dispatch.streamsBusy', 'too many progress streams are open on this server; try again later', { retryable: true });
    }
    this.perClient.set(client, mine + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left <= 0) this.perClient.delete(client);
      else this.perClient.set(client, left);
    };
  }

  /** Adds a listener to a dispatch's stream; returns the function that removes it. */
  subscribe(id: number, sink: StreamSink): () => void {
    const existing = this.channels.get(id);
    const current: Channel = existing ?? { listeners: new Set(), last: undefined, wake: undefined };
    // A late listener gets the current state at once instead of after the next change.
    if (existing?.last !== undefined) sink.write(`event: progress\ndata: ${existing.last}\n\n`);
    current.listeners.add(sink);
    if (!existing) {
      this.channels.set(id, current);
      void this.run(id, current);
    }
    return () => {
      current.listeners.delete(sink);
    };
  }

  /** Ends every stream (shutdown) and refuses new ones. */
  closeAll(): void {
    this.closed = true;
    for (const channel of this.channels.values()) {
      for (const sink of channel.listeners) {
        // `retry` tells the EventSource how soon to reconnect (to another process behind the proxy).
        sink.write('retry: 2000\nevent: shutdown\ndata: {}\n\n');
        sink.end();
      }
      channel.listeners.clear();
      channel.wake?.();
    }
  }

  get openStreams(): number {
    return this.total;
  }

  private async run(id: number, channel: Channel): Promise<void> {
    try {
      while (channel.listeners.size > 0 && !this.closed) {
        let view: V;
        try {
          this.polls++;
          view = await this.options.load(id);
        } catch (error) {
          this.options.onError?.(error, id);
          for (const sink of channel.listeners) {
            sink.write(`event: error\ndata: ${JSON.stringify({ code: 'dispatch.progressFailed' })}\n\n`);
            sink.end();
          }
          channel.listeners.clear();
          break;
        }
        if (this.closed) break;
        const data = JSON.stringify(view);
        const chunk = data !== channel.last ? `event: progress\ndata: ${data}\n\n` : ': keep-alive\n\n';
        channel.last = data;
        for (const sink of channel.listeners) sink.write(chunk);
        const finalStatus = this.options.finalStatus(view);
        if (finalStatus !== undefined) {
          const end = `event: end\ndata: ${JSON.stringify({ status: finalStatus })}\n\n`;
          for (const sink of channel.listeners) {
            sink.write(end);
            sink.end();
          }
          channel.listeners.clear();
          break;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.intervalMs);
          channel.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        channel.wake = undefined;
      }
    } finally {
      if (this.channels.get(id) === channel) this.channels.delete(id);
    }
  }
}
