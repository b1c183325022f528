import { fork } from 'node:child_process';

/** What the SMTP sink (bench/dispatch-sink.ts) reports: messages accepted, the last one's time, its CPU so far. */
export interface SinkStats {
  count: number;
  lastAt: number;
  cpuMs: number;
}

export interface Sink {
  port: number;
  stats(): Promise<SinkStats>;
  /** resolves once the sink has accepted `n` messages (since the last reset) */
  waitFor(n: number): Promise<SinkStats>;
  reset(): void;
  exit(): void;
}

/** Starts the benchmarks' SMTP sink in a process of its own; `args` go to it (e.g. `--reply-delay-ms=20`). */
export async function startSink(args: string[] = []): Promise<Sink> {
  const child = fork(new URL('./dispatch-sink.ts', import.meta.url).pathname, args, { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  const stats = () =>
    new Promise<SinkStats>((resolve) => {
      child.once('message', (m: SinkStats) => resolve(m));
      child.send('stats');
    });
  return {
    port,
    stats,
    async waitFor(n) {
      for (;;) {
        const s = await stats();
        if (s.count >= n) return s;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    reset: () => child.send('reset'),
    exit: () => child.send('exit'),
  };
}
