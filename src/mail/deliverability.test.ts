import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkDeliverability, systemResolver, type TxtResolver } from './deliverability.ts';

/** A resolver over a fixed zone, as Node's would answer: ENOTFOUND for names that do not exist. */
function zone(records: Record<string, string[]>): TxtResolver & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async resolveTxt(name) {
      asked.push(name);
      const found = records[name.toLowerCase()];
      if (!found) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      // long records come in 255-byte chunks (RFC 7208 §3.3)
      return found.map((r) => (r.length > 255 ? [r.slice(0, 255), r.slice(255)] : [r]));
    },
  };
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKey = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicKey = rsa.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const ed = generateKeyPairSync('ed25519');

const settings = {
  fromEmail: 'rechnung@praxis-hoerwelt.de',
  auth: { user: 'rechnung@praxis-hoerwelt.de', password: 'x' },
  dkim: { domain: 'praxis-hoerwelt.de', selector: 'faktura', privateKey },
};

describe('checkDeliverability', () => {
  it('all in order: one SPF record, the DKIM key of the configured private key, aligned, a DMARC policy', async () => {
    const dns = zone({
      'praxis-hoerwelt.de': ['google-site-verification=abc', 'v=spf1 include:_spf.provider.example -all'],
      'faktura._domainkey.praxis-hoerwelt.de': [`v=DKIM1; k=rsa; p=${publicKey}`],
      '_dmarc.praxis-hoerwelt.de': ['v=DMARC1; p=quarantine; rua=mailto:dmarc@praxis-hoerwelt.de'],
    });
    const report = await checkDeliverability(settings, dns);
    expect(report).toEqual({
      fromDomain: 'praxis-hoerwelt.de',
      spf: { status: 'found', record: 'v=spf1 include:_spf.provider.example -all' },
      dkim: { status: 'found', domain: 'praxis-hoerwelt.de', selector: 'faktura', aligned: true },
      dmarc: { status: 'found', policy: 'quarantine', record: 'v=DMARC1; p=quarantine; rua=mailto:dmarc@praxis-hoerwelt.de' },
      warnings: [],
    });
  });

  it('names what is missing or wrong', async () => {
    const dns = zone({
      'praxis-hoerwelt.de': ['v=spf1 a mx -all', 'v=spf1 include:other.example ~all'],
      'faktura._domainkey.praxis-hoerwelt.de': [`v=DKIM1; k=rsa; p=${other}`],
    });
    const report = await checkDeliverability({ ...settings, auth: { user: 'praxis.login@provider.example', password: 'x' } }, dns);
    expect(report.spf.status).toBe('multiple');
    expect(report.dkim.status).toBe('keyMismatch');
    expect(report.dmarc).toEqual({ status: 'missing', policy: null, record: null });
    expect(report.warnings).toEqual(['deliverability.fromNotLogin', 'deliverability.spf.multiple', 'deliverability.dkim.keyMismatch', 'deliverability.dmarc.missing']);
  });

  it('+all lets anyone send; a DKIM key of another domain does not align; DMARC is found at the organisational domain', async () => {
    const dns = zone({
      'mail.praxis-hoerwelt.de': ['v=spf1 +all'],
      'faktura._domainkey.versand-dienst.example': [`v=DKIM1; p=${publicKey}`],
      '_dmarc.praxis-hoerwelt.de': ['v=DMARC1; p=reject'],
    });
    const report = await checkDeliverability({ fromEmail: 'rechnung@mail.praxis-hoerwelt.de', auth: null, dkim: { domain: 'versand-dienst.example', selector: 'faktura', privateKey } }, dns);
    expect(report.spf.status).toBe('allowsAnyone');
    expect(report.dkim).toMatchObject({ status: 'found', aligned: false });
    expect(report.dmarc).toMatchObject({ status: 'found', policy: 'reject' });
    expect(dns.asked).toContain('_dmarc.mail.praxis-hoerwelt.de');
    expect(report.warnings).toEqual(['deliverability.spf.allowsAnyone', 'deliverability.dkim.notAligned']);
  });

  it('an Ed25519 key (RFC 8463) is compared by its raw public key', async () => {
    const edPrivate = ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const raw = ed.publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('base64');
    const dns = zone({ 'ed._domainkey.praxis-hoerwelt.de': [`v=DKIM1; k=ed25519; p=${raw}`] });
    const report = await checkDeliverability({ ...settings, dkim: { domain: 'praxis-hoerwelt.de', selector: 'ed', privateKey: edPrivate } }, dns);
    expect(report.dkim.status).toBe('found');
  });

  it('a resolver that fails (no DNS server reachable) is reported as such, not as "missing"', async () => {
    const failing: TxtResolver = { resolveTxt: () => Promise.reject(Object.assign(new Error('queryTxt ETIMEOUT'), { code: 'ETIMEOUT' })) };
    const report = await checkDeliverability(settings, failing);
    expect([report.spf.status, report.dkim.status, report.dmarc.status]).toEqual(['lookupFailed', 'lookupFailed', 'lookupFailed']);
  });

  it('the system resolver sends no query for reserved names (.test, .invalid, …): they are not in the DNS', async () => {
    const report = await checkDeliverability({ fromEmail: 'rechnung@praxis.test', auth: null, dkim: null }, systemResolver());
    expect(report).toMatchObject({ spf: { status: 'missing' }, dkim: { status: 'notConfigured' }, dmarc: { status: 'missing' } });
  });
});
