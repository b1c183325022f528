import type { DocumentType, Language } from '../domain/document.ts';

/**
 * Every text printed on a document, in German (default) and English. Kept here, beside the
 * renderer, because a PDF is rendered on the server without the web UI's translation files;
 * wording follows what German customers know from their invoices.
 */
export interface Labels {
  title: Record<DocumentType, string>;
  numberLabel: Record<DocumentType, string>;
  dateLabel: Record<DocumentType, string>;
  customerNumber: string;
  serviceDate: string;
  dueDate: string;
  validUntil: string;
  customerVatId: string;
  phone: string;
  email: string;
  web: string;
  page: (n: number, of: number) => string;
  draft: string;
  col: { pos: string; description: string; quantity: string; unit: string; unitPrice: string; vat: string; amount: string };
  discount: (percent: string) => string;
  exemption: string;
  netByRate: (rate: string) => string;
  vatByRate: (rate: string, base: string) => string;
  exemptNet: string;
  totalNet: string;
  totalVat: string;
  totalGross: Record<DocumentType, string>;
  serviceDateIsIssueDate: string;
  cancels: (number: string, date: string) => string;
  payment: (amount: string, due: string, days: number, number: string) => string;
  paymentImmediate: (amount: string, number: string) => string;
  refund: (amount: string) => string;
  bankDetails: string;
  giroCode: string;
  bank: string;
  iban: string;
  bic: string;
  vatId: string;
  taxNumber: string;
  managingDirector: string;
  register: string;
  continued: string;
  carried: string;
}

const de: Labels = {
  // "Gutschrift" means self-billing by the buyer since 2013 (§14 Abs. 2 Satz 5 UStG); a cancellation is a Stornorechnung.
  title: { invoice: 'Rechnung', quote: 'Angebot', creditNote: 'Stornorechnung' },
  numberLabel: { invoice: 'Rechnungsnummer', quote: 'Angebotsnummer', creditNote: 'Stornorechnungsnummer' },
  dateLabel: { invoice: 'Rechnungsdatum', quote: 'Angebotsdatum', creditNote: 'Datum' },
  customerNumber: 'Kundennummer',
  serviceDate: 'Leistungsdatum',
  dueDate: 'Fällig am',
  validUntil: 'Gültig bis',
  customerVatId: 'Ihre USt-IdNr.',
  phone: 'Telefon',
  email: 'E-Mail',
  web: 'Web',
  page: (n, of) => `Seite ${n} von ${of}`,
  draft: 'ENTWURF',
  col: { pos: 'Pos.', description: 'Beschreibung', quantity: 'Menge', unit: 'Einheit', unitPrice: 'Einzelpreis', vat: 'USt', amount: 'Betrag' },
  discount: (p) => `abzüglich ${p} Rabatt`,
  exemption: 'Steuerbefreiung',
  netByRate: (r) => `Nettobetrag ${r} USt`,
  vatByRate: (r, base) => `zzgl. ${r} USt auf ${base}`,
  exemptNet: 'Nettobetrag ohne USt',
  totalNet: 'Summe netto',
  totalVat: 'Summe USt',
  totalGross: { invoice: 'Rechnungsbetrag', quote: 'Angebotssumme', creditNote: 'Stornobetrag' },
  serviceDateIsIssueDate: 'Das Leistungsdatum entspricht dem Rechnungsdatum.',
  cancels: (n, d) => `Stornorechnung zu Rechnung ${n} vom ${d}`,
  payment: (amount, due, days, number) =>
    `Bitte überweisen Sie den Betrag von ${amount} innerhalb von ${days} Tagen bis zum ${due} ohne Abzug unter Angabe der Rechnungsnummer ${number}.`,
  paymentImmediate: (amount, number) => `Bitte überweisen Sie den Betrag von ${amount} sofort ohne Abzug unter Angabe der Rechnungsnummer ${number}.`,
  refund: (amount) => `Den Betrag von ${amount} erstatten wir Ihnen auf Ihr Konto.`,
  bankDetails: 'Bankverbindung',
  giroCode: 'GiroCode: mit der Banking-App scannen',
  bank: 'Bank',
  iban: 'IBAN',
  bic: 'BIC',
  vatId: 'USt-IdNr.',
  taxNumber: 'Steuernummer',
  managingDirector: 'Geschäftsführung',
  register: 'Handelsregister',
  continued: 'Fortsetzung',
  carried: 'Fortsetzung auf der nächsten Seite',
};

const en: Labels = {
  title: { invoice: 'Invoice', quote: 'Quote', creditNote: 'Credit note' },
  numberLabel: { invoice: 'Invoice number', quote: 'Quote number', creditNote: 'Credit note number' },
  dateLabel: { invoice: 'Invoice date', quote: 'Quote date', creditNote: 'Date' },
  customerNumber: 'Customer number',
  serviceDate: 'Date of supply',
  dueDate: 'Due date',
  validUntil: 'Valid until',
  customerVatId: 'Your VAT ID',
  phone: 'Phone',
  email: 'E-mail',
  web: 'Web',
  page: (n, of) => `Page ${n} of ${of}`,
  draft: 'DRAFT',
  col: { pos: 'No.', description: 'Description', quantity: 'Qty', unit: 'Unit', unitPrice: 'Unit price', vat: 'VAT', amount: 'Amount' },
  discount: (p) => `less ${p} discount`,
  exemption: 'VAT exemption',
  netByRate: (r) => `Net amount ${r} VAT`,
  vatByRate: (r, base) => `plus ${r} VAT on ${base}`,
  exemptNet: 'Net amount without VAT',
  totalNet: 'Total net',
  totalVat: 'Total VAT',
  totalGross: { invoice: 'Invoice total', quote: 'Quote total', creditNote: 'Credit total' },
  serviceDateIsIssueDate: 'The date of supply is the invoice date.',
  cancels: (n, d) => `Credit note for invoice ${n} of ${d}`,
  payment: (amount, due, days, number) => `Please transfer ${amount} within ${days} days, by ${due}, quoting invoice number ${number}.`,
  paymentImmediate: (amount, number) => `Please transfer ${amount} immediately, quoting invoice number ${number}.`,
  refund: (amount) => `We will refund ${amount} to your account.`,
  bankDetails: 'Bank details',
  giroCode: 'GiroCode: scan with your banking app',
  bank: 'Bank',
  iban: 'IBAN',
  bic: 'BIC',
  vatId: 'VAT ID',
  taxNumber: 'Tax number',
  managingDirector: 'Managing director',
  register: 'Commercial register',
  continued: 'continued',
  carried: 'Continued on the next page',
};

export function labelsFor(language: Language): Labels {
  return language === 'en' ? en : de;
}
