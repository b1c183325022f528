/**
 * VERP (variable envelope return path): each delivery is sent with its own return path,
 * `rechnung+d12345@praxis.de`, so a bounce names its delivery even when it quotes nothing of the
 * original message. It works only where the provider delivers `local+anything@domain` to the
 * mailbox `local@domain` (sub-addressing: Microsoft 365, Google, Postfix/Dovecot with
 * `recipient_delimiter = +`); that is why it is a setting, off by default.
 */

const VERP_TAG = /^d([1-9][0-9]{0,14})$/;

export function verpReturnPath(base: string, deliveryId: number): string {
  const at = base.lastIndexOf('@');
  return `${base.slice(0, at)}+d${deliveryId}${base.slice(at)}`;
}

/** The delivery id in a VERP address made from `base`, or null for any other address. */
export function deliveryIdFromVerp(base: string, address: string): number | null {
  const at = base.lastIndexOf('@');
  const a = address.trim().toLowerCase();
  const local = base.slice(0, at).toLowerCase();
  const domain = base.slice(at).toLowerCase();
  if (!a.endsWith(domain) || !a.startsWith(`${local}+`)) return null;
  const tag = VERP_TAG.exec(a.slice(local.length + 1, a.length - domain.length));
  return tag?.[1] === undefined ? null : Number(tag[1]);
}

/** `<faktura.12.345@praxis.de>` (dispatch/message.ts `deliveryMessageId`) → 345. */
export function deliveryIdFromMessageId(messageId: string): number | null {
  const m = /^<faktura\.([0-9]{1,15})\.([0-9]{1,15})@[^<>\s]+>$/.exec(messageId.trim());
  return m?.[2] === undefined ? null : Number(m[2]);
}
