import { describe, expect, it } from 'vitest';
import { DEFAULT_FORM, amountProblems, filterBody, formFromParams, formToParams } from './filter';

describe('the payment filter of Auswertungen (offen, überfällig seit mehr als N Tagen)', () => {
  it('goes through the address bar and becomes the API filter', () => {
    const overdue = { ...DEFAULT_FORM, payment: 'overdue' as const, overdueDays: '30' };
    const back = formFromParams(new URLSearchParams(formToParams(overdue)));
    expect(back).toEqual(overdue);
    expect(filterBody(back)).toMatchObject({ overdueDays: 30 });
    expect(filterBody({ ...DEFAULT_FORM, payment: 'overdue' })).toMatchObject({ overdueDays: 0 });
    expect(filterBody({ ...DEFAULT_FORM, payment: 'open' })).toMatchObject({ open: true });
    expect(filterBody(DEFAULT_FORM)).not.toHaveProperty('open');
  });

  it('refuses days that are not a whole number', () => {
    expect(amountProblems({ ...DEFAULT_FORM, payment: 'overdue', overdueDays: '3,5' })).toEqual(['overdueDays']);
    expect(amountProblems({ ...DEFAULT_FORM, payment: 'open', overdueDays: 'x' })).toEqual([]);
  });
});
