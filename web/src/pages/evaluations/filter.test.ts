import { describe, expect, it } from 'vitest';
import { DEFAULT_FORM, filterBody, filterQuery, formFromParams, formToParams } from './filter';

describe('the Auswertungen filter', () => {
  it('round-trips through the address bar and becomes the API filter (amounts in cents)', () => {
    const form = { ...DEFAULT_FORM, type: ['quote' as const, 'invoice' as const], customerId: 7, amountMin: '1.234,50', amountMax: '', q: ' Müller ' };
    const params = new URLSearchParams(formToParams(form));
    const back = formFromParams(params);
    expect(back.customerId).toBe(7);
    expect(filterBody(back)).toEqual({ type: ['invoice', 'quote'], status: ['final'], customerId: 7, sent: false, amountMinCents: 123_450, q: 'Müller' });
    expect(filterQuery(filterBody(back))).toMatchObject({ type: 'invoice,quote', amountMinCents: '123450', sent: 'false' });
  });

  it('starts with unsent final invoices when nothing was loaded yet', () => {
    expect(formFromParams(new URLSearchParams())).toEqual(DEFAULT_FORM);
    expect(formFromParams(new URLSearchParams('loaded=1')).type).toEqual([]);
  });
});
