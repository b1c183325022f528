import type { MailPreset } from '../http/api-types.ts';

/**
 * Starting values for common providers. Every value stays editable: providers change their
 * limits, and contracts differ. Rate limits are what the provider documents for an ordinary
 * mailbox; exceeding them gets the account blocked for a day, which is worse than sending slowly.
 */
export const MAIL_PRESETS: readonly MailPreset[] = [
  {
    id: 'microsoft365',
    name: { de: 'Microsoft 365', en: 'Microsoft 365' },
    host: 'smtp.office365.com',
    port: 587,
    security: 'starttls',
    // Exchange Online: 30 messages per minute and 10,000 recipients per day per mailbox;
    // at most 3 concurrent connections.
    ratePerMinute: 30,
    ratePerDay: 10_000,
    poolSize: 3,
    note: { code: 'mailPreset.microsoft365SmtpAuth', message: 'SMTP AUTH must be enabled for the mailbox in the Microsoft 365 admin center' },
  },
  {
    id: 'google',
    name: { de: 'Gmail / Google Workspace', en: 'Gmail / Google Workspace' },
    host: 'smtp.gmail.com',
    port: 587,
    security: 'starttls',
    // Workspace allows 2,000 messages per day (a free Gmail account 500); a burst of more
    // than about 20 per minute is throttled.
    ratePerMinute: 20,
    ratePerDay: 2_000,
    poolSize: 2,
    note: { code: 'mailPreset.googleAppPassword', message: 'use an app password (2-step verification on); free Gmail accounts may send 500 messages per day' },
  },
  {
    id: 'ionos',
    name: { de: 'IONOS', en: 'IONOS' },
    host: 'smtp.ionos.de',
    port: 587,
    security: 'starttls',
    ratePerMinute: 20,
    ratePerDay: 1_000,
    poolSize: 2,
    note: null,
  },
  {
    id: 'strato',
    name: { de: 'Strato', en: 'Strato' },
    host: 'smtp.strato.de',
    port: 465,
    security: 'tls',
    ratePerMinute: 20,
    ratePerDay: 1_000,
    poolSize: 2,
    note: null,
  },
  {
    id: 'custom',
    name: { de: 'Eigener Server', en: 'Own server' },
    host: '',
    port: 587,
    security: 'starttls',
    ratePerMinute: 60,
    ratePerDay: null,
    poolSize: 2,
    note: null,
  },
];

export function findPreset(id: string): MailPreset | undefined {
  return MAIL_PRESETS.find((p) => p.id === id);
}
