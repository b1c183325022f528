/** The sender's letterhead and legal data (§14 Abs. 4 UStG names what an invoice must show). */
export interface Company {
  name: string;
  street: string;
  postcode: string;
  city: string;
  country: string;
  vatId: string | null;
  taxNumber: string | null;
  iban: string | null;
  bic: string | null;
  bankName: string | null;
  email: string | null;
  phone: string | null;
  website: string | null;
  managingDirector: string | null;
  registerCourt: string | null;
  registerNumber: string | null;
  paymentTermsDays: number;
  invoiceNumberPattern: string;
  quoteNumberPattern: string;
  creditNoteNumberPattern: string;
  /** Embed the Factur-X / ZUGFeRD XML into invoice PDFs. */
  embedEInvoice: boolean;
  logo: { bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' } | null;
  emailFooter: string | null;
  /** Contact for e-invoices (BT-41…43; XRechnung requires them, BR-DE-5…7). Phone and e-mail fall back to the company's. */
  contactName: string | null;
  contactPhone: string | null;
  contactEmail: string | null;
  /** Kleinunternehmer (§19 UStG): no VAT is charged; every line is exempt (E) with the legal note. */
  smallBusiness: boolean;
}

/** The note §19 UStG invoices carry; also the exemption reason (BT-120) of their lines. */
export const SMALL_BUSINESS_NOTE = 'Gemäß § 19 UStG wird keine Umsatzsteuer berechnet (Kleinunternehmerregelung).';

/** IBAN check digits (ISO 13616, mod 97): catches most typos before they reach a customer's bank transfer. */
export function isValidIban(input: string): boolean {
  const iban = input.replace(/\s/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const value = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

export function formatIban(input: string): string {
  return input.replace(/\s/g, '').toUpperCase().replace(/(.{4})/g, '$1 ').trim();
}
