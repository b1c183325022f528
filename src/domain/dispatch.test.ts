import { describe, expect, it } from 'vitest';
import { backoffDelayMs, canTransition, planDeliveries, recipientIssues, shouldPause, type EligibilityDocument } from './dispatch.ts';

const doc = (over: Partial<EligibilityDocument> = {}): EligibilityDocument => ({ id: 1, type: 'invoice', status: 'final', lastSentAt: null, lastSentTo: null, activeDispatchId: null, ...over });

describe('recipient issues', () => {
  it('passes a customer with a valid address and final invoices', () => {
    expect(recipientIssues({ email: 'erika@example.de', invoiceByPost: false }, [doc()])).toEqual([]);
  });
  it('blocks missing, invalid and by-post customers; never e-mails those who want paper', () => {
    expect(recipientIssues({ email: null, invoiceByPost: false }, [doc()]).map((i) => i.code)).toEqual(['emailMissing']);
    expect(recipientIssues({ email: '  ', invoiceByPost: false }, [doc()]).map((i) => i.code)).toEqual(['emailMissing']);
    expect(recipientIssues({ email: 'max@mustermann', invoiceByPost: false }, [doc()]).map((i) => i.code)).toEqual(['emailInvalid']);
    const post = recipientIssues({ email: 'ok@example.de', invoiceByPost: true }, [doc()]);
    expect(post).toEqual([{ code: 'invoiceByPost', severity: 'blocking' }]);
  });
  it('names the documents of document-level issues and blocks earlier sends', () => {
    const issues = recipientIssues({ email: 'ok@example.de', invoiceByPost: false }, [
      doc({ id: 1, status: 'draft' }),
      doc({ id: 2, status: 'cancelled' }),
      doc({ id: 3, activeDispatchId: 9 }),
      doc({ id: 4, lastSentAt: '2026-11-01T10:00:00.000Z', lastSentTo: 'ok@example.de' }),
    ]);
    expect(issues.map((i) => [i.code, i.severity, i.documentIds])).toEqual([
      ['documentNotFinal', 'blocking', [1]],
      ['documentCancelled', 'blocking', [2]],
      ['documentInActiveDispatch', 'blocking', [3]],
      ['alreadySent', 'blocking', [4]],
    ]);
  });
  it('lets an earlier send through only after "Erneut senden"', () => {
    const sent = doc({ id: 4, lastSentAt: '2026-11-01T10:00:00.000Z', lastSentTo: 'ok@example.de', lastSentDispatchId: 7 });
    const blocked = recipientIssues({ email: 'ok@example.de', invoiceByPost: false }, [sent]);
    expect(blocked).toEqual([
      { code: 'alreadySent', severity: 'blocking', documentIds: [4], meta: { resend: false, sent: [{ documentId: 4, at: '2026-11-01T10:00:00.000Z', to: 'ok@example.de', dispatchId: 7 }] } },
    ]);
    const chosen = recipientIssues({ email: 'ok@example.de', invoiceByPost: false, resend: true }, [sent]);
    expect(chosen.map((i) => [i.code, i.severity])).toEqual([['alreadySent', 'warning']]);
  });
});

describe('grouping', () => {
  const recipients = [
    { recipientId: 1, customerId: 10, documentIds: [100, 101, 102] },
    { recipientId: 2, customerId: 11, documentIds: [103] },
    { recipientId: 3, customerId: 12, documentIds: [] },
  ];
  it('per customer: one e-mail with all documents', () => {
    expect(planDeliveries('perCustomer', recipients)).toEqual([
      { recipientId: 1, customerId: 10, documentIds: [100, 101, 102] },
      { recipientId: 2, customerId: 11, documentIds: [103] },
    ]);
  });
  it('per document: one e-mail each', () => {
    expect(planDeliveries('perDocument', recipients).map((p) => p.documentIds)).toEqual([[100], [101], [102], [103]]);
  });
});

describe('backoff', () => {
  it('follows the schedule, repeats the last step, spreads by jitter', () => {
    const schedule = [1000, 5000, 30000];
    expect(backoffDelayMs(1, schedule, 0.5)).toBe(1000);
    expect(backoffDelayMs(2, schedule, 0.5)).toBe(5000);
    expect(backoffDelayMs(9, schedule, 0.5)).toBe(30000);
    expect(backoffDelayMs(1, schedule, 0, 0.2)).toBe(800);
    expect(backoffDelayMs(1, schedule, 0.999999, 0.2)).toBe(1200);
  });
});

describe('delivery state machine', () => {
  it('allows only the documented moves', () => {
    expect(canTransition('queued', 'sending')).toBe(true);
    expect(canTransition('sending', 'uncertain')).toBe(true);
    expect(canTransition('uncertain', 'sent')).toBe(true);
    expect(canTransition('sent', 'queued')).toBe(false);
    expect(canTransition('uncertain', 'sending')).toBe(false);
  });
  it('pauses at once on a rejected login, else after N failures', () => {
    expect(shouldPause(1, 5, 'auth')).toBe(true);
    expect(shouldPause(4, 5, 'temporary')).toBe(false);
    expect(shouldPause(5, 5, 'connection')).toBe(true);
  });
});
