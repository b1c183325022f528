import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';

/**
 * Recognises a bounce (non-delivery report) in a message fetched from the practice's mailbox.
 * Pure: bytes in, a verdict out; no database, no IMAP.
 *
 * Two families of reports exist in the wild:
 * - RFC 3464 delivery status notifications: `multipart/report; report-type=delivery-status`, one
 *   block of `Final-Recipient` / `Action` / `Status` / `Diagnostic-Code` fields per recipient
 *   (Postfix, Exchange Online, Gmail and most large providers send these);
 * - plain-text reports that only a person is meant to read (Exim and the 1&1 family GMX/web.de,
 *   older Postfix set-ups, Exchange on premises, Gmail's variants). For those the recipient and the
 *   SMTP reply are read from the phrases these systems use; `X-Failed-Recipients` (Exim, Gmail)
 *   helps where present.
 *
 * A report counts as permanent when its status is 5.x.x (RFC 3463 "permanent failure") or the
 * SMTP reply is 5xx, as a delay when it is 4.x.x / 4xx or the report says it will retry. Anything
 * else — an out-of-office reply, a customer's answer, a read receipt, a report without any
 * recognisable status — is not a bounce: the poller leaves such messages where they are.
 */

export type BounceKind = 'permanent' | 'delayed';

export interface BounceRecipient {
  /** the address that failed, lower-cased; null when the report does not name it */
  address: string | null;
  kind: BounceKind;
  /** RFC 3463 enhanced status code (`5.1.1`), when given */
  status: string | null;
  /** the remote server's reply or the report's explanation, one line, at most 500 characters */
  diagnostic: string | null;
}

export interface RecognisedBounce {
  /** `permanent` if any recipient failed for good, else `delayed` */
  kind: BounceKind;
  format: 'rfc3464' | 'text';
  recipients: BounceRecipient[];
  /** the Message-ID of the message that bounced (`<…>`), from the returned message or headers */
  originalMessageId: string | null;
  /** RFC 3461 ENVID, if the original was sent with one */
  originalEnvelopeId: string | null;
  /** addresses this report was delivered to (Delivered-To, X-Original-To, To): a VERP return path shows here */
  deliveredTo: string[];
  /** the report's own Message-ID */
  messageId: string | null;
  /** the report's Date header */
  date: Date | null;
  subject: string;
}

/** How much of a report is read. Bounces quote the original message, PDFs included; the report is at the start. */
export const MAX_REPORT_TEXT = 64 * 1024;

const ENHANCED_STATUS = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;
const REPLY_CODE = /(?:^|[\s'"(:;])([245]\d\d)(?=[\s-])/;
const EMAIL = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+/;
const EMAIL_GLOBAL = new RegExp(EMAIL.source, 'g');
const MESSAGE_ID = /<[^<>\s@]+@[^<>\s]+>/;

const DAEMON_SENDER = /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|microsoftexchange[0-9a-f]*|mail\.delivery\.system)@/i;
const BOUNCE_SUBJECT =
  /undeliver|undelivered mail|returned mail|delivery status notification|delivery failure|mail delivery failed|failure notice|non[- ]?delivery|unzustellbar|nicht zustellbar|zustellung fehlgeschlagen|unzustellbare|delayed mail|delivery delayed|warning: could not send|message not delivered/i;
const AUTO_REPLY_SUBJECT = /^(abwesenheit|automatische antwort|automatic reply|auto(matic)?[- ]?reply|out of (the )?office|urlaub|i am out|ich bin nicht)/i;

const PERMANENT_PHRASE = /this is a permanent error|dauerhafter fehler|permanent(ly)? fail|couldn't be delivered|could not be delivered to one or more|wasn't delivered to|konnte .{0,40}nicht zugestellt|zustellung an folgende empf.nger.{0,40}fehlgeschlagen|delivery has failed/i;
const DELAY_PHRASE = /this is a warning only|still being retried|will (be )?retr(y|ied)|not delivered yet|temporary problem|vor.bergehend|delayed|verz.gert|wird (weiterhin|erneut) versucht/i;

export async function recogniseBounce(raw: Buffer | string): Promise<RecognisedBounce | null> {
  let mail: ParsedMail;
  try {
    mail = await simpleParser(raw, { skipHtmlToText: false, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true });
  } catch {
    return null;
  }
  const subject = mail.subject ?? '';
  const from = firstAddress(mail.from);
  const contentType = mail.headers.get('content-type');
  const reportType = isStructured(contentType) ? String(contentType.params['report-type'] ?? '').toLowerCase() : '';
  const isMultipartReport = isStructured(contentType) && contentType.value.toLowerCase() === 'multipart/report';
  // Read receipts (RFC 8098) are reports too, but of another kind.
  if (isMultipartReport && reportType !== '' && reportType !== 'delivery-status') return null;

  const text = (mail.text ?? '').slice(0, MAX_REPORT_TEXT).replace(/\r\n?/g, '\n');
  const failedHeader = headerText(mail, 'x-failed-recipients');
  const isNdrHeader = mail.headers.has('x-ms-exchange-message-is-ndr');
  const daemon = from !== null && DAEMON_SENDER.test(from);
  if (AUTO_REPLY_SUBJECT.test(subject) && !daemon) return null;
  const looksLikeBounce = (isMultipartReport && reportType === 'delivery-status') || failedHeader !== '' || isNdrHeader || (daemon && (BOUNCE_SUBJECT.test(subject) || PERMANENT_PHRASE.test(text) || DELAY_PHRASE.test(text))) || (BOUNCE_SUBJECT.test(subject) && (PERMANENT_PHRASE.test(text) || DELAY_PHRASE.test(text)) && headerText(mail, 'auto-submitted') !== '');
  if (!looksLikeBounce) return null;

  const dsnBlocks = parseDsnBlocks(text);
  const format: RecognisedBounce['format'] = dsnBlocks.perRecipient.length > 0 ? 'rfc3464' : 'text';
  const recipients = (format === 'rfc3464' ? dsnRecipients(dsnBlocks.perRecipient) : textRecipients(text, failedHeader, subject)).filter(
    (r): r is BounceRecipient => r !== null,
  );
  if (recipients.length === 0) return null;

  const original = await originalMessageId(mail, text);
  const deliveredTo = [
    ...headerAddresses(mail, 'delivered-to'),
    ...headerAddresses(mail, 'x-original-to'),
    ...addresses(mail.to),
  ];
  return {
    kind: recipients.some((r) => r.kind === 'permanent') ? 'permanent' : 'delayed',
    format,
    recipients,
    originalMessageId: original,
    originalEnvelopeId: dsnBlocks.perMessage['original-envelope-id']?.trim() || null,
    deliveredTo: [...new Set(deliveredTo.map((a) => a.toLowerCase()))],
    messageId: mail.messageId ?? null,
    date: mail.date ?? null,
    subject,
  };
}

// ---- RFC 3464 ----

type Fields = Record<string, string>;

/** The delivery-status part's field groups, read from the report's text (mailparser merges it in). */
function parseDsnBlocks(text: string): { perMessage: Fields; perRecipient: Fields[] } {
  const blocks = text.split(/\n[ \t]*\n/);
  const perRecipient: Fields[] = [];
  let perMessage: Fields = {};
  for (const block of blocks) {
    const fields = parseFields(block);
    if (fields['reporting-mta'] !== undefined && Object.keys(perMessage).length === 0) perMessage = fields;
    if (fields['final-recipient'] !== undefined || (fields['action'] !== undefined && fields['status'] !== undefined)) perRecipient.push(fields);
  }
  return { perMessage, perRecipient };
}

/** `Name: value` lines with RFC 5322 folding; lines that are not fields end nothing but count for nothing. */
function parseFields(block: string): Fields {
  const fields: Fields = {};
  let last: string | null = null;
  for (const line of block.split('\n')) {
    if (/^[ \t]/.test(line) && last !== null) {
      fields[last] += ` ${line.trim()}`;
      continue;
    }
    const m = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
    if (m?.[1] === undefined || m[2] === undefined) {
      last = null;
      continue;
    }
    last = m[1].toLowerCase();
    fields[last] = m[2];
  }
  return fields;
}

function dsnRecipients(blocks: Fields[]): (BounceRecipient | null)[] {
  return blocks.map((f) => {
    const action = (f['action'] ?? '').trim().toLowerCase();
    const status = ENHANCED_STATUS.exec(f['status'] ?? '')?.[0] ?? null;
    // RFC 3464 §2.3.3: delivered, relayed and expanded are success reports, not failures.
    if (['delivered', 'relayed', 'expanded'].includes(action)) return null;
    const kind: BounceKind | null = action === 'failed' ? 'permanent' : action === 'delayed' ? 'delayed' : status?.startsWith('5') ? 'permanent' : status?.startsWith('4') ? 'delayed' : null;
    if (kind === null) return null;
    const recipient = f['final-recipient'] ?? f['original-recipient'] ?? '';
    const address = EMAIL.exec(recipient.replace(/^\s*rfc822\s*;/i, ''))?.[0] ?? null;
    // `smtp; 550 5.1.1 …` → the reply; `X-Postfix; unknown user` → the text
    const diagnostic = (f['diagnostic-code'] ?? '').replace(/^\s*[A-Za-z0-9-]+\s*;\s*/, '').trim();
    return { address: address?.toLowerCase() ?? null, kind, status, diagnostic: oneLine(diagnostic || (status ?? '')) };
  });
}

// ---- plain-text reports ----

/** Phrases after which the failed addresses are listed, one per line (Exim, GMX/web.de, Exchange). */
const LIST_INTRO = /(following\s+address(?:\(es\))?\s+failed|folgende adresse\(n\)[^\n]*|folgende empf.nger[^\n]*fehlgeschlagen|delivery has failed to these recipients or groups|could not be delivered to the following recipients?)\s*:?\s*\n/i;
/** Phrases that name the failed address inline (Gmail, Exchange Online). */
const INLINE_RECIPIENT = [
  /wasn't delivered to\s+<?(ADDR)>?\s+because/i,
  /your message to\s+<?(ADDR)>?\s+couldn't be delivered/i,
  /delivering your message to\s+<?(ADDR)>?/i,
  /Ihre Nachricht an\s+<?(ADDR)>?\s+konnte/i,
].map((p) => new RegExp(p.source.replace('ADDR', EMAIL.source), p.flags));

function textRecipients(text: string, failedHeader: string, subject: string): (BounceRecipient | null)[] {
  const report = reportPart(text);
  const found = new Map<string, string>(); // address → the report text that concerns it
  // Postfix without DSN: `<addr>: host … said: 550 …` (continued on indented lines)
  for (const m of report.matchAll(/^<([^<>\s]+@[^<>\s]+)>:\s*((?:.*)(?:\n[ \t]+.*)*)/gm)) {
    if (m[1] !== undefined) found.set(m[1].toLowerCase(), m[2] ?? '');
  }
  const intro = LIST_INTRO.exec(report);
  if (intro) {
    // the indented block after the intro: addresses, each followed by its reason lines
    const after = report.slice(intro.index + intro[0].length);
    const block = after.split(/\n\s*\n(?=\S)|\n-{3,}/)[0] ?? '';
    let current: string | null = null;
    for (const line of block.split('\n')) {
      const address = /^\s*<?([^\s<>]+@[^\s<>]+?)>?\s*$/.exec(line)?.[1];
      if (address !== undefined && EMAIL.test(address)) {
        current = address.toLowerCase();
        if (!found.has(current)) found.set(current, '');
      } else if (current !== null && line.trim() !== '') {
        found.set(current, `${found.get(current) ?? ''} ${line.trim()}`);
      }
    }
  }
  for (const pattern of INLINE_RECIPIENT) {
    const address = pattern.exec(report)?.[1];
    if (address !== undefined && EMAIL.test(address) && !found.has(address.toLowerCase())) found.set(address.toLowerCase(), '');
  }
  for (const address of failedHeader.match(EMAIL_GLOBAL) ?? []) {
    if (!found.has(address.toLowerCase())) found.set(address.toLowerCase(), '');
  }
  const generalKind = phraseKind(report, subject);
  const general = replyIn(report);
  const list = found.size > 0 ? [...found.entries()] : ([[null, '']] as const);
  return list.map(([address, own]) => {
    const reply = replyIn(own) ?? general;
    const kind = reply?.kind ?? generalKind;
    if (kind === null) return null;
    return { address, kind, status: reply?.status ?? null, diagnostic: reply ? oneLine(reply.text) : null };
  });
}

/** The part of the text before the returned message (which may itself quote codes and addresses). */
function reportPart(text: string): string {
  const cut = /^(-{2,}.*(original message|undelivered message|ursprüngliche|kopfzeilen|returned message|message follows).*|Original Message Details|Ursprüngliche Nachrichtenkopfzeilen:?)\s*$/im.exec(text);
  return cut ? text.slice(0, cut.index) : text;
}

function phraseKind(text: string, subject: string): BounceKind | null {
  // A warning says so; check it first because it also says "could not be delivered for N hours".
  if (/this is a warning only|still being retried|not delivered yet|\(delay\)|delivery delayed|delayed mail/i.test(`${subject}\n${text}`)) return 'delayed';
  if (PERMANENT_PHRASE.test(text)) return 'permanent';
  if (DELAY_PHRASE.test(text)) return 'delayed';
  return null;
}

/** The first SMTP reply in a text: `550 5.1.1 …`, `Remote Server returned '550 5.1.1 …'`, `reason: 550 …`. */
function replyIn(text: string): { kind: BounceKind; status: string | null; text: string } | null {
  const enhanced = ENHANCED_STATUS.exec(text);
  const code = REPLY_CODE.exec(text);
  if (!enhanced && !code) return null;
  const start = Math.min(code ? code.index + code[0].indexOf(code[1] ?? '') : Infinity, enhanced ? enhanced.index : Infinity);
  const line = text.slice(start).split(/\n\s*\n/)[0] ?? '';
  const digit = (code?.[1] ?? enhanced?.[1] ?? '').charAt(0);
  const statusDigit = enhanced?.[1];
  const decisive = statusDigit ?? digit;
  if (decisive !== '5' && decisive !== '4') return null;
  return { kind: decisive === '5' ? 'permanent' : 'delayed', status: enhanced?.[0] ?? null, text: line.replace(/['"]\s*$/, '') };
}

// ---- the original message ----

async function originalMessageId(mail: ParsedMail, text: string): Promise<string | null> {
  for (const attachment of mail.attachments) {
    const type = attachment.contentType.toLowerCase();
    if (type === 'message/rfc822' || type === 'text/rfc822-headers' || type === 'message/rfc822-headers' || type === 'message/global') {
      const headers = attachment.content.subarray(0, 64 * 1024).toString('utf8');
      const id = /^message-id:\s*(<[^<>\s]+>)/im.exec(headers)?.[1];
      if (id !== undefined) return id;
    }
  }
  // quoted in the text ("----- Original message -----", "Kopfzeilen der ursprünglichen Nachricht")
  const quoted = /^message-id:\s*(<[^<>\s]+>)/im.exec(text)?.[1];
  if (quoted !== undefined) return quoted;
  // Exchange and some others reference the original like a reply would
  const inReplyTo = mail.inReplyTo ? MESSAGE_ID.exec(mail.inReplyTo)?.[0] : undefined;
  return inReplyTo ?? null;
}

// ---- helpers ----

function isStructured(value: unknown): value is { value: string; params: Record<string, string> } {
  return typeof value === 'object' && value !== null && 'value' in value && 'params' in value;
}

function headerText(mail: ParsedMail, name: string): string {
  const value = mail.headers.get(name);
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (typeof value === 'object' && value !== null && 'text' in value && typeof value.text === 'string') return value.text;
  return '';
}

function headerAddresses(mail: ParsedMail, name: string): string[] {
  return mail.headerLines
    .filter((l) => l.key === name)
    .flatMap((l) => l.line.slice(l.line.indexOf(':') + 1).match(EMAIL_GLOBAL) ?? []);
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  if (!value) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((a) => a.value.map((v) => v.address ?? '')).filter((a) => a !== '');
}

function firstAddress(value: AddressObject | undefined): string | null {
  return value?.value[0]?.address ?? null;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}
