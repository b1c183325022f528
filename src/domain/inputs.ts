import { z } from 'zod';
import { isValidEmail } from './customer.ts';
import { VAT_RATES, DOCUMENT_TYPES, isIsoDate } from './document.ts';
import { multiLineText, optionalMultiLine, optionalSingleLine, singleLineText } from './text-input.ts';

/**
 * Input shapes shared by the HTTP API and the CSV import, so a value is judged the same way
 * wherever it comes from. zod is used as a pure validation library here (no I/O).
 */
const optionalText = optionalSingleLine;

export const isoDate = z.string().refine(isIsoDate, { message: 'must be a date YYYY-MM-DD' }).meta({ format: 'date' });

export const customerInput = z.strictObject({
  number: singleLineText({ min: 1, max: 30 }).optional(),
  salutation: optionalText(20),
  firstName: optionalText(100),
  lastName: optionalText(100),
  companyName: optionalText(200),
  street: optionalText(200),
  postcode: optionalText(20),
  city: optionalText(100),
  country: singleLineText({ max: 10 }).regex(/^[A-Z]{2}$/, 'must be a two-letter country code such as DE').default('DE'),
  email: singleLineText({ max: 254 })
    .nullish()
    .transform((v) => (v ? v : null))
    .refine((v) => v === null || isValidEmail(v), { message: 'is not a valid e-mail address' }),
  invoiceByPost: z.boolean().default(false),
  emailConsentAt: isoDate.nullish().transform((v) => v ?? null),
  vatId: optionalText(30),
  notes: optionalMultiLine(5000),
});
export type CustomerInput = z.output<typeof customerInput>;
export const customerPatch = customerInput.partial();
export type CustomerPatch = z.output<typeof customerPatch>;

export const lineInput = z.strictObject({
  description: multiLineText({ min: 1, max: 2000 }),
  quantity: z.number().finite().refine((q) => q !== 0, 'must not be 0'),
  unit: singleLineText({ max: 20 }).default('Stk'),
  unitPriceCents: z.number().int(),
  vatRate: z.union(VAT_RATES.map((r) => z.literal(r))),
  exemptionReason: optionalText(300),
  discountPercent: z.number().min(0).max(100).default(0),
});
export type LineInput = z.output<typeof lineInput>;

export const documentInput = z.strictObject({
  type: z.enum(DOCUMENT_TYPES.filter((t) => t !== 'creditNote')),
  customerId: z.number().int().positive(),
  language: z.enum(['de', 'en']).default('de'),
  issueDate: isoDate.optional(),
  serviceDate: isoDate.nullish().transform((v) => v ?? null),
  paymentTermsDays: z.number().int().min(0).max(365).optional(),
  introText: optionalMultiLine(5000),
  closingText: optionalMultiLine(5000),
  lines: z.array(lineInput).max(1000).default([]),
});
export type DocumentInput = z.output<typeof documentInput>;
export const documentPatch = documentInput.omit({ type: true }).partial();
export type DocumentPatch = z.output<typeof documentPatch>;

export const companyInput = z.strictObject({
  name: singleLineText({ min: 1, max: 200 }),
  street: singleLineText({ min: 1, max: 200 }),
  postcode: singleLineText({ min: 1, max: 20 }),
  city: singleLineText({ min: 1, max: 100 }),
  country: singleLineText({ max: 10 }).regex(/^[A-Z]{2}$/).default('DE'),
  vatId: optionalText(30),
  taxNumber: optionalText(30),
  iban: optionalText(40),
  bic: optionalText(11),
  bankName: optionalText(100),
  email: optionalText(254),
  phone: optionalText(50),
  website: optionalText(200),
  managingDirector: optionalText(200),
  registerCourt: optionalText(100),
  registerNumber: optionalText(50),
  paymentTermsDays: z.number().int().min(0).max(365).default(14),
  invoiceNumberPattern: singleLineText({ min: 1, max: 40 }).default('RE-{YYYY}-{NNNNN}'),
  quoteNumberPattern: singleLineText({ min: 1, max: 40 }).default('AN-{YYYY}-{NNNNN}'),
  creditNoteNumberPattern: singleLineText({ min: 1, max: 40 }).default('GS-{YYYY}-{NNNNN}'),
  embedEInvoice: z.boolean().default(true),
  emailFooter: optionalMultiLine(2000),
});
export type CompanyInput = z.output<typeof companyInput>;
