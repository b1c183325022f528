import type { Kysely } from 'kysely';

/**
 * Issue 15 items 8 and 14: API tokens get an optional expiry; sessions remember when they were
 * last used, for the idle timeout. Both nullable: existing tokens never expire, existing sessions
 * count as used at their creation.
 */
export const authHardening = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('api_tokens').addColumn('expires_at', 'text').execute();
    await db.schema.alterTable('sessions').addColumn('last_seen_at', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('api_tokens').dropColumn('expires_at').execute();
    await db.schema.alterTable('sessions').dropColumn('last_seen_at').execute();
  },
};
