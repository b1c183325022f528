import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/commands/context.ts';
import { createDispatchPorts } from '../src/dispatch/adapters.ts';
import { countBlockedRecipients, getDispatch, listDispatches } from '../src/dispatch/dispatch-view.ts';
import { createDispatch, removeIneligible, removeRecipients, updateDispatch } from '../src/dispatch/draft.ts';
import { recipientPages } from '../src/dispatch/recipients.ts';
import { sendDispatch } from '../src/dispatch/send.ts';
import { invoiceRow } from './dispatch-seed.ts';
import { configureMail, createTemplate, TEST_SECRET } from './dispatch-support.ts';
import { createTestDb, testDialects, type TestDb } from './helpers/db.ts';

/**
 * The count on "Alle nicht versandfähigen entfernen" (DispatchView.blockedRecipients): exact far
 * beyond the dialog's page of 100 flagged recipients, and the same as the dialog's own rules.
 */

const ports = createDispatchPorts({ secret: TEST_SECRET });
const actor = SYSTEM_ACTOR;
type Kind = 'ok' | 'noEmail' | 'invalid' | 'post' | 'draft' | 'cancelled' | 'okAndDraft';
// 240 customers, 180 of them blocked in one way or another.
const KINDS: Kind[] = Array.from({ length: 240 }, (_, i): Kind => (['ok', 'noEmail', 'invalid', 'post', 'draft', 'cancelled', 'okAndDraft', 'ok'] as const)[i % 8] ?? 'ok');

async function seed(db: TestDb['db']): Promise<number[]> {
  const k = db.kysely;
  const now = new Date().toISOString();
  const documentIds: number[] = [];
  let n = 0;
  for (const [i, kind] of KINDS.entries()) {
    const number = `B-${String(i).padStart(4, '0')}`;
    const email = kind === 'noEmail' ? null : kind === 'invalid' ? 'kaputt@' : `kunde${i}@example.de`;
    const c = await k
      .insertInto('customers')
      .values({ number, salutation: null, first_name: 'Erika', last_name: `Kunde ${i}`, company_name: null, country: 'DE', email, invoice_by_post: kind === 'post' ? 1 : 0, search_text: number.toLowerCase(), created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    const statuses = kind === 'draft' ? ['draft'] : kind === 'cancelled' ? ['cancelled'] : kind === 'okAndDraft' ? ['final', 'draft'] : ['final'];
    for (const status of statuses) {
      n++;
      const d = await k
        .insertInto('documents')
        .values(invoiceRow({ customerId: c.id, number: status === 'draft' ? null : `RE-B-${String(n).padStart(5, '0')}`, status: status as 'final' | 'draft' | 'cancelled', now }))
        .returning('id')
        .executeTakeFirstOrThrow();
      documentIds.push(d.id);
    }
  }
  return documentIds;
}

/** What the dialog's page-by-page view says: active recipients with a blocking issue. */
async function blockedByPages(db: TestDb['db'], id: number): Promise<number> {
  let blocked = 0;
  for await (const page of recipientPages(db.kysely, id, { includeRemoved: false })) blocked += page.filter((r) => !r.eligible).length;
  return blocked;
}

describe.each(testDialects)('dispatch: exact count of blocked recipients on %s', (dialect) => {
  let t: TestDb;
  let documentIds: number[];
  let templateId: number;

  beforeAll(async () => {
    t = await createTestDb(dialect);
    await configureMail(t.db, 2525);
    templateId = await createTemplate(t.db);
    documentIds = await seed(t.db);
  }, 60_000);
  afterAll(async () => {
    await t?.cleanup();
  });

  it('counts every blocked recipient (more than a page of 100), and follows removals, documents held by another dispatch and "remove ineligible"', async () => {
    const k = t.db.kysely;
    // Another dispatch sends the first eligible customer's invoice: it is held while queued.
    const first = documentIds[0] ?? 0;
    const other = await k.transaction().execute((trx) => createDispatch({ trx, actor, selection: { documentIds: [first] } }));
    await k.transaction().execute((trx) => updateDispatch({ trx, actor, ports, id: other.id, templateId }));
    await sendDispatch({ db: t.db, ports, actor, id: other.id, idempotencyKey: 'blocked-count-other' });
    expect((await getDispatch(k, other.id)).blockedRecipients).toBeNull();

    const { id } = await k.transaction().execute((trx) => createDispatch({ trx, actor, selection: { documentIds } }));
    const expected = KINDS.filter((kind) => kind !== 'ok').length + 1; // + the held invoice's customer
    expect(expected).toBeGreaterThan(100);
    expect(await blockedByPages(t.db, id)).toBe(expected);
    expect((await getDispatch(k, id)).blockedRecipients).toBe(expected);
    // Not counted where nobody shows it: the history list (and the progress events).
    expect((await listDispatches(k, { page: 1, pageSize: 10 })).items.map((d) => d.blockedRecipients)).toEqual([null, null]);

    // Removing two blocked recipients (no address, invalid address) and an eligible one.
    const recipients = await k.selectFrom('dispatch_recipients').select('customer_id').where('dispatch_id', '=', id).orderBy('customer_id').execute();
    const ids = recipients.map((r) => r.customer_id);
    await k.transaction().execute((trx) => removeRecipients({ trx, actor, id, customerIds: [ids[1] ?? 0, ids[2] ?? 0, ids[7] ?? 0] }));
    expect(await countBlockedRecipients(k, id)).toBe(await blockedByPages(t.db, id));
    expect(await countBlockedRecipients(k, id)).toBe(expected - 2);

    await k.transaction().execute((trx) => removeIneligible({ trx, actor, id }));
    expect((await getDispatch(k, id)).blockedRecipients).toBe(0);
    expect(await blockedByPages(t.db, id)).toBe(0);
  });
});
