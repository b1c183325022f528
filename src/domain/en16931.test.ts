import { describe, expect, it } from 'vitest';
import { computeTotals, type DocumentLineInput } from './document.ts';
import { assertEn16931, checkEn16931, vatIdFormatValid, vatIdPrefixValid } from './en16931.ts';
import type { RenderableDocument } from './issued-document.ts';
import { sampleDocument, sampleLines } from '../pdf/sample.ts';

const zero = (vatCategory: DocumentLineInput['vatCategory'], exemptionReason: string | null = null): DocumentLineInput => ({
  description: `Leistung ${vatCategory}`,
  quantityMilli: 1000,
  unit: 'Stk',
  unitPriceCents: 50_000,
  vatRate: 0,
  vatCategory,
  exemptionReason,
  discountBasisPoints: 0,
});

function doc(lines: DocumentLineInput[] = sampleLines, overrides: Partial<RenderableDocument> = {}): RenderableDocument {
  const t = computeTotals(lines);
  return sampleDocument({ lines: t.lines, vat: t.vat, netCents: t.netCents, vatCents: t.vatCents, grossCents: t.grossCents, ...overrides }, lines);
}
const base = sampleDocument();
const rules = (d: RenderableDocument) => checkEn16931(d).map((v) => v.rule);

describe('EN 16931 business rules Faktura checks before finalising', () => {
  it('passes the sample invoice', () => {
    expect(checkEn16931(doc())).toEqual([]);
  });

  it('BR-06: seller name', () => {
    expect(rules(doc(sampleLines, { company: { ...base.company, name: ' ' } }))).toContain('BR-06');
  });

  it('BR-07: buyer name', () => {
    expect(rules(doc(sampleLines, { customer: { ...base.customer, firstName: null, lastName: null, companyName: null } }))).toContain('BR-07');
  });

  it('BR-08: seller postal address', () => {
    expect(rules(doc(sampleLines, { company: { ...base.company, city: '' } }))).toContain('BR-08');
  });

  it('BR-16: at least one line', () => {
    expect(rules(doc([]))).toContain('BR-16');
  });

  it('BR-CL-14: ISO 3166-1 country codes for seller and buyer', () => {
    const violations = checkEn16931(doc(sampleLines, { customer: { ...base.customer, country: 'XX' }, company: { ...base.company, country: 'UK' } }));
    expect(violations.filter((v) => v.rule === 'BR-CL-14').map((v) => v.field)).toEqual(['company.country', 'customer.country']);
  });

  it('BR-CO-09: VAT identifiers start with their country code and have its format', () => {
    expect(vatIdPrefixValid('DE123456789')).toBe(true);
    expect(vatIdPrefixValid('EL123456789')).toBe(true);
    expect(vatIdPrefixValid('123456789')).toBe(false);
    expect(vatIdFormatValid('ATU12345678')).toBe(true);
    expect(vatIdFormatValid('DE12345678')).toBe(false);
    expect(vatIdFormatValid('NL123456789B01')).toBe(true);
    expect(checkEn16931(doc(sampleLines, { customer: { ...base.customer, vatId: '123456789' } }))).toEqual([expect.objectContaining({ rule: 'BR-CO-09', field: 'customer.vatId' })]);
    expect(checkEn16931(doc(sampleLines, { company: { ...base.company, vatId: 'DE 1234' } }))).toEqual([expect.objectContaining({ rule: 'BR-CO-09', field: 'company.vatId' })]);
  });

  it('BR-CO-26: the seller can be identified', () => {
    expect(rules(doc(sampleLines, { company: { ...base.company, vatId: null, taxNumber: null, registerNumber: null } }))).toContain('BR-CO-26');
  });

  it('BR-S-02 / BR-Z-02 / BR-E-02: seller VAT id or tax number per category', () => {
    const noIds = { ...base.company, vatId: null, taxNumber: null };
    expect(rules(doc(sampleLines, { company: noIds }))).toEqual(expect.arrayContaining(['BR-S-02', 'BR-E-02']));
    expect(rules(doc([zero('Z')], { company: noIds }))).toContain('BR-Z-02');
  });

  it('BR-AE-02: reverse charge needs the buyer VAT id', () => {
    expect(checkEn16931(doc([zero('AE')]))).toEqual([expect.objectContaining({ rule: 'BR-AE-02', field: 'customer.vatId' })]);
    expect(checkEn16931(doc([zero('AE')], { customer: { ...base.customer, vatId: 'ATU12345678' } }))).toEqual([]);
  });

  it('BR-IC-02: intra-community supply needs both VAT ids', () => {
    const violations = checkEn16931(doc([zero('K')], { company: { ...base.company, vatId: null } }));
    expect(violations.map((v) => [v.rule, v.field])).toEqual([
      ['BR-IC-02', 'company.vatId'],
      ['BR-IC-02', 'customer.vatId'],
    ]);
  });

  it('BR-G-02: export needs the seller VAT id', () => {
    expect(rules(doc([zero('G')], { company: { ...base.company, vatId: null } }))).toEqual(['BR-G-02']);
    expect(rules(doc([zero('G')]))).toEqual([]);
  });

  it('BR-O-11: not subject to VAT stands alone; BR-O-02: then the tax number identifies the seller', () => {
    expect(rules(doc([zero('O'), ...sampleLines]))).toContain('BR-O-11');
    expect(rules(doc([zero('O')]))).toEqual([]);
    expect(rules(doc([zero('O')], { company: { ...base.company, taxNumber: null } }))).toEqual(['BR-O-02']);
  });

  it('§14 Abs. 4 Nr. 1 UStG: the recipient address on invoices over 250 € (not on small invoices, §33 UStDV)', () => {
    const noAddress = { ...base.customer, street: null, postcode: null, city: null };
    expect(rules(doc(sampleLines, { customer: noAddress }))).toEqual(['UStG-14-4-1']);
    const small: DocumentLineInput = { ...zero('E', 'Steuerfrei nach § 4 Nr. 14 UStG'), unitPriceCents: 24_900 };
    expect(rules(doc([small], { customer: noAddress }))).toEqual([]);
  });

  it('answers with the first rule as the code and every violation in details', () => {
    expect(() => assertEn16931(doc([zero('K')], { company: { ...base.company, vatId: null } }))).toThrow(
      expect.objectContaining({ kind: 'incomplete', code: 'einvoice.BR-IC-02', field: 'company.vatId', meta: { rule: 'BR-IC-02' }, details: [expect.anything(), expect.anything()] }),
    );
  });

  describe('XRechnung (BR-DE) for customers with a Leitweg-ID', () => {
    const publicBuyer = { ...base.customer, leitwegId: '04011000-1234512345-06', email: 'rechnungseingang@stadt.example' };
    const xr = (overrides: Partial<RenderableDocument> = {}) => rules(doc(sampleLines, { customer: publicBuyer, ...overrides }));

    it('passes with contact, addresses, IBAN and electronic addresses', () => {
      expect(xr()).toEqual([]);
    });
    it('BR-DE-1: payment instructions (IBAN) on an invoice', () => {
      expect(xr({ company: { ...base.company, iban: null } })).toEqual(['BR-DE-1']);
    });
    it('BR-DE-3 / BR-DE-4: seller city and postcode', () => {
      expect(xr({ company: { ...base.company, city: '', postcode: '' } })).toEqual(expect.arrayContaining(['BR-DE-3', 'BR-DE-4']));
    });
    it('BR-DE-5 / BR-DE-6 / BR-DE-7: seller contact person, phone, e-mail', () => {
      expect(xr({ company: { ...base.company, contactName: null, contactPhone: null, phone: null, contactEmail: null, email: null } })).toEqual(
        expect.arrayContaining(['BR-DE-5', 'BR-DE-6', 'BR-DE-7', 'PEPPOL-EN16931-R020']),
      );
    });
    it('BR-DE-8 / BR-DE-9: buyer city and postcode', () => {
      expect(rules(doc(sampleLines, { customer: { ...publicBuyer, city: null, postcode: null } }))).toEqual(expect.arrayContaining(['BR-DE-8', 'BR-DE-9']));
    });
    it('BR-DE-14: every breakdown has a rate, so no "not subject to VAT"', () => {
      expect(rules(doc([zero('O')], { customer: publicBuyer }))).toContain('BR-DE-14');
    });
    it('BR-DE-15: the Leitweg-ID when XRechnung is asked for', () => {
      expect(checkEn16931(doc(sampleLines), { xrechnung: true }).map((v) => v.rule)).toContain('BR-DE-15');
    });
    it('PEPPOL-EN16931-R010: the buyer electronic address', () => {
      expect(xr({ customer: { ...publicBuyer, email: null } })).toEqual(['PEPPOL-EN16931-R010']);
    });
  });

  it('UStG-19: a small business charges no VAT', () => {
    expect(rules(doc(sampleLines, { company: { ...base.company, smallBusiness: true } }))).toEqual(['UStG-19']);
  });
});
