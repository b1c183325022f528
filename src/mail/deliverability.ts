import { createPrivateKey, createPublicKey } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import type { DeliverabilityReport } from '../http/api-types.ts';
import type { MailSettings } from './settings.ts';

/**
 * The deliverability part of "Verbindung testen": do the sender's domain's DNS records let the
 * recipients' servers trust these mails? Providers (Gmail, Microsoft, GMX/web.de) drop or
 * junk mail whose From domain has no SPF, no DKIM or no DMARC, or whose DKIM signature does not
 * align with the From domain (DMARC, RFC 7489 §3.1).
 *
 * What can be checked from here, without knowing the IP the provider sends from:
 * - SPF (RFC 7208): exactly one `v=spf1` record at the From domain (two are a permanent error,
 *   §4.5); `+all` lets anyone send in the domain's name;
 * - DKIM (RFC 6376): with a key configured, the public key at `selector._domainkey.domain` exists
 *   and is the one that belongs to the configured private key; the signing domain aligns with From;
 * - DMARC (RFC 7489): a `v=DMARC1` record at `_dmarc.<From domain>` (or at the organisational
 *   domain), its policy;
 * - the From address differs from the login account: many providers (Microsoft 365, Gmail, IONOS)
 *   reject or rewrite such mail unless the account may send as that address.
 * DNS goes through Node's resolver; tests inject one.
 */
export interface TxtResolver {
  resolveTxt(name: string): Promise<string[][]>;
}

/** Names under these top-level domains are never in the global DNS (RFC 2606, RFC 6761): no query is sent. */
const RESERVED_TLD = /\.(test|example|invalid|localhost|local)\.?$/i;

export function systemResolver(): TxtResolver {
  // short: the connection test waits for this
  const resolver = new Resolver({ timeout: 3_000, tries: 2 });
  return {
    resolveTxt: (name) => (RESERVED_TLD.test(name) ? Promise.reject(Object.assign(new Error(`${name} is a reserved name`), { code: 'ENOTFOUND' })) : resolver.resolveTxt(name)),
  };
}

export async function checkDeliverability(settings: Pick<MailSettings, 'fromEmail' | 'auth' | 'dkim'>, resolver: TxtResolver): Promise<DeliverabilityReport> {
  const fromDomain = domainOf(settings.fromEmail);
  const [spfRecords, dmarc, dkim] = await Promise.all([txt(resolver, fromDomain), dmarcRecord(resolver, fromDomain), dkimCheck(settings, resolver, fromDomain)]);
  const spf = spfRecords.records.filter((r) => /^v=spf1(\s|$)/i.test(r));
  const spfStatus: DeliverabilityReport['spf']['status'] =
    spfRecords.error ? 'lookupFailed' : spf.length === 0 ? 'missing' : spf.length > 1 ? 'multiple' : /(^|\s)\+?all(\s|$)/i.test(spf[0] ?? '') ? 'allowsAnyone' : 'found';

  const warnings: string[] = [];
  const login = settings.auth?.user ?? null;
  if (login !== null && login.includes('@') && login.trim().toLowerCase() !== settings.fromEmail.trim().toLowerCase()) warnings.push('deliverability.fromNotLogin');
  if (spfStatus !== 'found') warnings.push(`deliverability.spf.${spfStatus}`);
  if (dkim.status !== 'found' && dkim.status !== 'notConfigured') warnings.push(`deliverability.dkim.${dkim.status}`);
  if (dkim.status === 'found' && !dkim.aligned) warnings.push('deliverability.dkim.notAligned');
  if (dmarc.status !== 'found') warnings.push(`deliverability.dmarc.${dmarc.status}`);
  // With DMARC, a message passes only if SPF or DKIM passes *aligned* with From. The envelope
  // sender Faktura uses is the From address (or its VERP form), so SPF aligns whenever it passes;
  // whether it passes depends on the provider's IPs, which only the receiving side sees.
  return { fromDomain, spf: { status: spfStatus, record: spf[0] ?? null }, dkim, dmarc, warnings };
}

async function txt(resolver: TxtResolver, name: string): Promise<{ records: string[]; error: boolean }> {
  try {
    return { records: (await resolver.resolveTxt(name)).map((chunks) => chunks.join('')), error: false };
  } catch (error) {
    const code = typeof error === 'object' && error !== null ? Reflect.get(error, 'code') : undefined;
    // no such name / no TXT record: an answer, not a failure
    return { records: [], error: !(code === 'ENOTFOUND' || code === 'ENODATA') };
  }
}

async function dmarcRecord(resolver: TxtResolver, fromDomain: string): Promise<DeliverabilityReport['dmarc']> {
  // RFC 7489 §6.6.3: the From domain, else the organisational domain (approximated by the last two labels)
  const candidates = [fromDomain, organisationalDomain(fromDomain)].filter((d, i, all) => all.indexOf(d) === i);
  for (const domain of candidates) {
    const found = await txt(resolver, `_dmarc.${domain}`);
    if (found.error) return { status: 'lookupFailed', policy: null, record: null };
    const record = found.records.find((r) => /^v=DMARC1(\s*;|$)/i.test(r));
    if (record) {
      const policy = /(?:^|;)\s*p\s*=\s*(none|quarantine|reject)/i.exec(record)?.[1]?.toLowerCase();
      return { status: 'found', policy: policy === 'none' || policy === 'quarantine' || policy === 'reject' ? policy : null, record };
    }
  }
  return { status: 'missing', policy: null, record: null };
}

async function dkimCheck(settings: Pick<MailSettings, 'dkim'>, resolver: TxtResolver, fromDomain: string): Promise<DeliverabilityReport['dkim']> {
  if (!settings.dkim) return { status: 'notConfigured', domain: null, selector: null, aligned: false };
  const { domain, selector, privateKey } = settings.dkim;
  const base = { domain, selector, aligned: aligned(domain, fromDomain) };
  const found = await txt(resolver, `${selector}._domainkey.${domain}`);
  if (found.error) return { ...base, status: 'lookupFailed' };
  const record = found.records.find((r) => /(^|;)\s*p\s*=/i.test(r));
  if (!record) return { ...base, status: 'missing' };
  const published = /(?:^|;)\s*p\s*=\s*([A-Za-z0-9+/=\s]*)/i.exec(record)?.[1]?.replace(/\s+/g, '') ?? '';
  return { ...base, status: published !== '' && published === publicKeyOf(privateKey) ? 'found' : 'keyMismatch' };
}

/** The base64 SubjectPublicKeyInfo (RSA) or raw key (Ed25519, RFC 8463) that DNS publishes for this private key. */
function publicKeyOf(privateKeyPem: string): string | null {
  try {
    const key = createPublicKey(createPrivateKey(privateKeyPem));
    if (key.asymmetricKeyType === 'ed25519') return key.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
    return key.export({ format: 'der', type: 'spki' }).toString('base64');
  } catch {
    return null;
  }
}

/** Relaxed alignment (RFC 7489 §3.1.1): the same organisational domain. */
function aligned(a: string, b: string): boolean {
  return organisationalDomain(a.toLowerCase()) === organisationalDomain(b.toLowerCase());
}

function organisationalDomain(domain: string): string {
  // Without the public suffix list this is right for the domains our users have (praxis.de,
  // praxis-mueller.at); for co.uk-style suffixes it is one label short, which only loosens it.
  return domain.toLowerCase().replace(/\.$/, '').split('.').slice(-2).join('.');
}

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}
