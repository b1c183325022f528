import { z } from 'zod';
import { isValidEmail } from './customer.ts';
import { isCountryCode } from './countries.ts';
import { exactLineNet, MAX_QUANTITY, MAX_TOTAL_CENTS, MAX_UNIT_PRICE_CENTS } from './amount-limits.ts';
import { VAT_CATEGORIES, VAT_RATES, DOCUMENT_TYPES, isIsoDate } from './document.ts';
import { multiLineText, optionalMultiLine, optionalSingleLine, singleLineText } from './text-input.ts';

/**
 * Input shapes shared by the HTTP API and the CSV import, so a value is judged the same way
 * wherever it comes from. zod is used as a pure validation library here (no I/O).
 */
const optionalText = optionalSingleLine;

export const isoDate = z.string().refine(isIsoDate, { message: 'must be a date YYYY-MM-DD' }).meta({ format: 'date' });

/** BR-CL-14: an ISO 3166-1 alpha-2 code (the web offers them as a select). */
const countryCode = singleLineText({ max: 10 })
  .regex(/^[A-Z]{2}$/, 'must be a two-letter country code such as DE')
  .refine(isCountryCode, { message: 'is not an ISO 3166-1 country code', params: { code: 'country.unknown' } })
  .default('DE');

export const customerInput = z.strictObject({
  number: singleLineText({ min: 1, max: 30 }).optional(),
  salutation: optionalText(20),
  firstName: optionalText(100),
  lastName: optionalText(100),
  companyName: optionalText(200),
  street: optionalText(200),
  postcode: optionalText(20),
  city: optionalText(100),
  country: countryCode,
  email: singleLineText({ max: 254 })
    .nullish()
    .transform((v) => (v ? v : null))
    .refine((v) => v === null || isValidEmail(v), { message: 'is not a valid e-mail address' }),
  invoiceByPost: z.boolean().default(false),
  /** documents and e-mails in this language; unset: German (the company's) */
  language: z.enum(['de', 'en']).optional(),
  emailConsentAt: isoDate.nullish().transform((v) => v ?? null),
  vatId: optionalText(30),
  /** Leitweg-ID (KoSIT): coarse address, optional fine address, two check digits, e.g. 991-12345-67 or 04011000-1234512345-06. */
  leitwegId: optionalText(46).refine((v) => v === null || /^[0-9]{2,12}(-[0-9A-Z]{1,30})?-[0-9]{2}$/i.test(v), {
    message: 'is not a Leitweg-ID (e.g. 04011000-1234512345-06)',
    params: { code: 'customer.leitwegIdInvalid' },
  }),
  notes: optionalMultiLine(5000),
});
export type CustomerInput = z.output<typeof customerInput>;
export const customerPatch = customerInput.partial();
export type CustomerPatch = z.output<typeof customerPatch>;

/** A bound on an amount, as a field error with its own code and the limit for the message. */
const bounded = (limit: number, code: string, what: string) =>
  z.number().refine((v) => Math.abs(v) <= limit, { message: `${what} must be at most ${limit.toLocaleString('en')} (and at least -${limit.toLocaleString('en')})`, params: { code, max: limit }, abort: true });

export const lineInput = z.strictObject({
  description: multiLineText({ min: 1, max: 2000 }),
  quantity: bounded(MAX_QUANTITY, 'document.quantityTooLarge', 'quantity').refine((q) => q !== 0, 'must not be 0'),
  unit: singleLineText({ max: 20 }).default('Stk'),
  unitPriceCents: bounded(MAX_UNIT_PRICE_CENTS, 'document.unitPriceTooLarge', 'unit price (cents)').int(),
  vatRate: z.union(VAT_RATES.map((r) => z.literal(r))),
  /** EN 16931 VAT category; when left out: S for 19 %/7 %, E (exempt, reason required) for 0 %. */
  vatCategory: z.enum(VAT_CATEGORIES).optional(),
  exemptionReason: optionalText(300),
  discountPercent: z.number().min(0).max(100).default(0),
});
export type LineInput = z.output<typeof lineInput>;

/**
 * The lines of a document: each line's net and the document's gross stay within MAX_TOTAL_CENTS
 * (src/domain/amount-limits.ts), so every total is an exact integer. Gross is estimated from above
 * (nets at 19 %), which is exact enough for a limit this far from any real invoice.
 */
const documentLines = z
  .array(lineInput)
  .max(1000)
  .superRefine((lines, ctx) => {
    let gross = 0n;
    lines.forEach((line, index) => {
      // A line whose own fields failed has its own error; zod may still run this check.
      if (!(Math.abs(line.quantity) <= MAX_QUANTITY && Number.isSafeInteger(line.unitPriceCents) && Math.abs(line.unitPriceCents) <= MAX_UNIT_PRICE_CENTS)) return;
      const net = exactLineNet(Math.round(line.quantity * 1000), line.unitPriceCents, Math.round(line.discountPercent * 100));
      const abs = net < 0n ? -net : net;
      if (abs > BigInt(MAX_TOTAL_CENTS)) {
        ctx.addIssue({ code: 'custom', path: [index, 'unitPriceCents'], message: `the line's net amount must be at most ${MAX_TOTAL_CENTS} cents`, params: { code: 'document.lineTotalTooLarge', maxCents: MAX_TOTAL_CENTS } });
      }
      gross += (abs * 119n) / 100n;
    });
    if (gross > BigInt(MAX_TOTAL_CENTS)) {
      ctx.addIssue({ code: 'custom', message: `the document's total must be at most ${MAX_TOTAL_CENTS} cents`, params: { code: 'document.totalTooLarge', maxCents: MAX_TOTAL_CENTS } });
    }
  });

export const documentInput = z.strictObject({
  type: z.enum(DOCUMENT_TYPES.filter((t) => t !== 'creditNote')),
  customerId: z.number().int().positive(),
  /** unset: the customer's language */
  language: z.enum(['de', 'en']).optional(),
  issueDate: isoDate.optional(),
  serviceDate: isoDate.nullish().transform((v) => v ?? null),
  paymentTermsDays: z.number().int().min(0).max(365).optional(),
  introText: optionalMultiLine(5000),
  closingText: optionalMultiLine(5000),
  lines: documentLines.default([]),
});
export type DocumentInput = z.output<typeof documentInput>;
export const documentPatch = documentInput.omit({ type: true }).partial();
export type DocumentPatch = z.output<typeof documentPatch>;

export const companyInput = z.strictObject({
  name: singleLineText({ min: 1, max: 200 }),
  street: singleLineText({ min: 1, max: 200 }),
  postcode: singleLineText({ min: 1, max: 20 }),
  city: singleLineText({ min: 1, max: 100 }),
  country: countryCode,
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
  contactName: optionalText(100),
  contactPhone: optionalText(50),
  contactEmail: optionalText(254),
  smallBusiness: z.boolean().default(false),
});
export type CompanyInput = z.output<typeof companyInput>;
