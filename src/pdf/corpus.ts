import { SMALL_BUSINESS_NOTE } from '../domain/company.ts';
import { computeTotals, creditNoteLines, smallBusinessLines, type DocumentLineInput } from '../domain/document.ts';
import type { RenderableDocument } from '../domain/issued-document.ts';
import { sampleCompany, sampleDocument, sampleLines } from './sample.ts';

/**
 * A conformance corpus: invoices and credit notes covering every VAT category Faktura offers,
 * rates 19/7/0, discounts, decimal and negative quantities, long texts, foreign buyers and a
 * seller with only a tax number. Each must pass the XSD, the domain rules (src/domain/en16931.ts)
 * and — run by hand with scripts/einvoice-schematron.ts — the official schematrons.
 */
const line = (overrides: Partial<DocumentLineInput>): DocumentLineInput => ({
  description: 'Leistung',
  quantityMilli: 1000,
  unit: 'Stk',
  unitPriceCents: 10_000,
  vatRate: 19,
  vatCategory: 'S',
  exemptionReason: null,
  discountBasisPoints: 0,
  ...overrides,
});

function build(name: string, lines: DocumentLineInput[], overrides: Partial<RenderableDocument> = {}): { name: string; doc: RenderableDocument } {
  const t = computeTotals(lines);
  return { name, doc: sampleDocument({ lines: t.lines, vat: t.vat, netCents: t.netCents, vatCents: t.vatCents, grossCents: t.grossCents, ...overrides }, lines) };
}

const austrianBusiness = { ...sampleDocument().customer, companyName: 'Wiener Hörwelt GmbH', street: 'Kärntner Ring 5', postcode: '1010', city: 'Wien', country: 'AT', vatId: 'ATU12345678' };
const swissBusiness = { ...sampleDocument().customer, companyName: 'Hörzentrum Zürich AG', street: 'Bahnhofstrasse 1', postcode: '8001', city: 'Zürich', country: 'CH', vatId: null };
const publicBuyer = { ...sampleDocument().customer, companyName: 'Stadt Musterstadt, Bauamt', leitwegId: '04011000-1234512345-06', email: 'rechnungseingang@musterstadt.example' };
const longText = 'Anpassung und Feineinstellung des Hörsystems mit Perzentilanalyse, Sprachverständlichkeitstest im Störgeräusch und ausführlicher Beratung zu Zubehör, Pflege und Batteriewechsel. '.repeat(6).trim();

export function conformanceCorpus(): { name: string; doc: RenderableDocument }[] {
  return [
    build('standard-19-7-exempt-discount', sampleLines),
    build('decimal-quantities', [line({ quantityMilli: 1_333, unitPriceCents: 4_999 }), line({ quantityMilli: 250, unit: 'Std', unitPriceCents: 9_000, vatRate: 7 }), line({ quantityMilli: 12_345, unitPriceCents: 1, discountBasisPoints: 333 })]),
    build('voucher-negative-price', [line({ unitPriceCents: 50_000 }), line({ description: 'Gutschein', unitPriceCents: -5_000 })]),
    build('long-texts', [line({ description: longText }), line({ description: `Zweite Position\nmit Zeilenumbruch & <Sonderzeichen> "Anführung"`, vatRate: 7 })], { introText: longText, closingText: longText }),
    build('reverse-charge-AE', [line({ vatRate: 0, vatCategory: 'AE', unitPriceCents: 120_000 })], { customer: austrianBusiness }),
    build('intra-community-K', [line({ vatRate: 0, vatCategory: 'K', quantityMilli: 2000, unitPriceCents: 89_000 })], { customer: austrianBusiness }),
    build('export-G', [line({ vatRate: 0, vatCategory: 'G', unitPriceCents: 45_000 })], { customer: swissBusiness }),
    build('zero-rate-Z', [line({ vatRate: 0, vatCategory: 'Z', unitPriceCents: 800_000, description: 'Photovoltaikanlage' })]),
    build('exempt-E', [line({ vatRate: 0, vatCategory: 'E', exemptionReason: 'Steuerfrei nach § 4 Nr. 14 UStG', unitPriceCents: 9_000 })]),
    build('not-subject-O', [line({ vatRate: 0, vatCategory: 'O', unitPriceCents: 30_000 })], { customer: swissBusiness }),
    build('mixed-categories', [line({}), line({ vatRate: 7 }), line({ vatRate: 0, vatCategory: 'AE' }), line({ vatRate: 0, vatCategory: 'K' }), line({ vatRate: 0, vatCategory: 'E', exemptionReason: 'Steuerfrei nach § 4 Nr. 14 UStG' })], { customer: austrianBusiness }),
    build('tax-number-only-seller', sampleLines, { company: { ...sampleCompany, vatId: null, registerNumber: null, registerCourt: null, managingDirector: null } }),
    build('no-iban', sampleLines, { company: { ...sampleCompany, iban: null, bic: null } }),
    build('credit-note', creditNoteLines(sampleLines), { type: 'creditNote', number: 'GS-2026-0001', cancels: { number: 'RE-2026-0042', issueDate: '2026-11-27' }, paymentTermsDays: 0 }),
    build('credit-note-reverse-charge', creditNoteLines([line({ vatRate: 0, vatCategory: 'AE', unitPriceCents: 120_000 })]), {
      type: 'creditNote',
      number: 'GS-2026-0002',
      cancels: { number: 'RE-2026-0043', issueDate: '2026-11-27' },
      customer: austrianBusiness,
    }),
    build('english', sampleLines, { language: 'en' }),
    build('small-business-19-UStG', smallBusinessLines(sampleLines, SMALL_BUSINESS_NOTE), { company: { ...sampleCompany, smallBusiness: true, vatId: null } }),
    build('xrechnung-invoice', sampleLines, { customer: publicBuyer }),
    build('xrechnung-credit-note', creditNoteLines(sampleLines), { type: 'creditNote', number: 'GS-2026-0003', cancels: { number: 'RE-2026-0044', issueDate: '2026-11-27' }, customer: publicBuyer }),
  ];
}
