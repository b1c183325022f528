import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate, unusedPort } from '../mail-support.ts';

/**
 * Debian's Postfix and Dovecot on 127.0.0.1 for the bounce tests, each started from a
 * configuration written into a temporary folder (nothing under /etc is read or changed, no system
 * service is involved). `.ci/run` installs the packages (`postfix`, `dovecot-imapd`).
 *
 * Postfix must run as root: its master process starts the delivery agents under `mail_owner`
 * (the `postfix` user the package creates) and the queue must belong to that user; an unprivileged
 * Postfix is not supported by Postfix itself (`postfix(1)`: "only the super-user"). The tests run
 * as root here and in CI, so that is what they do; the configuration still lives in the temporary
 * folder (`postfix -c DIR start-fg`, foreground, a child of the test, stopped by SIGTERM).
 *
 * The two share one Maildir tree: Postfix's `virtual` agent delivers into it, Dovecot serves it
 * over IMAP. Unknown recipients of the local test domain are accepted at RCPT time
 * (`smtpd_reject_unlisted_recipient = no`) and then bounced by `virtual` with a real DSN to the
 * envelope sender, exactly as a remote provider's server would.
 */

export const MAIL_OWNER = 'postfix';

function ids(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** Resolves once something on `port` sends a greeting line (SMTP 220 / IMAP * OK). */
async function waitForGreeting(port: number, child: ChildProcess, what: string, log: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}: ${log()}`);
    const greeted = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.setTimeout(2_000);
      socket.once('data', (data) => {
        socket.destroy();
        resolve(/^(220|\* OK)/.test(data.toString('latin1')));
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (greeted) return;
    if (Date.now() > deadline) throw new Error(`${what} did not answer on port ${port}: ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopChild(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

export interface MailStack {
  /** Postfix's SMTP port on 127.0.0.1 (no TLS, no AUTH; relays only from 127.0.0.0/8) */
  smtpPort: number;
  /** Dovecot's IMAP port on 127.0.0.1 (plain text or STARTTLS, PLAIN/LOGIN) */
  imapPort: number;
  /** Dovecot's IMAPS port (TLS from the start, the self-signed certificate of mail-support.ts) */
  imapsPort: number;
  /** the mailbox that receives the bounces (the practice's address) */
  mailbox: { user: string; password: string };
  /** addresses Postfix delivers; every other address of `customerDomain` bounces */
  knownRecipients: string[];
  customerDomain: string;
  dir: string;
  /** the messages delivered to a local address so far (raw), oldest first */
  delivered(address: string): Buffer[];
  /** Postfix's log (for failure messages) */
  postfixLog(): string;
  stop(): Promise<void>;
}

const SENDER_DOMAIN = 'praxis.test';
const CUSTOMER_DOMAIN = 'kunden.test';

export interface MailStackOptions {
  mailbox?: { user: string; password: string };
  knownRecipients?: string[];
  /** transport(5) entries, e.g. `{ 'spaet@kunden.test': 'retry:4.2.1 busy' }` */
  transports?: Record<string, string>;
  /** more main.cf lines */
  extraMainCf?: string;
  /** false: only Dovecot (tests of the IMAP settings need no Postfix) */
  postfix?: boolean;
}

export async function startMailStack(input: MailStackOptions = {}): Promise<MailStack> {
  const withPostfix = input.postfix ?? true;
  if (withPostfix && userInfo().uid !== 0) throw new Error('Postfix needs root to start its delivery agents (see test/helpers/mail-servers.ts)');
  const mailbox = input.mailbox ?? { user: `rechnung@${SENDER_DOMAIN}`, password: 'Postfach-Geheim-1' };
  const knownRecipients = input.knownRecipients ?? [`kunde@${CUSTOMER_DOMAIN}`];
  const owner = ids(MAIL_OWNER);
  const dir = mkdtempSync(join(tmpdir(), 'faktura-mailstack-'));
  // Postfix's and Dovecot's unprivileged processes walk into this folder.
  chmodSync(dir, 0o755);
  const mailDir = join(dir, 'mail');
  mkdirSync(mailDir, { mode: 0o755 });
  chownSync(mailDir, owner.uid, owner.gid);
  const [smtpPort, imapPort, imapsPort] = [await unusedPort(), await unusedPort(), await unusedPort()];
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const child of children.reverse()) await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    children.push(await startDovecot({ dir, mailDir, imapPort, imapsPort, owner, mailbox }));
    if (withPostfix) children.push(await startPostfix({ dir, mailDir, smtpPort, mailbox: mailbox.user, knownRecipients, transports: input.transports ?? {}, extraMainCf: input.extraMainCf ?? '' }));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    smtpPort,
    imapPort,
    imapsPort,
    mailbox,
    knownRecipients,
    customerDomain: CUSTOMER_DOMAIN,
    dir,
    delivered: (address) => readMaildir(join(mailDir, address.toLowerCase())),
    postfixLog: () => readText(join(dir, 'postfix', 'maillog')),
    stop,
  };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function readMaildir(path: string): Buffer[] {
  const out: { name: string; raw: Buffer }[] = [];
  for (const sub of ['new', 'cur']) {
    let names: string[] = [];
    try {
      names = readdirSync(join(path, sub));
    } catch {
      continue; // no message delivered yet: Postfix creates the Maildir with the first one
    }
    for (const name of names) out.push({ name, raw: readFileSync(join(path, sub, name)) });
  }
  // Maildir names start with the delivery time in seconds, then a unique part.
  return out.sort((a, b) => a.name.localeCompare(b.name)).map((m) => m.raw);
}

async function startDovecot(input: {
  dir: string;
  mailDir: string;
  imapPort: number;
  imapsPort: number;
  owner: { uid: number; gid: number };
  mailbox: { user: string; password: string };
}): Promise<ChildProcess> {
  const { key, cert } = selfSignedCertificate();
  writeFileSync(join(input.dir, 'imap-key.pem'), key, { mode: 0o600 });
  writeFileSync(join(input.dir, 'imap-cert.pem'), cert);
  const base = join(input.dir, 'dovecot');
  mkdirSync(join(base, 'run'), { recursive: true, mode: 0o755 });
  mkdirSync(join(base, 'state'), { recursive: true });
  const users = join(base, 'users');
  writeFileSync(users, `${input.mailbox.user}:{PLAIN}${input.mailbox.password}\n`, { mode: 0o600 });
  // read by Dovecot's auth process, which runs as the `dovecot` user
  const auth = ids('dovecot');
  chownSync(users, auth.uid, auth.gid);
  const log = join(base, 'dovecot.log');
  const conf = join(base, 'dovecot.conf');
  writeFileSync(
    conf,
    `# written by test/helpers/mail-servers.ts
protocols = imap
listen = 127.0.0.1
base_dir = ${base}/run
state_dir = ${base}/state
instance_name = faktura-test-${input.imapPort}
log_path = ${log}
ssl = yes
ssl_cert = <${input.dir}/imap-cert.pem
ssl_key = <${input.dir}/imap-key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${input.mailDir}/%Lu
first_valid_uid = ${input.owner.uid}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu ${users}
}
userdb {
  driver = static
  args = uid=${input.owner.uid} gid=${input.owner.gid} home=${input.mailDir}/%Lu
}
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${input.imapPort}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${input.imapsPort}
    ssl = yes
  }
}
service anvil {
  chroot =
}
`,
  );
  const child = spawn('/usr/sbin/dovecot', ['-F', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  await waitForGreeting(input.imapPort, child, 'dovecot', () => `${stderr}\n${readText(log)}`);
  return child;
}

async function startPostfix(input: {
  dir: string;
  mailDir: string;
  smtpPort: number;
  mailbox: string;
  knownRecipients: string[];
  transports: Record<string, string>;
  extraMainCf: string;
}): Promise<ChildProcess> {
  const owner = ids(MAIL_OWNER);
  const conf = join(input.dir, 'postfix');
  mkdirSync(conf, { mode: 0o755 });
  for (const sub of ['queue', 'data']) {
    mkdirSync(join(conf, sub), { mode: 0o755 });
  }
  chownSync(join(conf, 'data'), owner.uid, owner.gid);
  // Maildir paths end in "/" (virtual(8)); the same folder Dovecot serves (mail_location %Lu).
  const mailboxes = [input.mailbox, ...input.knownRecipients].map((a) => `${a.toLowerCase()} ${a.toLowerCase()}/`).join('\n');
  writeFileSync(join(conf, 'vmailbox'), `${mailboxes}\n`);
  writeFileSync(join(conf, 'transport'), Object.entries(input.transports).map(([k, v]) => `${k} ${v}\n`).join(''));
  writeFileSync(
    join(conf, 'main.cf'),
    `# written by test/helpers/mail-servers.ts
compatibility_level = 3.6
queue_directory = ${conf}/queue
data_directory = ${conf}/data
mail_owner = ${MAIL_OWNER}
myhostname = mx.${SENDER_DOMAIN}
mydomain = ${SENDER_DOMAIN}
myorigin = $mydomain
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_reject_unlisted_recipient = no
virtual_mailbox_domains = ${SENDER_DOMAIN} ${CUSTOMER_DOMAIN}
virtual_mailbox_maps = texthash:${conf}/vmailbox
virtual_mailbox_base = ${input.mailDir}
virtual_uid_maps = static:${owner.uid}
virtual_gid_maps = static:${owner.gid}
recipient_delimiter = +
maillog_file = ${conf}/maillog
maillog_file_prefixes = ${conf}
biff = no
smtputf8_enable = no
transport_maps = texthash:${conf}/transport
${input.extraMainCf}
`,
  );
  writeFileSync(
    join(conf, 'master.cf'),
    `# written by test/helpers/mail-servers.ts (no chroot: the queue lives in a temporary folder)
127.0.0.1:${input.smtpPort} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
local     unix  - n n - - local
virtual   unix  - n n - - virtual
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
`,
  );
  const child = spawn('/usr/sbin/postfix', ['-c', conf, 'start-fg'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));
  await waitForGreeting(input.smtpPort, child, 'postfix', () => `${output}\n${readText(join(conf, 'maillog'))}`);
  return child;
}
