import { type VatCategory } from './document.ts';
import { AppError } from './errors.ts';
import type { DocumentCustomer, RenderableDocument } from './issued-document.ts';
import { isCountryCode } from './countries.ts';

/**
 * The business rules of EN 16931 (CEN/TS 16931-3-3, CII syntax binding) and of the German CIUS
 * XRechnung (KoSIT, BR-DE-…) that can fire on what Faktura writes, checked on the document's data
 * before it is finalised: an invoice whose e-invoice fails them is no e-invoice (BMF letter of
 * 15 Oct 2025), and a final document can never be corrected (GoBD). The rules that Faktura's XML
 * writer satisfies by construction (sums, BR-CO-10…16; item price not negative, BR-27; payment
 * terms, BR-CO-25) are tested on the XML in src/pdf/ instead.
 *
 * Each violation names its official rule id; the text says what to change, in the user's terms.
 */
export interface RuleViolation {
  rule: string;
  message: string;
  /** what to change: `company.vatId`, `customer.street`, `lines[2].vatCategory`, … */
  field: string;
}

export interface RuleOptions {
  /** The BR-DE rules apply too; by default when the buyer has a Leitweg-ID (BT-10, a public authority receiving XRechnung). */
  xrechnung?: boolean;
}

/** §33 UStDV: an invoice up to 250 € gross (Kleinbetragsrechnung) need not name the recipient's address. */
export const SMALL_INVOICE_LIMIT_CENTS = 25_000;

const filled = (value: string | null | undefined): value is string => typeof value === 'string' && value.trim() !== '';

/** BR-CO-09: a VAT identifier starts with the ISO 3166-1 alpha-2 code of its country (Greece: EL). */
export function vatIdPrefixValid(vatId: string): boolean {
  const prefix = vatId.replace(/\s/g, '').slice(0, 2).toUpperCase();
  return prefix === 'EL' || isCountryCode(prefix);
}

/**
 * The format of EU VAT identifiers per member state (the EU's VIES formats), after the prefix; a
 * typo found here would otherwise reach the customer's tax office. Countries not listed are
 * accepted as they are (prefix and 2–13 letters or digits).
 */
const VAT_ID_FORMATS: Record<string, RegExp> = {
  AT: /^U\d{8}$/,
  BE: /^[01]\d{9}$/,
  BG: /^\d{9,10}$/,
  CY: /^\d{8}[A-Z]$/,
  CZ: /^\d{8,10}$/,
  DE: /^\d{9}$/,
  DK: /^\d{8}$/,
  EE: /^\d{9}$/,
  EL: /^\d{9}$/,
  ES: /^[A-Z0-9]\d{7}[A-Z0-9]$/,
  FI: /^\d{8}$/,
  FR: /^[A-HJ-NP-Z0-9]{2}\d{9}$/,
  HR: /^\d{11}$/,
  HU: /^\d{8}$/,
  IE: /^(\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W])$/,
  IT: /^\d{11}$/,
  LT: /^(\d{9}|\d{12})$/,
  LU: /^\d{8}$/,
  LV: /^\d{11}$/,
  MT: /^\d{8}$/,
  NL: /^\d{9}B\d{2}$/,
  PL: /^\d{10}$/,
  PT: /^\d{9}$/,
  RO: /^\d{2,10}$/,
  SE: /^\d{12}$/,
  SI: /^\d{8}$/,
  SK: /^\d{10}$/,
  XI: /^(\d{9}|\d{12}|GD\d{3}|HA\d{3})$/,
  CH: /^E\d{9}(MWST|TVA|IVA)?$/,
  GB: /^(\d{9}|\d{12}|GD\d{3}|HA\d{3})$/,
};

export function vatIdFormatValid(vatId: string): boolean {
  const id = vatId.replace(/[\s.-]/g, '').toUpperCase();
  const format = VAT_ID_FORMATS[id.slice(0, 2)];
  return format ? format.test(id.slice(2)) : /^[A-Z]{2}[A-Z0-9]{2,13}$/.test(id);
}

export function buyerName(c: DocumentCustomer): string {
  if (filled(c.companyName)) return c.companyName;
  return [c.firstName, c.lastName].filter(filled).join(' ');
}

function vatIdRules(out: RuleViolation[], vatId: string | null, field: string, whose: string): void {
  if (!filled(vatId)) return;
  if (!vatIdPrefixValid(vatId)) {
    out.push({ rule: 'BR-CO-09', field, message: `${whose} VAT identifier ${vatId} must start with its country code (e.g. DE, AT; Greece EL)` });
  } else if (!vatIdFormatValid(vatId)) {
    out.push({ rule: 'BR-CO-09', field, message: `${whose} VAT identifier ${vatId} does not have the format of its country` });
  }
}

/** Every rule violation of the document's e-invoice, in rule order; empty when it may be finalised. */
export function checkEn16931(doc: RenderableDocument, options: RuleOptions = {}): RuleViolation[] {
  const out: RuleViolation[] = [];
  const { company, customer } = doc;
  const categories = new Set<VatCategory>(doc.lines.map((l) => l.vatCategory));
  const hasVatId = filled(company.vatId);
  const hasTaxNumber = filled(company.taxNumber);

  // Seller (BG-4, BG-5)
  if (!filled(company.name)) out.push({ rule: 'BR-06', field: 'company.name', message: 'the company name (seller name) is missing' });
  if (!filled(company.street) || !filled(company.postcode) || !filled(company.city)) {
    out.push({ rule: 'BR-08', field: 'company.street', message: "the company's postal address is incomplete (street, postcode, city)" });
  }
  if (!isCountryCode(company.country)) out.push({ rule: 'BR-CL-14', field: 'company.country', message: `the company's country ${company.country} is not an ISO 3166-1 code` });
  vatIdRules(out, company.vatId, 'company.vatId', "the company's");
  if (!hasVatId && !filled(company.registerNumber) && !hasTaxNumber) {
    out.push({ rule: 'BR-CO-26', field: 'company.vatId', message: 'the company needs a VAT identifier, a register number or a tax number to be identified' });
  }

  // Buyer (BG-7, BG-8)
  const name = buyerName(customer);
  if (name === '') out.push({ rule: 'BR-07', field: 'customer.lastName', message: "the customer's name is missing" });
  if (!isCountryCode(customer.country)) out.push({ rule: 'BR-CL-14', field: 'customer.country', message: `the customer's country ${customer.country} is not an ISO 3166-1 code` });
  vatIdRules(out, customer.vatId, 'customer.vatId', "the customer's");
  // §14 Abs. 4 Nr. 1 UStG: full name and address of the recipient, except for small invoices (§33 UStDV).
  const addressComplete = filled(customer.street) && filled(customer.postcode) && filled(customer.city);
  if (!addressComplete && Math.abs(doc.grossCents) > SMALL_INVOICE_LIMIT_CENTS) {
    out.push({ rule: 'UStG-14-4-1', field: 'customer.street', message: "the customer's address is incomplete (street, postcode, city); an invoice over 250 € must name it (§14 Abs. 4 Nr. 1 UStG)" });
  }

  // Lines (BG-25)
  if (doc.lines.length === 0) out.push({ rule: 'BR-16', field: 'lines', message: 'the document has no lines' });

  // VAT categories (BG-23): who must be identified for each
  const sellerTaxId = hasVatId || hasTaxNumber;
  for (const [category, rule] of [['S', 'BR-S-02'], ['Z', 'BR-Z-02'], ['E', 'BR-E-02']] as const) {
    if (categories.has(category) && !sellerTaxId) out.push({ rule, field: 'company.vatId', message: "the company's VAT identifier or tax number is missing" });
  }
  if (categories.has('AE')) {
    if (!sellerTaxId) out.push({ rule: 'BR-AE-02', field: 'company.vatId', message: "reverse charge needs the company's VAT identifier or tax number" });
    if (!filled(customer.vatId)) out.push({ rule: 'BR-AE-02', field: 'customer.vatId', message: "reverse charge (§13b UStG) needs the customer's VAT identifier" });
  }
  if (categories.has('K')) {
    if (!hasVatId) out.push({ rule: 'BR-IC-02', field: 'company.vatId', message: "an intra-community supply needs the company's VAT identifier" });
    if (!filled(customer.vatId)) out.push({ rule: 'BR-IC-02', field: 'customer.vatId', message: "an intra-community supply needs the customer's VAT identifier (§14a Abs. 3 UStG)" });
  }
  if (categories.has('G') && !hasVatId) out.push({ rule: 'BR-G-02', field: 'company.vatId', message: "an export supply needs the company's VAT identifier" });
  if (categories.has('O')) {
    if (categories.size > 1) out.push({ rule: 'BR-O-11', field: 'lines', message: "lines 'not subject to VAT' cannot share a document with other VAT categories: issue them separately" });
    // BR-O-02: no VAT identifiers at all in such an invoice, so the tax number must identify the seller (§14 Abs. 4 Nr. 2 UStG).
    if (!hasTaxNumber) out.push({ rule: 'BR-O-02', field: 'company.taxNumber', message: "an invoice 'not subject to VAT' may carry no VAT identifier: the company's tax number is needed" });
  }

  // §19 UStG: a small business charges no VAT; drafts from before the setting was switched on may still.
  if (company.smallBusiness && doc.lines.some((l) => l.vatCategory !== 'E')) {
    out.push({ rule: 'UStG-19', field: 'lines', message: 'as a small business (Kleinunternehmer, §19 UStG) no VAT may be charged: set the lines to exempt' });
  }

  if (options.xrechnung ?? filled(customer.leitwegId)) out.push(...checkXRechnung(doc));
  return out;
}

/** KoSIT's CIUS XRechnung (BR-DE-…): for buyers reached by Leitweg-ID. */
export function checkXRechnung(doc: RenderableDocument): RuleViolation[] {
  const out: RuleViolation[] = [];
  const { company, customer } = doc;
  if (!filled(company.city)) out.push({ rule: 'BR-DE-3', field: 'company.city', message: "the company's city is missing" });
  if (!filled(company.postcode)) out.push({ rule: 'BR-DE-4', field: 'company.postcode', message: "the company's postcode is missing" });
  if (!filled(company.contactName)) out.push({ rule: 'BR-DE-5', field: 'company.contactName', message: 'XRechnung needs a contact person of the company (settings)' });
  if (!filled(company.contactPhone ?? company.phone)) out.push({ rule: 'BR-DE-6', field: 'company.contactPhone', message: "XRechnung needs the contact person's phone number (settings)" });
  if (!filled(company.contactEmail ?? company.email)) out.push({ rule: 'BR-DE-7', field: 'company.contactEmail', message: "XRechnung needs the contact person's e-mail address (settings)" });
  if (!filled(customer.city)) out.push({ rule: 'BR-DE-8', field: 'customer.city', message: "the customer's city is missing" });
  if (!filled(customer.postcode)) out.push({ rule: 'BR-DE-9', field: 'customer.postcode', message: "the customer's postcode is missing" });
  if (!filled(customer.leitwegId)) out.push({ rule: 'BR-DE-15', field: 'customer.leitwegId', message: "XRechnung needs the customer's Leitweg-ID (buyer reference)" });
  // BT-34 / BT-49: both parties' electronic addresses (XRechnung 3.0 takes them from the PEPPOL rules)
  if (!filled(company.email ?? company.contactEmail)) out.push({ rule: 'PEPPOL-EN16931-R020', field: 'company.email', message: "XRechnung needs the company's e-mail address as its electronic address" });
  if (!filled(customer.email)) out.push({ rule: 'PEPPOL-EN16931-R010', field: 'customer.email', message: "XRechnung needs the customer's e-mail address as its electronic address" });
  if (doc.lines.some((l) => l.vatCategory === 'O')) out.push({ rule: 'BR-DE-14', field: 'lines', message: "XRechnung needs a VAT rate in every VAT breakdown, which 'not subject to VAT' cannot have" });
  // BR-DE-1: payment instructions; an invoice to be paid by transfer needs the IBAN (BR-DE-23 via payment means 58).
  if (doc.type === 'invoice' && doc.grossCents > 0 && !filled(company.iban)) {
    out.push({ rule: 'BR-DE-1', field: 'company.iban', message: 'XRechnung needs payment instructions: enter the IBAN in the company settings' });
  }
  return out;
}

/** The gate at finalisation: one 422 naming the first rule, every violation in `details`. */
export function assertEn16931(doc: RenderableDocument, options: RuleOptions = {}): void {
  const violations = checkEn16931(doc, options);
  const first = violations[0];
  if (!first) return;
  throw new AppError('incomplete', `einvoice.${first.rule}`, `the e-invoice would break ${first.rule}: ${first.message}`, {
    field: first.field,
    meta: { rule: first.rule },
    details: violations.map((v) => ({ code: `einvoice.${v.rule}`, message: `${v.rule}: ${v.message}`, field: v.field, meta: { rule: v.rule } })),
  });
}

