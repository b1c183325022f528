import { describe, expect, it } from 'vitest';
import { computeTotals, creditNoteLines, type DocumentLineInput } from '../domain/document.ts';
import { amount, buildFacturX, unitCode } from './facturx.ts';
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
        { description: 'Gutschein', quantityMilli: 1000, unit: 'Stk', unitPriceCents: -5000, vatRate: 19, vatCategory: 'S', exemptionReason: null, discountBasisPoints: 0 },
      ]),
    );
    expect(xmllintValidate(xml).ok).toBe(true);
    expect(xmlValues(xml, 'ram:ChargeAmount').at(-1)).toBe('50.00');
    expect(xmlValues(xml, 'ram:BilledQuantity').at(-1)).toBe('-1.000');
  });

  it('writes the chosen VAT category with its legal wording and VATEX code; O without a rate', () => {
    const zero = (vatCategory: DocumentLineInput['vatCategory'], exemptionReason: string | null = null): DocumentLineInput => ({ description: `Leistung ${vatCategory}`, quantityMilli: 1000, unit: 'Stk', unitPriceCents: 10_000, vatRate: 0, vatCategory, exemptionReason, discountBasisPoints: 0 });
    const xml = buildFacturX(withLines([zero('AE'), zero('K'), zero('G'), zero('E', 'Steuerfrei nach § 4 Nr. 14 UStG')], { customer: { ...sampleDocument().customer, vatId: 'ATU12345678', country: 'AT' } }));
    expect(xmllintValidate(xml).ok).toBe(true);
    expect(xmlValues(xml, 'ram:CategoryCode').slice(-4)).toEqual(['E', 'AE', 'K', 'G']);
    expect(xmlValues(xml, 'ram:ExemptionReason')).toEqual(['Steuerfrei nach § 4 Nr. 14 UStG', 'Steuerschuldnerschaft des Leistungsempfängers', 'Steuerfreie innergemeinschaftliche Lieferung', 'Steuerfreie Ausfuhrlieferung']);
    expect(xmlValues(xml, 'ram:ExemptionReasonCode')).toEqual(['VATEX-EU-AE', 'VATEX-EU-IC', 'VATEX-EU-G']);
    // BR-IC-12: the deliver-to country
    expect(xml).toMatch(/<ram:ShipToTradeParty>[\s\S]*<ram:CountryID>AT<\/ram:CountryID>[\s\S]*<\/ram:ShipToTradeParty>/);
    const notTaxable = buildFacturX(withLines([zero('O')], { company: { ...sampleDocument().company, vatId: null } }));
    expect(xmllintValidate(notTaxable).ok).toBe(true);
    expect(notTaxable).not.toContain('RateApplicablePercent');
  });

  it('maps units', () => {
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
