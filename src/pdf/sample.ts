import { computeTotals, type DocumentLineInput } from '../domain/document.ts';
import type { Company } from '../domain/company.ts';
import type { RenderableDocument } from '../domain/issued-document.ts';

/**
 * Fixed sample documents for tests and the benchmark: a hearing-aid acoustician's invoice with
 * umlauts, ß and all three VAT rates.
 */
export const sampleCompany: Company = {
  name: 'Hörakustik Müller & Söhne GmbH',
  street: 'Große Straße 12',
  postcode: '80331',
  city: 'München',
  country: 'DE',
  vatId: 'DE123456789',
  taxNumber: '143/123/45678',
  iban: 'DE89370400440532013000',
  bic: 'COBADEFFXXX',
  bankName: 'Commerzbank München',
  email: 'rechnung@hoerakustik-mueller.de',
  phone: '089 1234567',
  website: 'www.hoerakustik-mueller.de',
  managingDirector: 'Jürgen Müller',
  registerCourt: 'Amtsgericht München',
  registerNumber: 'HRB 123456',
  paymentTermsDays: 14,
  invoiceNumberPattern: 'RE-{YYYY}-{NNNN}',
  quoteNumberPattern: 'AN-{YYYY}-{NNNN}',
  creditNoteNumberPattern: 'GS-{YYYY}-{NNNN}',
  embedEInvoice: true,
  logo: null,
  emailFooter: null,
  contactName: 'Jana Hoffmann',
  contactPhone: '089 1234567-12',
  contactEmail: 'buchhaltung@hoerakustik-mueller.de',
  smallBusiness: false,
};

export const sampleLines: DocumentLineInput[] = [
  { description: 'Hörgerät „Phonak Audéo Lumity L90“, rechts, inkl. Anpassung', quantityMilli: 1000, unit: 'Stk', unitPriceCents: 189_000, vatRate: 19, vatCategory: 'S', exemptionReason: null, discountBasisPoints: 1000 },
  { description: 'Otoplastik (Maßanfertigung)', quantityMilli: 2000, unit: 'Stk', unitPriceCents: 8_950, vatRate: 19, vatCategory: 'S', exemptionReason: null, discountBasisPoints: 0 },
  { description: 'Hörgerätebatterien Größe 312, 60 Stück', quantityMilli: 1000, unit: 'Pack', unitPriceCents: 2_490, vatRate: 7, vatCategory: 'S', exemptionReason: null, discountBasisPoints: 0 },
  { description: 'Hörtest und Beratung (Heilbehandlung)', quantityMilli: 1500, unit: 'Std.', unitPriceCents: 6_000, vatRate: 0, vatCategory: 'E', exemptionReason: 'Steuerfrei nach § 4 Nr. 14 UStG', discountBasisPoints: 0 },
];

export function sampleDocument(overrides: Partial<RenderableDocument> = {}, lines: DocumentLineInput[] = sampleLines): RenderableDocument {
  const totals = computeTotals(lines);
  return {
    id: 1,
    type: 'invoice',
    status: 'final',
    number: 'RE-2026-0042',
    language: 'de',
    issueDate: '2026-11-27',
    serviceDate: '2026-11-20',
    dueDate: '2026-12-11',
    paymentTermsDays: 14,
    introText: 'Sehr geehrte Frau Weiß,\nfür die Versorgung mit Ihrem neuen Hörsystem berechnen wir Ihnen:',
    closingText: 'Vielen Dank für Ihr Vertrauen. Mit freundlichen Grüßen, Ihr Team von Hörakustik Müller',
    cancels: null,
    lines: totals.lines,
    vat: totals.vat,
    netCents: totals.netCents,
    vatCents: totals.vatCents,
    grossCents: totals.grossCents,
    currency: 'EUR',
    customer: {
      id: 7,
      number: '10023',
      salutation: 'Frau',
      firstName: 'Käthe',
      lastName: 'Weiß-Öztürk',
      companyName: null,
      street: 'Schloßallee 5',
      postcode: '81675',
      city: 'München',
      country: 'DE',
      email: 'kaethe.weiss@example.de',
      vatId: null,
    },
    company: sampleCompany,
    ...overrides,
  };
}

/** `count` lines cycling through the sample lines, with numbered descriptions. */
export function manyLines(count: number): DocumentLineInput[] {
  return Array.from({ length: count }, (_, i) => {
    const base = sampleLines[i % sampleLines.length] ?? sampleLines[0];
    if (!base) throw new Error('no sample lines');
    return { ...base, description: `Posten ${i + 1}: ${base.description}` };
  });
}
