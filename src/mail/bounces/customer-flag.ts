import type { CustomerRow } from '../../db/schema.ts';

/**
 * "E-Mail unzustellbar seit …": the flag belongs to the address that bounced. It holds while the
 * customer still has that address; correcting the address ends it without anyone clearing it.
 */
export interface EmailBounceFlag {
  since: string;
  address: string;
  /** status and text of the report, e.g. `5.1.1 unknown user` */
  reason: string | null;
}

export function activeEmailBounce(c: Pick<CustomerRow, 'email' | 'email_bounced_at' | 'email_bounce_address' | 'email_bounce_reason'>): EmailBounceFlag | null {
  if (c.email_bounced_at === null || c.email_bounce_address === null) return null;
  if ((c.email ?? '').trim().toLowerCase() !== c.email_bounce_address) return null;
  return { since: c.email_bounced_at, address: c.email_bounce_address, reason: c.email_bounce_reason };
}
