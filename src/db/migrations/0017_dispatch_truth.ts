import type { Kysely } from 'kysely';

/**
 * The dispatch tells the truth (issue 20):
 * - `mail_settings.version` counts the saves. Marking a delivery `sending` checks it in the same
 *   statement, so a message is never handed to the SMTP server of settings that were replaced
 *   before the mark: a saved change reaches the very next message in every process.
 * - `deliveries.smtp_server` is the server (host:port) the last attempt went to; with the
 *   attempt's start time and the deterministic Message-ID set at the same mark it is the evidence
 *   a person needs to resolve an uncertain delivery in the mail server's log.
 */
export const dispatchTruth = {
  // generic in the schema so a test can run it on the app's typed connection
  async up<DB>(db: Kysely<DB>): Promise<void> {
    await db.schema.alterTable('mail_settings').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    await db.schema.alterTable('deliveries').addColumn('smtp_server', 'text').execute();
  },
  async down<DB>(db: Kysely<DB>): Promise<void> {
    await db.schema.alterTable('deliveries').dropColumn('smtp_server').execute();
    await db.schema.alterTable('mail_settings').dropColumn('version').execute();
  },
};
