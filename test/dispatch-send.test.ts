import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/commands/context.ts';
import { createDispatchPorts } from '../src/dispatch/adapters.ts';
import { cancelDispatch } from '../src/dispatch/control.ts';
import { lockDispatch } from '../src/dispatch/dispatch-row.ts';
import { createDispatch, removeIneligible, removeRecipients, updateDispatch } from '../src/dispatch/draft.ts';
import { recipientPages } from '../src/dispatch/recipients.ts';
import { sendDispatch } from '../src/dispatch/send.ts';
import { planDeliveries, type DispatchMode } from '../src/domain/dispatch.ts';
import { isAppError, type AppError } from '../src/domain/errors.ts';
import { invoiceRow } from './dispatch-seed.ts';
import { configureMail, createTemplate, TEST_SECRET } from './dispatch-support.ts';
import { createTestDb, testDialects, type TestDb } from './helpers/db.ts';

/**
 * Senden checks and queues a whole dispatch with a few set-based statements. These tests hold it
 * to the rules the dialog shows recipient by recipient (recipientPages → recipientIssues) and to
 * the grouping rule (planDeliveries), on awkward data: addresses that only the domain rule can
 * judge, whitespace around addresses, every name combination, drafts, cancelled, excluded and
 * removed documents and recipients.
 */

const ports = createDispatchPorts({ secret: TEST_SECRET });
const actor = SYSTEM_ACTOR;

interface CustomerSpec {
  email: string | null;
  post?: boolean;
  name?: { salutation?: string | null; first?: string | null; last?: string | null; company?: string | null };
  documents?: ('final' | 'draft' | 'cancelled' | 'sent')[];
}

// Numbers are given so that the dialog's order (customer number) differs from insertion order.
const CUSTOMERS: [string, CustomerSpec][] = [
  ['K-0100', { email: 'plain@example.de', documents: ['final', 'final', 'final'] }],
  ['K-0090', { email: 'Name+tag@Sub-Domain.Example.COM', name: { company: 'Muster GmbH', first: 'Max', last: 'Muster' } }],
  ['K-0080', { email: 'jörg.müller@example.de', name: { first: 'Jörg', last: null } }],
  ['K-0070', { email: '  padded@example.de  ', name: { first: null, last: 'Padded' } }],
  ['K-0060', { email: '\tTab@example.de\n', name: { first: '', last: '', company: '' } }],
  ['K-0050', { email: "o'brien@example.ie", documents: ['final', 'sent'] }],
  ['K-0040', { email: 'max@mustermann' }],
  ['K-0030', { email: 'kaputt@', documents: ['final', 'draft'] }],
  ['K-0020', { email: 'a..b@example.de' }],
  ['K-0010', { email: 'x@-bad.de' }],
  ['K-0011', { email: 'x@bad-.de' }],
  ['K-0012', { email: 'x@example.d' }],
  ['K-0013', { email: 'x@exa_mple.de' }],
  ['K-0014', { email: 'two@@example.de' }],
  ['K-0015', { email: 'x y@example.de' }],
  ['K-0016', { email: '' }],
  ['K-0017', { email: null }],
  ['K-0018', { email: '   ' }],
  ['K-0019', { email: '\t' }],
  ['K-0200', { email: 'post@example.de', post: true }],
  ['K-0210', { email: null, post: true, documents: ['cancelled'] }],
  ['K-0220', { email: 'drafty@example.de', documents: ['draft', 'final'] }],
  ['K-0230', { email: 'cancelled@example.de', documents: ['final', 'cancelled'] }],
  ['K-0240', { email: 'excluded@example.de', documents: ['final', 'final'] }],
  ['K-0250', { email: 'removed-invalid@', documents: ['draft'] }],
  ['K-0001', { email: 'first@example.de', name: { salutation: 'Frau', first: 'Erika', last: 'Mustermann' }, documents: ['final', 'final'] }],
];

async function seed(db: TestDb['db']): Promise<{ documentIds: number[]; customerByNumber: Map<string, number> }> {
  const k = db.kysely;
  const now = new Date().toISOString();
  const documentIds: number[] = [];
  const customerByNumber = new Map<string, number>();
  let n = 0;
  for (const [number, spec] of CUSTOMERS) {
    const c = await k
      .insertInto('customers')
      .values({
        number,
        salutation: spec.name?.salutation ?? null,
        first_name: spec.name ? (spec.name.first ?? null) : 'Erika',
        last_name: spec.name ? (spec.name.last ?? null) : `Kunde ${number}`,
        company_name: spec.name?.company ?? null,
        country: 'DE',
        email: spec.email,
        invoice_by_post: spec.post ? 1 : 0,
        search_text: number.toLowerCase(),
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    customerByNumber.set(number, c.id);
    for (const kind of spec.documents ?? ['final']) {
      n++;
      const d = await k
        .insertInto('documents')
        .values(invoiceRow({ customerId: c.id, number: kind === 'draft' ? null : `RE-T-${String(1000 - n).padStart(4, '0')}`, status: kind === 'sent' ? 'final' : kind, now, lastSentTo: kind === 'sent' ? spec.email : null }))
        .returning('id')
        .executeTakeFirstOrThrow();
      documentIds.push(d.id);
    }
  }
  return { documentIds, customerByNumber };
}

/** What the page-by-page check of the dialog's recipient views says about a dispatch. */
async function expectedProblems(db: TestDb['db'], id: number) {
  const blocking = new Map<string, number[]>();
  const busyCustomerIds: number[] = [];
  const busyDocumentIds: number[] = [];
  let recipients = 0;
  for await (const page of recipientPages(db.kysely, id, { includeRemoved: false })) {
    for (const r of page) {
      recipients++;
      for (const issue of r.issues) {
        if (issue.code === 'documentInActiveDispatch') {
          busyCustomerIds.push(r.customerId);
          busyDocumentIds.push(...(issue.documentIds ?? []));
        }
        if (issue.severity !== 'blocking') continue;
        blocking.set(`recipient.${issue.code}`, [...(blocking.get(`recipient.${issue.code}`) ?? []), r.customerId]);
      }
    }
  }
  return { blocking: [...blocking.entries()], busy: { customerIds: [...new Set(busyCustomerIds)], documentIds: busyDocumentIds }, recipients };
}

/** The deliveries the dialog's views and planDeliveries call for, as comparable rows. */
async function expectedDeliveries(db: TestDb['db'], id: number, mode: DispatchMode) {
  const rows: { customerId: number; toEmail: string; toName: string; documentIds: number[] }[] = [];
  for await (const page of recipientPages(db.kysely, id, { includeRemoved: false })) {
    const byRecipient = new Map(page.map((r) => [r.recipientId, r]));
    const plans = planDeliveries(
      mode,
      page.map((r) => ({ recipientId: r.recipientId, customerId: r.customerId, documentIds: r.documents.filter((x) => !x.excluded).map((x) => x.id) })),
    );
    for (const p of plans) {
      const r = byRecipient.get(p.recipientId);
      rows.push({ customerId: p.customerId, toEmail: (r?.email ?? '').trim(), toName: r?.name ?? '', documentIds: [...p.documentIds].sort((a, b) => a - b) });
    }
  }
  return rows;
}

async function actualDeliveries(db: TestDb['db'], id: number) {
  const deliveries = await db.kysely.selectFrom('deliveries').select(['id', 'customer_id', 'to_email', 'to_name', 'state', 'attempts']).where('dispatch_id', '=', id).orderBy('id').execute();
  const links = await db.kysely.selectFrom('delivery_documents').select(['delivery_id', 'document_id', 'dispatch_id', 'active']).where('dispatch_id', '=', id).execute();
  expect(links.every((l) => l.active === 1)).toBe(true);
  expect(deliveries.every((x) => x.state === 'queued' && x.attempts === 0)).toBe(true);
  return deliveries.map((x) => ({
    customerId: x.customer_id,
    toEmail: x.to_email,
    toName: x.to_name,
    documentIds: links
      .filter((l) => l.delivery_id === x.id)
      .map((l) => l.document_id)
      .sort((a, b) => a - b),
  }));
}

async function sendError(run: Promise<unknown>): Promise<AppError> {
  try {
    await run;
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error('the send was accepted');
}

const countDeliveries = async (db: TestDb['db'], id: number) => Number((await db.kysely.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('dispatch_id', '=', id).executeTakeFirstOrThrow()).n);

describe.each(testDialects)('dispatch: Senden, checked and queued as a whole, on %s', (dialect) => {
  let t: TestDb;
  let templateId: number;
  let documentIds: number[];
  let customerByNumber: Map<string, number>;

  beforeAll(async () => {
    t = await createTestDb(dialect);
    await configureMail(t.db, 2525);
    templateId = await createTemplate(t.db);
    ({ documentIds, customerByNumber } = await seed(t.db));
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  /** A draft over all seeded documents with one document excluded and one recipient removed. */
  async function draft(mode: DispatchMode): Promise<number> {
    const { id } = await t.db.kysely.transaction().execute((trx) => createDispatch({ trx, actor, selection: { documentIds } }));
    await t.db.kysely.transaction().execute((trx) => updateDispatch({ trx, actor, ports, id, mode }));
    const excludedOwner = customerByNumber.get('K-0240') ?? 0;
    const excluded = await t.db.kysely.selectFrom('documents').select('id').where('customer_id', '=', excludedOwner).orderBy('id').executeTakeFirstOrThrow();
    await t.db.kysely.updateTable('dispatch_documents').set({ excluded: 1 }).where('dispatch_id', '=', id).where('document_id', '=', excluded.id).execute();
    await t.db.kysely.transaction().execute((trx) => removeRecipients({ trx, actor, id, customerIds: [customerByNumber.get('K-0250') ?? 0] }));
    return id;
  }

  it('answers the Unvollständigkeitshinweis with exactly the recipients and issues the dialog shows, in its order, and queues nothing', async () => {
    const id = await draft('perCustomer');
    const expected = await expectedProblems(t.db, id);
    expect(expected.recipients).toBe(CUSTOMERS.length - 1);
    const error = await sendError(sendDispatch({ db: t.db, ports, actor, id, idempotencyKey: 'check-1' }));
    expect(error.code).toBe('dispatch.incomplete');
    expect(error.details[0]?.code).toBe('dispatch.templateMissing');
    const recipientDetails = error.details.filter((d) => d.code.startsWith('recipient.')).map((d) => [d.code, d.meta?.['customerIds']]);
    expect(recipientDetails).toEqual(expected.blocking);
    // The awkward addresses: judged by isValidEmail, as the dialog does.
    const invalid = new Map(expected.blocking).get('recipient.emailInvalid') ?? [];
    const missing = new Map(expected.blocking).get('recipient.emailMissing') ?? [];
    expect(invalid).toHaveLength(9);
    expect(missing).toHaveLength(5);
    expect(invalid).not.toContain(customerByNumber.get('K-0080'));
    expect(invalid).not.toContain(customerByNumber.get('K-0060'));
    expect(await countDeliveries(t.db, id)).toBe(0);
    expect((await t.db.kysely.selectFrom('dispatches').select(['status', 'send_key']).where('id', '=', id).executeTakeFirstOrThrow())).toEqual({ status: 'draft', send_key: null });

    // With a template but the same recipients: the same list, without the template problem.
    await t.db.kysely.transaction().execute((trx) => updateDispatch({ trx, actor, ports, id, templateId }));
    const again = await sendError(sendDispatch({ db: t.db, ports, actor, id, idempotencyKey: 'check-2' }));
    expect(again.details.map((d) => [d.code, d.meta?.['customerIds']])).toEqual(expected.blocking);
    expect(await countDeliveries(t.db, id)).toBe(0);
    await t.db.kysely.transaction().execute((trx) => cancelDispatch({ trx, actor, id }));
  });

  it.each(['perCustomer', 'perDocument'] as const)('queues what planDeliveries plans over the dialog’s recipients (%s), and 409 lists what another dispatch holds', async (mode) => {
    const id = await draft(mode);
    await t.db.kysely.transaction().execute((trx) => updateDispatch({ trx, actor, ports, id, templateId }));
    await t.db.kysely.transaction().execute((trx) => removeIneligible({ trx, actor, id }));
    const expected = await expectedDeliveries(t.db, id, mode);
    expect(expected.length).toBeGreaterThan(0);
    const outcome = await sendDispatch({ db: t.db, ports, actor, id, idempotencyKey: `queue-${mode}` });
    expect(outcome).toEqual({ replay: false, deliveries: expected.length });
    const actual = await actualDeliveries(t.db, id);
    // Per customer in the dialog's order (customer number), as before. Per document the page-by-
    // page version numbered a page's first documents, then their second ones; now a customer's
    // deliveries follow each other (customer number, then document number): the same set.
    const byCustomerAndDocument = (rows: typeof actual) => [...rows].sort((a, b) => a.customerId - b.customerId || (a.documentIds[0] ?? 0) - (b.documentIds[0] ?? 0));
    if (mode === 'perCustomer') expect(actual).toEqual(expected);
    else expect(byCustomerAndDocument(actual)).toEqual(byCustomerAndDocument(expected));
    expect(actual.find((x) => x.customerId === customerByNumber.get('K-0070'))?.toEmail).toBe('padded@example.de');
    expect(actual.find((x) => x.customerId === customerByNumber.get('K-0060'))?.toEmail).toBe('Tab@example.de');
    expect(actual.find((x) => x.customerId === customerByNumber.get('K-0090'))?.toName).toBe('Muster GmbH');
    expect(actual.find((x) => x.customerId === customerByNumber.get('K-0001'))?.toName).toBe('Erika Mustermann');
    if (mode === 'perDocument') expect(actual.every((x) => x.documentIds.length === 1)).toBe(true);
    else expect(actual.find((x) => x.customerId === customerByNumber.get('K-0100'))?.documentIds).toHaveLength(3);

    // A second dispatch of the same documents while this one is active: 409 with the documents
    // and their customers, as the dialog's documentInActiveDispatch issues list them.
    const other = await draft(mode);
    await t.db.kysely.transaction().execute((trx) => updateDispatch({ trx, actor, ports, id: other, templateId }));
    const busy = await expectedProblems(t.db, other);
    expect(busy.busy.documentIds.length).toBeGreaterThan(0);
    const conflict = await sendError(sendDispatch({ db: t.db, ports, actor, id: other, idempotencyKey: `other-${mode}` }));
    expect(conflict.code).toBe('dispatch.documentInActiveDispatch');
    expect(conflict.kind).toBe('conflict');
    expect(conflict.meta).toEqual(busy.busy);
    expect(await countDeliveries(t.db, other)).toBe(0);

    // The same send again (same key) is a replay; another key is refused.
    expect(await sendDispatch({ db: t.db, ports, actor, id, idempotencyKey: `queue-${mode}` })).toEqual({ replay: true, deliveries: expected.length });
    expect((await sendError(sendDispatch({ db: t.db, ports, actor, id, idempotencyKey: 'another-click' }))).code).toBe('dispatch.alreadySent');
    await t.db.kysely.transaction().execute((trx) => cancelDispatch({ trx, actor, id }));
    await t.db.kysely.transaction().execute((trx) => cancelDispatch({ trx, actor, id: other }));
  });

  it('lets a draft edit wait for a send that holds the dispatch, then refuses it', async () => {
    const id = await draft('perCustomer');
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked: () => void = () => undefined;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    // Stands in for a send between its check and its commit.
    const sending = t.db.kysely.transaction().execute(async (trx) => {
      await lockDispatch(trx, id, new Date().toISOString());
      locked();
      await held;
      await trx.updateTable('dispatches').set({ status: 'sending' }).where('id', '=', id).execute();
    });
    await isLocked;
    const edit = t.db.kysely.transaction().execute((trx) => removeRecipients({ trx, actor, id, customerIds: [customerByNumber.get('K-0100') ?? 0] }));
    const settled = edit.then(
      () => 'done',
      (error: unknown) => (isAppError(error) ? error.code : String(error)),
    );
    await new Promise((r) => setTimeout(r, 200));
    release();
    await sending;
    expect(await settled).toBe('dispatch.notDraft');
    const removed = await t.db.kysely.selectFrom('dispatch_recipients').select('removed').where('dispatch_id', '=', id).where('customer_id', '=', customerByNumber.get('K-0100') ?? 0).executeTakeFirstOrThrow();
    expect(removed.removed).toBe(0);
  });
});
