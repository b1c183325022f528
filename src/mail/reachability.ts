import { connect } from 'node:net';

export type Reachability = { status: 'ok'; latencyMs: number } | { status: 'unreachable'; reason: string } | { status: 'notConfigured' };

/**
 * Whether the SMTP server accepts TCP connections and greets with 220 — a cheap check for health
 * probes (no TLS, no login: the full, classified test is `POST /api/settings/mail/test`).
 */
export function probeSmtp(host: string, port: number, timeoutMs = 3000): Promise<Reachability> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let banner = '';
    const done = (result: Reachability) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ status: 'unreachable', reason: 'timeout' }));
    socket.on('error', (error: NodeJS.ErrnoException) => done({ status: 'unreachable', reason: error.code ?? 'error' }));
    socket.on('data', (chunk) => {
      banner += chunk.toString('latin1');
      if (!banner.includes('\n')) return;
      socket.write('QUIT\r\n');
      done(banner.startsWith('220') ? { status: 'ok', latencyMs: Date.now() - started } : { status: 'unreachable', reason: `greeting ${banner.slice(0, 3)}` });
    });
  });
}
