import { describe, expect, it } from 'vitest';
import { emptyLine, liveTotals, parseDecimal, parseLine } from './lines';

describe('parseDecimal', () => {
  it('reads German and English decimals', () => {
    expect(parseDecimal('1,5')).toBe(1.5);
    expect(parseDecimal('1.5')).toBe(1.5);
    expect(parseDecimal('1.000,25')).toBe(1000.25);
    expect(parseDecimal('10 %')).toBe(10);
    expect(parseDecimal('abc')).toBeUndefined();
    expect(parseDecimal('')).toBeUndefined();
  });
});

describe('live totals', () => {
  it('rounds VAT once per rate, as the server does', () => {
    const line = { ...emptyLine(), description: 'Kleinteil', quantity: '1', unitPrice: '0,05' };
    const { totals } = liveTotals([line, { ...line, key: 'b' }, { ...line, key: 'c' }]);
    expect(totals.netCents).toBe(15);
    expect(totals.vatCents).toBe(3);
    expect(totals.grossCents).toBe(18);
  });

  it('applies discounts and keeps invalid lines out of the totals', () => {
    const a = { ...emptyLine(), description: 'Hörgerät', quantity: '2', unitPrice: '1.899,00', discount: '10' };
    const b = { ...emptyLine(), description: 'kaputt', unitPrice: 'zwölf' };
    const { totals, lineNet } = liveTotals([a, b]);
    expect(lineNet).toEqual([341_820, undefined]);
    expect(totals.grossCents).toBe(341_820 + 64_946);
  });

  it('requires an exemption reason for 0 %', () => {
    const line = { ...emptyLine(), description: 'Hörtest', unitPrice: '49', vatRate: '0' as const };
    expect(parseLine(line).problems).toEqual(['exemptionReason']);
    expect(parseLine({ ...line, exemptionReason: '§4 Nr. 14 UStG' }).api?.exemptionReason).toBe('§4 Nr. 14 UStG');
  });
});

describe('amount limits', () => {
  it('keeps a line beyond the limits out of the live totals, with its own problem', () => {
    const ok = { ...emptyLine(), description: 'Anlage', quantity: '1', unitPrice: '10.000.000,00' };
    expect(parseLine(ok).problems).toEqual([]);
    const price = { ...ok, unitPrice: '10.000.000,01' };
    expect(parseLine(price)).toMatchObject({ api: undefined, problems: ['unitPrice'], tooLarge: ['unitPrice'] });
    const quantity = { ...ok, unitPrice: '1,00', quantity: '1000001' };
    expect(parseLine(quantity)).toMatchObject({ problems: ['quantity'], tooLarge: ['quantity'] });
    const line = { ...ok, quantity: '1000' };
    expect(parseLine(line).tooLarge).toEqual(['unitPrice']);
    // 20 digits: not a safe integer any more; before the limits this threw inside computeTotals.
    const huge = { ...ok, unitPrice: '99999999999999999999' };
    expect(liveTotals([ok, huge]).totals.grossCents).toBe(1_190_000_000);
  });
});
