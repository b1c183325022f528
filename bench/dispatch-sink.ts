import { SMTPServer } from 'smtp-server';

/**
 * The SMTP sink of the dispatch benchmark, in its own process so that parsing messages does not
 * compete with the sender for the event loop. Counts accepted messages; the parent asks for
 * `{ count, lastAt, cpuMs }` over IPC (cpuMs: the sink's CPU time so far).
 */
/** answers each message's final dot after this many ms, like a real server that queues the message (`--reply-delay-ms=N`) */
const replyDelayMs = Number(process.argv.find((a) => a.startsWith('--reply-delay-ms='))?.slice('--reply-delay-ms='.length) ?? 0);
let count = 0;
let lastAt = 0;
const server = new SMTPServer({
  logger: false,
  disabledCommands: ['STARTTLS', 'AUTH'],
  authOptional: true,
  size: 50 * 1024 * 1024,
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      const accept = () => {
        count++;
        lastAt = Date.now();
        callback(null, `2.0.0 Ok: queued as ${count}`);
      };
      if (replyDelayMs > 0) setTimeout(accept, replyDelayMs);
      else accept();
    });
  },
});
server.on('error', () => undefined);
server.listen(0, '127.0.0.1', () => {
  const address = server.server.address();
  process.send?.({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('message', (m: unknown) => {
  if (m === 'stats') {
    const cpu = process.cpuUsage();
    process.send?.({ type: 'stats', count, lastAt, cpuMs: (cpu.user + cpu.system) / 1000 });
  }
  if (m === 'reset') {
    count = 0;
    lastAt = 0;
  }
  if (m === 'exit') server.close(() => process.exit(0));
});
// The parent died (a benchmark that failed): do not stay behind holding its output open.
process.on('disconnect', () => process.exit(0));
