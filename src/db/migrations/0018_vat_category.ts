import { sql, type Kysely } from 'kysely';

/**
 * Each document line gets an explicit EN 16931 VAT category (issue 14). Until now the e-invoice
 * guessed it from the exemption reason text; existing lines get exactly that guess, so a final
 * document renders (and its XML reads) as it was archived, and drafts carry an explicit category
 * the user can correct in the line editor.
 */
export const vatCategory = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('document_lines').addColumn('vat_category', 'text', (c) => c.notNull().defaultTo('S')).execute();
    await sql`update document_lines set vat_category = 'E' where vat_rate = 0`.execute(db);
    // The former guess (src/pdf/facturx.ts before 0018): §13b / reverse charge → AE, §12 Abs. 3 → Z.
    const zero = await sql<{ id: number; reason: string | null }>`select id, exemption_reason as reason from document_lines where vat_rate = 0 and exemption_reason is not null`.execute(db);
    const ae: number[] = [];
    const z: number[] = [];
    for (const row of zero.rows) {
      const reason = (row.reason ?? '').toLowerCase();
      if (/§\s*13\s*b|reverse[ -]?charge|steuerschuldnerschaft des leistungsempf/.test(reason)) ae.push(Number(row.id));
      else if (/§\s*12\s*abs\.?\s*3/.test(reason)) z.push(Number(row.id));
    }
    for (const [category, ids] of [['AE', ae], ['Z', z]] as const) {
      for (let i = 0; i < ids.length; i += 500) {
        await sql`update document_lines set vat_category = ${category} where id in (${sql.join(ids.slice(i, i + 500))})`.execute(db);
      }
    }
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('document_lines').dropColumn('vat_category').execute();
  },
};
