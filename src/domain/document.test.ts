import { describe, expect, it } from 'vitest';
import { addDays, assertCancellable, assertEditable, computeTotals, defaultVatCategory, exemptionStatement, isIsoDate, lineNetCents, quantityToMilli, validateLines, type DocumentLineInput } from './document.ts';
import { AppError } from './errors.ts';

const line = (overrides: Partial<DocumentLineInput> = {}): DocumentLineInput => ({
  description: 'Hörgeräteanpassung',
  quantityMilli: 1000,
  unit: 'Stk',
  unitPriceCents: 10000,
  vatRate: 19,
  vatCategory: 'S',
  exemptionReason: null,
  discountBasisPoints: 0,
  ...overrides,
});

describe('document totals', () => {
  it('rounds VAT once per rate, not per line', () => {
    // Three lines of 0,05 € at 19 %: per-line rounding would give 3 × 0,01 € = 0,03 €; 0,15 € × 19 % = 0,0285 € → 0,03 €.
    const totals = computeTotals([line({ unitPriceCents: 5 }), line({ unitPriceCents: 5 }), line({ unitPriceCents: 5 })]);
    expect(totals.vatCents).toBe(3);
    // Seven lines of 0,03 € at 19 %: per line 0,0057 → 0,01 each = 0,07; per rate 0,21 × 19 % = 0,0399 → 0,04.
    const seven = computeTotals(Array.from({ length: 7 }, () => line({ unitPriceCents: 3 })));
    expect(seven.vatCents).toBe(4);
    expect(seven.grossCents).toBe(25);
  });

  it('rounds half away from zero at exactly half a cent', () => {
    // 0,50 € × 7 % = 0,035 € → 0,04 €
    expect(computeTotals([line({ unitPriceCents: 50, vatRate: 7 })]).vatCents).toBe(4);
    // Credit note: −0,50 € × 7 % = −0,035 € → −0,04 €
    expect(computeTotals([line({ unitPriceCents: 50, vatRate: 7, quantityMilli: -1000 })]).vatCents).toBe(-4);
  });

  it('handles fractional quantities and discounts exactly', () => {
    expect(lineNetCents(line({ quantityMilli: 1500, unitPriceCents: 3333 }))).toBe(5000); // 49,995 → 50,00
    expect(lineNetCents(line({ quantityMilli: 1000, unitPriceCents: 999, discountBasisPoints: 1000 }))).toBe(899); // 8,991 → 8,99
    expect(lineNetCents(line({ quantityMilli: 333, unitPriceCents: 1 }))).toBe(0);
  });

  it('groups by rate with the exemption reason, highest rate first', () => {
    const totals = computeTotals([
      line({ vatRate: 0, vatCategory: 'E', exemptionReason: 'Steuerfrei nach §4 Nr. 14 UStG', unitPriceCents: 20000 }),
      line({ vatRate: 7, unitPriceCents: 1000 }),
      line({ vatRate: 19, unitPriceCents: 10000 }),
      line({ vatRate: 19, unitPriceCents: 5000 }),
    ]);
    expect(totals.vat.map((v) => [v.vatRate, v.netCents, v.vatCents])).toEqual([
      [19, 15000, 2850],
      [7, 1000, 70],
      [0, 20000, 0],
    ]);
    expect(totals.vat[2]?.exemptionReason).toBe('Steuerfrei nach §4 Nr. 14 UStG');
    expect(totals.netCents).toBe(36000);
    expect(totals.grossCents).toBe(36000 + 2850 + 70);
  });

  it('handles large amounts without losing precision', () => {
    const totals = computeTotals([line({ quantityMilli: 999_999_000, unitPriceCents: 99_999_999 })]);
    expect(totals.netCents).toBe(99_999_899_000_001);
  });
});

describe('line validation', () => {
  it('requires an exemption reason for 0 %', () => {
    expect(() => validateLines([line({ vatRate: 0, vatCategory: 'E' })])).toThrow(/exemptionReason/);
    try {
      validateLines([line(), line({ vatRate: 0, vatCategory: 'E' })]);
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).field).toBe('lines[1].exemptionReason');
    }
  });

  it('rejects empty descriptions, zero quantities and odd rates', () => {
    expect(() => validateLines([line({ description: ' ' })])).toThrow(/description/);
    expect(() => validateLines([line({ quantityMilli: 0 })])).toThrow(/quantity/);
    expect(() => validateLines([line({ vatRate: 16 as 19 })])).toThrow(/vatRate/);
    expect(() => validateLines([line({ discountBasisPoints: 10_001 })])).toThrow(/discount/);
  });

  it('converts quantities with at most 3 decimals', () => {
    expect(quantityToMilli(1.5)).toBe(1500);
    expect(quantityToMilli(0.125)).toBe(125);
    expect(() => quantityToMilli(1.2345)).toThrow(/3 decimals/);
  });
});

describe('state rules', () => {
  it('only drafts are editable', () => {
    expect(() => assertEditable('draft', 1)).not.toThrow();
    expect(() => assertEditable('final', 1)).toThrow(/GoBD/);
    expect(() => assertEditable('cancelled', 1)).toThrow(AppError);
  });

  it('only final invoices can be cancelled', () => {
    expect(() => assertCancellable('invoice', 'final', 1)).not.toThrow();
    expect(() => assertCancellable('quote', 'final', 1)).toThrow(/only invoices/);
    expect(() => assertCancellable('invoice', 'draft', 1)).toThrow(/only final/);
  });
});

describe('dates', () => {
  it('adds days across months and validates ISO dates', () => {
    expect(addDays('2026-01-31', 14)).toBe('2026-02-14');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(isIsoDate('2026-02-30')).toBe(false);
    expect(isIsoDate('2026-12-01')).toBe(true);
  });
});

describe('VAT categories', () => {
  it('defaults per rate and refuses a category that does not fit the rate', () => {
    expect(defaultVatCategory(19)).toBe('S');
    expect(defaultVatCategory(0)).toBe('E');
    expect(() => validateLines([line({ vatRate: 19, vatCategory: 'AE' })])).toThrow(expect.objectContaining({ code: 'document.vatCategoryInvalid', field: 'lines[0].vatCategory' }));
    expect(() => validateLines([line({ vatRate: 0, vatCategory: 'S' })])).toThrow(expect.objectContaining({ code: 'document.vatCategoryInvalid' }));
    // only E needs a reason: the other categories have their legal wording
    expect(() => validateLines([line({ vatRate: 0, vatCategory: 'AE' }), line({ vatRate: 0, vatCategory: 'K' }), line({ vatRate: 0, vatCategory: 'G' })])).not.toThrow();
  });

  it('keeps one breakdown per category: reverse charge and intra-community supply are not summed together', () => {
    const totals = computeTotals([line({ vatRate: 0, vatCategory: 'AE', unitPriceCents: 100 }), line({ vatRate: 0, vatCategory: 'K', unitPriceCents: 200 }), line({ vatRate: 0, vatCategory: 'AE', unitPriceCents: 300 })]);
    expect(totals.vat.map((v) => [v.vatCategory, v.netCents])).toEqual([
      ['AE', 400],
      ['K', 200],
    ]);
  });

  it('states the legal wording per category (§14a UStG), with the user reason after it', () => {
    expect(exemptionStatement('AE', null, 'de')).toBe('Steuerschuldnerschaft des Leistungsempfängers');
    expect(exemptionStatement('K', '§ 4 Nr. 1 b UStG', 'de')).toBe('Steuerfreie innergemeinschaftliche Lieferung – § 4 Nr. 1 b UStG');
    expect(exemptionStatement('G', null, 'de')).toBe('Steuerfreie Ausfuhrlieferung');
    expect(exemptionStatement('E', 'Steuerfrei nach § 4 Nr. 14 UStG', 'de')).toBe('Steuerfrei nach § 4 Nr. 14 UStG');
    expect(exemptionStatement('S', 'x', 'de')).toBeNull();
  });
});
