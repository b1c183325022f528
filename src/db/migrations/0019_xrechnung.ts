import type { Kysely } from 'kysely';

/**
 * XRechnung and company settings (issue 14): the customer's Leitweg-ID (BT-10 buyer reference of
 * public-sector buyers), the company's contact person, phone and e-mail for e-invoices (BT-41…43,
 * BR-DE-5…7) and the small-business setting (Kleinunternehmer, §19 UStG).
 */
export const xrechnung = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('customers').addColumn('leitweg_id', 'text').execute();
    await db.schema.alterTable('company').addColumn('contact_name', 'text').execute();
    await db.schema.alterTable('company').addColumn('contact_phone', 'text').execute();
    await db.schema.alterTable('company').addColumn('contact_email', 'text').execute();
    await db.schema.alterTable('company').addColumn('small_business', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('company').dropColumn('small_business').execute();
    await db.schema.alterTable('company').dropColumn('contact_email').execute();
    await db.schema.alterTable('company').dropColumn('contact_phone').execute();
    await db.schema.alterTable('company').dropColumn('contact_name').execute();
    await db.schema.alterTable('customers').dropColumn('leitweg_id').execute();
  },
};
