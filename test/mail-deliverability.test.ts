import { describe, expect, it } from 'vitest';
import { testMailConnection } from '../src/commands/mail-settings.ts';
import type { TxtResolver } from '../src/mail/deliverability.ts';
import { mailSettingsInput } from '../src/mail/settings.ts';
import { createTestDb } from './helpers/db.ts';
import { unusedPort } from './mail-support.ts';

/** An injected resolver (no DNS traffic): the zone's TXT records, ENOTFOUND for everything else. */
const zone = (records: Record<string, string[]>): TxtResolver => ({
  resolveTxt: async (name) => {
    const found = records[name];
    if (!found) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return found.map((r) => [r]);
  },
});

describe('the SMTP connection test reports deliverability beside the connection verdict', () => {
  it('runs the DNS checks with the form values, whatever the SMTP server answers', async () => {
    const t = await createTestDb('sqlite');
    try {
      const draft = mailSettingsInput.parse({ host: '127.0.0.1', port: await unusedPort(), security: 'none', user: 'login@provider.example', password: 'geheim-1', fromName: 'Praxis', fromEmail: 'rechnung@praxis-hoerwelt.de', ratePerMinute: 30 });
      const dns = zone({ 'praxis-hoerwelt.de': ['v=spf1 -all'] });
      const outcome = await testMailConnection({ db: t.db, secret: 'x'.repeat(40), draft, resolver: dns });
      expect(outcome.result).toBe('connectionRefused');
      expect(outcome.deliverability).toMatchObject({ fromDomain: 'praxis-hoerwelt.de', spf: { status: 'found' }, dmarc: { status: 'missing' } });
      expect(outcome.deliverability?.warnings).toContain('deliverability.fromNotLogin');
    } finally {
      await t.cleanup();
    }
  });
});
