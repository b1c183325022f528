import { describe, expect, it } from 'vitest';
import { AppError } from '../domain/errors.ts';
import { ProgressHub, type StreamSink } from './progress-hub.ts';

interface View {
  status: string;
  sent: number;
}

function recorder(): StreamSink & { chunks: string[]; ended: boolean } {
  const sink = {
    chunks: [] as string[],
    ended: false,
    write(chunk: string) {
      sink.chunks.push(chunk);
    },
    end() {
      sink.ended = true;
    },
  };
  return sink;
}

const waitFor = async (condition: () => boolean) => {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
};

describe('ProgressHub', () => {
  it('polls the database once per dispatch and interval, however many listen', async () => {
    const loads = new Map<number, number>();
    const hub = new ProgressHub<View>({
      load: async (id) => {
        loads.set(id, (loads.get(id) ?? 0) + 1);
        return { status: 'sending', sent: loads.get(id) ?? 0 };
      },
      finalStatus: () => undefined,
      intervalMs: 10,
      maxPerClient: 100,
      maxTotal: 100,
    });
    const sinks = Array.from({ length: 10 }, () => recorder());
    const unsubscribe = sinks.map((sink) => hub.subscribe(7, sink));
    const other = recorder();
    hub.subscribe(8, other);
    await waitFor(() => (sinks[0]?.chunks.length ?? 0) >= 5);
    const received = sinks[0]?.chunks.length ?? 0;
    // Ten listeners, one query per tick: the count of polls follows the ticks, not the listeners.
    expect(loads.get(7)).toBeGreaterThanOrEqual(received);
    expect(loads.get(7)).toBeLessThanOrEqual(received + 1);
    expect(sinks.every((s) => s.chunks.length >= received)).toBe(true);
    expect(sinks[3]?.chunks[0]).toBe('event: progress\ndata: {"status":"sending","sent":1}\n\n');
    // A late listener gets the current state at once.
    const late = recorder();
    hub.subscribe(7, late);
    expect(late.chunks[0]).toMatch(/^event: progress\ndata: \{"status":"sending"/);
    unsubscribe.forEach((u) => u());
    hub.closeAll();
    expect(other.ended).toBe(true);
    expect(other.chunks.at(-1)).toContain('event: shutdown');
    expect(late.ended).toBe(true);
  });

  it('ends every stream of a dispatch when it is final', async () => {
    let sent = 0;
    const hub = new ProgressHub<View>({
      load: async () => ({ status: ++sent >= 3 ? 'completed' : 'sending', sent }),
      finalStatus: (v) => (v.status === 'completed' ? v.status : undefined),
      intervalMs: 5,
      maxPerClient: 5,
      maxTotal: 5,
    });
    const a = recorder();
    const b = recorder();
    hub.subscribe(1, a);
    hub.subscribe(1, b);
    await waitFor(() => a.ended && b.ended);
    expect(a.chunks.at(-1)).toBe('event: end\ndata: {"status":"completed"}\n\n');
    expect(b.chunks).toEqual(a.chunks);
  });

  it('caps streams per user or token and in total, and refuses new ones after shutdown', () => {
    const hub = new ProgressHub<View>({ load: async () => ({ status: 'sending', sent: 0 }), finalStatus: () => undefined, intervalMs: 1000, maxPerClient: 2, maxTotal: 3 });
    const releaseA1 = hub.reserve('user:1');
    hub.reserve('user:1');
    expect(() => hub.reserve('user:1')).toThrow(expect.objectContaining({ code: 'dispatch.tooManyStreams', kind: 'rateLimited' }));
    hub.reserve('user:2');
    expect(() => hub.reserve('token:9')).toThrow(expect.objectContaining({ code: 'dispatch.streamsBusy' }));
    releaseA1();
    releaseA1();
    expect(hub.openStreams).toBe(2);
    hub.reserve('user:1');
    hub.closeAll();
    expect(() => hub.reserve('user:3')).toThrow(AppError);
  });
});
