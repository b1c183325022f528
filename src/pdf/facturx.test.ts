import { describe, expect, it } from 'vitest';
import { computeTotals, creditNoteLines, type DocumentLineInput } from '../domain/document.ts';
import { amount, buildFacturX, unitCode, vatCategory } from './facturx.ts';
import { xmllintValidate, xmlValues } from './pdf-testing.ts';
import { sampleDocument, sampleLines } from './sample.ts';

function withLines(lines: DocumentLineInput[], overrides: Parameters<typeof sampleDocument>[0] = {}) {
  const t = computeTotals(lines);
  return sampleDocument({ lines: t.lines, vat: t.vat, netCents: t.netCents, vatCents: t.vatCents, grossCents: t.grossCents, ...overrides }, lines);
}

describe('Factur-X CII XML (EN 16931)', () => {
  it('validates against the Factur-X 1.09 EN16931 XSD', () => {
    const result = xmllintValidate(buildFacturX(sampleDocument()));
    expect(result.output).not.toContain('fails to validate');
    expect(result.ok).toBe(true);
  });

  it('carries totals, the VAT breakdown per rate and category, payment means 58 with the IBAN and the due date', () => {
    const xml = buildFacturX(sampleDocument());
    expect(xml).toContain('<ram:ID>urn:cen.eu:en16931:2017</ram:ID>');
    expect(xmlValues(xml, 'ram:TypeCode')).toContain('380');
    expect(xmlValues(xml, 'ram:LineTotalAmount').at(-1)).toBe('1994.90');
    expect(xmlValues(xml, 'ram:TaxBasisTotalAmount')).toEqual(['1994.90']);
    expect(xmlValues(xml, 'ram:TaxTotalAmount')).toEqual(['358.94']);
    expect(xmlValues(xml, 'ram:GrandTotalAmount')).toEqual(['2353.84']);
    expect(xmlValues(xml, 'ram:DuePayableAmount')).toEqual(['2353.84']);
    expect(xmlValues(xml, 'ram:BasisAmount')).toEqual(['1880.00', '24.90', '90.00']);
    expect(xmlValues(xml, 'ram:CalculatedAmount')).toEqual(['357.20', '1.74', '0.00']);
    expect(xmlValues(xml, 'ram:ExemptionReason')).toEqual(['Steuerfrei nach § 4 Nr. 14 UStG']);
    expect(xmlValues(xml, 'ram:IBANID')).toEqual(['DE89370400440532013000']);
    expect(xmlValues(xml, 'ram:BICID')).toEqual(['COBADEFFXXX']);
    expect(xml).toMatch(/<ram:SpecifiedTradeSettlementPaymentMeans>\s*<ram:TypeCode>58<\/ram:TypeCode>/);
    expect(xml).toMatch(/<ram:DueDateDateTime>\s*<udt:DateTimeString format="102">20261211</);
    expect(xml).toContain('<ram:ID schemeID="VA">DE123456789</ram:ID>');
    expect(xml).toContain('<ram:ID schemeID="FC">143/123/45678</ram:ID>');
    // the seller name with "&" is escaped, umlauts are UTF-8
    expect(xml).toContain('<ram:Name>Hörakustik Müller &amp; Söhne GmbH</ram:Name>');
    expect(xml).toContain('<ram:Name>Käthe Weiß-Öztürk</ram:Name>');
    // 10 % discount as a line allowance: 1890.00 − 189.00 = 1701.00
    expect(xmlValues(xml, 'ram:ActualAmount')).toEqual(['189.00']);
    expect(xmlValues(xml, 'ram:LineTotalAmount').slice(0, 4)).toEqual(['1701.00', '179.00', '24.90', '90.00']);
  });

  it('issues a credit note as TypeCode 381 with positive amounts and a reference to the invoice', () => {
    const xml = buildFacturX(withLines(creditNoteLines(sampleLines), { type: 'creditNote', number: 'GS-2026-0001', cancels: { number: 'RE-2026-0042', issueDate: '2026-11-27' } }));
    expect(xmllintValidate(xml).ok).toBe(true);
    expect(xmlValues(xml, 'ram:TypeCode')).toContain('381');
    expect(xmlValues(xml, 'ram:GrandTotalAmount')).toEqual(['2353.84']);
    expect(xmlValues(xml, 'ram:BilledQuantity')[0]).toBe('1.000');
    expect(xml).toMatch(/<ram:InvoiceReferencedDocument>\s*<ram:IssuerAssignedID>RE-2026-0042<\/ram:IssuerAssignedID>\s*<ram:FormattedIssueDateTime>\s*<qdt:DateTimeString format="102">20261127</);
    // the refund goes to the buyer: no SEPA transfer to the seller's IBAN
    expect(xml).not.toContain('<ram:IBANID>');
  });

  it('moves the sign of a negative price to the quantity (BR-27) and stays valid', () => {
    const xml = buildFacturX(
      withLines([
        ...sampleLines,
        { description: 'Gutschein', quantityMilli: 1000, unit: 'Stk', unitPriceCents: -5000, vatRate: 19, exemptionReason: null, discountBasisPoints: 0 },
      ]),
    );
    expect(xmllintValidate(xml).ok).toBe(true);
    expect(xmlValues(xml, 'ram:ChargeAmount').at(-1)).toBe('50.00');
    expect(xmlValues(xml, 'ram:BilledQuantity').at(-1)).toBe('-1.000');
  });

  it('maps VAT categories and units', () => {
    expect(vatCategory(19, null)).toBe('S');
    expect(vatCategory(7, null)).toBe('S');
    expect(vatCategory(0, 'Steuerfrei nach § 4 Nr. 14 UStG')).toBe('E');
    expect(vatCategory(0, 'Kleinunternehmer gemäß § 19 UStG')).toBe('E');
    expect(vatCategory(0, 'Steuerschuldnerschaft des Leistungsempfängers (§ 13b UStG)')).toBe('AE');
    expect(vatCategory(0, 'Nullsteuersatz nach § 12 Abs. 3 UStG')).toBe('Z');
    expect(unitCode('Std.')).toBe('HUR');
    expect(unitCode('Stk')).toBe('H87');
    expect(unitCode('Pauschale')).toBe('LS');
    expect(unitCode('Sitzung')).toBe('C62');
    expect(amount(-5)).toBe('-0.05');
    expect(amount(123456)).toBe('1234.56');
  });

  it('refuses drafts (no number)', () => {
    expect(() => buildFacturX(sampleDocument({ status: 'draft', number: null }))).toThrow(/no number/);
  });
});
