import { sql, type Kysely } from 'kysely';

/**
 * Issue 13, part 3: one language per customer (de | en), used for their documents (PDF and file
 * names) and to pick the e-mail template of their language. Existing customers read German, the
 * company's language (Faktura's market is the German-speaking one).
 */
export const customerLanguage = {
  async up<DB>(db: Kysely<DB>): Promise<void> {
    await db.schema
      .alterTable('customers')
      .addColumn('language', 'text', (c) => c.notNull().defaultTo('de').check(sql`language in ('de', 'en')`))
      .execute();
  },
  async down<DB>(db: Kysely<DB>): Promise<void> {
    await db.schema.alterTable('customers').dropColumn('language').execute();
  },
};
