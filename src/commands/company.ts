import { isValidIban } from '../domain/company.ts';
import type { Company } from '../domain/company.ts';
import { isValidEmail } from '../domain/customer.ts';
import { validationError } from '../domain/errors.ts';
import type { CompanyInput } from '../domain/inputs.ts';
import { DEFAULT_NUMBER_PATTERNS, validateNumberPattern, validateNumberPatterns } from '../domain/numbering.ts';
import type { CompanyRow } from '../db/schema.ts';
import { audit, type Actor, type Executor } from './context.ts';

export const PLACEHOLDER_COMPANY: CompanyInput = {
  name: 'Meine Firma',
  street: 'Musterstraße 1',
  postcode: '12345',
  city: 'Musterstadt',
  country: 'DE',
  vatId: null,
  taxNumber: null,
  iban: null,
  bic: null,
  bankName: null,
  email: null,
  phone: null,
  website: null,
  managingDirector: null,
  registerCourt: null,
  registerNumber: null,
  paymentTermsDays: 14,
  invoiceNumberPattern: DEFAULT_NUMBER_PATTERNS.invoice,
  quoteNumberPattern: DEFAULT_NUMBER_PATTERNS.quote,
  creditNoteNumberPattern: DEFAULT_NUMBER_PATTERNS.creditNote,
  embedEInvoice: true,
  emailFooter: null,
  contactName: null,
  contactPhone: null,
  contactEmail: null,
  smallBusiness: false,
};

export function companyFromRow(row: CompanyRow): Company {
  const logoMime = row.logo_mime === 'image/png' || row.logo_mime === 'image/jpeg' ? row.logo_mime : null;
  return {
    name: row.name,
    street: row.street,
    postcode: row.postcode,
    city: row.city,
    country: row.country,
    vatId: row.vat_id,
    taxNumber: row.tax_number,
    iban: row.iban,
    bic: row.bic,
    bankName: row.bank_name,
    email: row.email,
    phone: row.phone,
    website: row.website,
    managingDirector: row.managing_director,
    registerCourt: row.register_court,
    registerNumber: row.register_number,
    paymentTermsDays: row.payment_terms_days,
    invoiceNumberPattern: row.invoice_number_pattern,
    quoteNumberPattern: row.quote_number_pattern,
    creditNoteNumberPattern: row.credit_note_number_pattern,
    embedEInvoice: row.embed_einvoice === 1,
    logo: row.logo && logoMime ? { bytes: new Uint8Array(row.logo), mime: logoMime } : null,
    emailFooter: row.email_footer,
    contactName: row.contact_name,
    contactPhone: row.contact_phone,
    contactEmail: row.contact_email,
    smallBusiness: row.small_business === 1,
  };
}

/** The company row always exists after the first read, starting from placeholder data the admin replaces. */
export async function getCompany(db: Executor): Promise<Company> {
  const row = await db.selectFrom('company').selectAll().where('id', '=', 1).executeTakeFirst();
  if (row) return companyFromRow(row);
  await db
    .insertInto('company')
    .values({ id: 1, ...companyColumns(PLACEHOLDER_COMPANY), updated_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return companyFromRow(await db.selectFrom('company').selectAll().where('id', '=', 1).executeTakeFirstOrThrow());
}

function companyColumns(c: CompanyInput) {
  return {
    name: c.name,
    street: c.street,
    postcode: c.postcode,
    city: c.city,
    country: c.country,
    vat_id: c.vatId,
    tax_number: c.taxNumber,
    iban: c.iban ? c.iban.replace(/\s/g, '').toUpperCase() : null,
    bic: c.bic ? c.bic.toUpperCase() : null,
    bank_name: c.bankName,
    email: c.email,
    phone: c.phone,
    website: c.website,
    managing_director: c.managingDirector,
    register_court: c.registerCourt,
    register_number: c.registerNumber,
    payment_terms_days: c.paymentTermsDays,
    invoice_number_pattern: c.invoiceNumberPattern,
    quote_number_pattern: c.quoteNumberPattern,
    credit_note_number_pattern: c.creditNoteNumberPattern,
    embed_einvoice: c.embedEInvoice ? 1 : 0,
    email_footer: c.emailFooter,
    contact_name: c.contactName,
    contact_phone: c.contactPhone,
    contact_email: c.contactEmail,
    small_business: c.smallBusiness ? 1 : 0,
  } as const;
}

export function validateCompany(c: CompanyInput): void {
  validateNumberPattern(c.invoiceNumberPattern, 'invoiceNumberPattern');
  validateNumberPattern(c.quoteNumberPattern, 'quoteNumberPattern');
  validateNumberPattern(c.creditNoteNumberPattern, 'creditNoteNumberPattern');
  validateNumberPatterns({ invoice: c.invoiceNumberPattern, quote: c.quoteNumberPattern, creditNote: c.creditNoteNumberPattern });
  if (c.iban && !isValidIban(c.iban)) throw validationError('company.ibanInvalid', 'IBAN check digits are wrong', 'iban');
  if (c.bic && !/^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/i.test(c.bic)) throw validationError('company.bicInvalid', 'BIC must have 8 or 11 characters', 'bic');
  if (c.email && !isValidEmail(c.email)) throw validationError('company.emailInvalid', 'e-mail is not a valid address', 'email');
  if (c.contactEmail && !isValidEmail(c.contactEmail)) throw validationError('company.emailInvalid', 'contact e-mail is not a valid address', 'contactEmail');
  // §14 Abs. 4 Nr. 2 UStG: an invoice must carry the tax number or the VAT id of the issuer.
  if (!c.vatId && !c.taxNumber) throw validationError('company.taxIdMissing', 'either a VAT id or a tax number is required (§14 Abs. 4 Nr. 2 UStG)', 'taxNumber');
}

export async function updateCompany(input: { trx: Executor; actor: Actor; data: CompanyInput }): Promise<Company> {
  const { trx, actor, data } = input;
  validateCompany(data);
  await getCompany(trx);
  await trx.updateTable('company').set({ ...companyColumns(data), updated_at: new Date().toISOString() }).where('id', '=', 1).execute();
  await audit(trx, actor, 'company.update', 'company', 1);
  return getCompany(trx);
}

/** `logo` must have passed `checkLogo` (src/pdf/logo.ts), which decodes it as the PDF renderer will. */
export async function setCompanyLogo(input: { trx: Executor; actor: Actor; logo: { bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' } | null }): Promise<void> {
  const { trx, actor, logo } = input;
  await getCompany(trx);
  await trx
    .updateTable('company')
    .set({ logo: logo ? Buffer.from(logo.bytes) : null, logo_mime: logo?.mime ?? null, updated_at: new Date().toISOString() })
    .where('id', '=', 1)
    .execute();
  await audit(trx, actor, logo ? 'company.logoSet' : 'company.logoRemoved', 'company', 1);
}
