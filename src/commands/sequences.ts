import type { Executor } from './context.ts';

/**
 * Next value of a gap-free counter, inside the caller's transaction. The UPDATE takes a row lock
 * (PostgreSQL) or the write lock (SQLite), so concurrent finalisations queue up instead of
 * receiving the same number; a rolled-back transaction gives its number back, so no gaps.
 */
export async function nextSequenceValue(trx: Executor, scope: string, year: number): Promise<number> {
  await trx
    .insertInto('number_sequences')
    .values({ scope, year, last_value: 0 })
    .onConflict((oc) => oc.columns(['scope', 'year']).doNothing())
    .execute();
  const row = await trx
    .updateTable('number_sequences')
    .set((eb) => ({ last_value: eb('last_value', '+', 1) }))
    .where('scope', '=', scope)
    .where('year', '=', year)
    .returning('last_value')
    .executeTakeFirstOrThrow();
  return row.last_value;
}

/**
 * Moves a counter forward to at least `value` (never back), inside the caller's transaction: a
 * number written in the app's own pattern that came from elsewhere (an import, an older pattern)
 * must not be issued a second time.
 */
export async function advanceSequenceTo(trx: Executor, scope: string, year: number, value: number): Promise<void> {
  await trx
    .insertInto('number_sequences')
    .values({ scope, year, last_value: value })
    .onConflict((oc) =>
      oc
        .columns(['scope', 'year'])
        .doUpdateSet({ last_value: (eb) => eb.ref('excluded.last_value') })
        .where('number_sequences.last_value', '<', value),
    )
    .execute();
}
