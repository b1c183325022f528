import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getMailSettings, sendTestMessage, testImapMailbox, testMailConnection, updateMailSettings } from '../../commands/mail-settings.ts';
import { emailSchema } from '../../domain/customer.ts';
import { MAIL_PRESETS } from '../../mail/presets.ts';
import { mailSettingsInput, presentMailSettings } from '../../mail/settings.ts';
import type { MailSettingsResponse } from '../api-types.ts';
import { adminOnly, requireActor } from '../auth.ts';
import type { AppDeps } from '../deps.ts';

/**
 * SMTP Postausgangsserver: admin only. The password and the DKIM key are write-only: responses
 * say `passwordSet` / `privateKeySet`, never the value (presentMailSettings).
 */
export const mailSettingsRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.db;
    const secret = deps.config.secret;
    const tags = ['mail settings'];

    app.get('/api/settings/mail', { preValidation: adminOnly, schema: { tags, summary: 'The SMTP outgoing server settings (secrets only as "is set")' } }, async () => {
      const row = await getMailSettings(db.kysely);
      return (row ? presentMailSettings(row) : { configured: false }) satisfies MailSettingsResponse;
    });

    app.put(
      '/api/settings/mail',
      { preValidation: adminOnly, schema: { tags, summary: 'Save the SMTP settings; omit password / dkim.privateKey to keep the stored ones', body: mailSettingsInput } },
      async (request) => {
        const actor = requireActor(request);
        const row = await db.kysely.transaction().execute((trx) => updateMailSettings({ trx, actor, secret, data: request.body }));
        return presentMailSettings(row);
      },
    );

    app.get('/api/settings/mail/presets', { preValidation: adminOnly, schema: { tags, summary: 'Starting values for common providers' } }, async () => ({ items: MAIL_PRESETS }));

    app.post(
      '/api/settings/mail/test',
      {
        preValidation: adminOnly,
        schema: {
          tags,
          summary: 'Connect, negotiate TLS and authenticate; the verdict is ok | dnsFailed | connectionRefused | timeout | tlsFailed | authFailed | greetingFailed | authUnavailable | failed',
          // Without a body the stored settings are tested; with one, the unsaved form values.
          body: z.strictObject({ settings: mailSettingsInput.optional() }).nullish(),
        },
      },
      async (request) => testMailConnection({ db, secret, ...(request.body?.settings ? { draft: request.body.settings } : {}) }),
    );

    app.post(
      '/api/settings/mail/imap-test',
      {
        preValidation: adminOnly,
        schema: {
          tags,
          summary: 'Log in to the bounce mailbox (IMAP) and open its folder; the verdict is ok | folderMissing | dnsFailed | connectionRefused | timeout | tlsFailed | authFailed | failed',
          body: z.strictObject({ settings: mailSettingsInput.optional() }).nullish(),
        },
      },
      async (request) => testImapMailbox({ db, secret, ...(request.body?.settings ? { draft: request.body.settings } : {}) }),
    );

    app.post(
      '/api/settings/mail/test-message',
      { preValidation: adminOnly, schema: { tags, summary: 'Send a test e-mail through the stored settings', body: z.strictObject({ to: emailSchema, language: z.enum(['de', 'en']).default('de') }) } },
      async (request) => {
        const actor = requireActor(request);
        return sendTestMessage({ db, actor, secret, to: request.body.to, language: request.body.language });
      },
    );
  };
