import { customerDisplayName } from '../../domain/customer.ts';
import type { DocumentType, Language } from '../../domain/document.ts';
import { assertCents, formatMoney } from '../../domain/money.ts';

/**
 * The documented placeholders of a Kunden-Benachrichtigung. Everything a template can reach is
 * built here from plain values: no database rows, no functions, no prototypes beyond Object —
 * so a template can show exactly these fields and nothing else (ownPropertyOnly + strictVariables).
 *
 *   customer.{number, salutation, firstName, lastName, companyName, name, greeting, street,
 *             postcode, city, country, email}
 *   documents[].{type, typeLabel, number, issueDate, dueDate, total, totalFormatted}
 *   total, totalFormatted, documentCount, dueDate (the earliest due date)
 *   company.{name, street, postcode, city, email, phone, website, iban, bic, bankName, vatId,
 *            taxNumber, emailFooter}
 *   sender.{name}
 *   language
 * Amounts are integer cents (`{{ total | money }}` → `1.234,56 €`), dates are `YYYY-MM-DD`
 * (`{{ doc.dueDate | date }}` → `16.11.2026`).
 */
export interface TemplateCustomer {
  number: string;
  salutation: string;
  firstName: string;
  lastName: string;
  companyName: string;
  name: string;
  greeting: string;
  street: string;
  postcode: string;
  city: string;
  country: string;
  email: string;
}

export interface TemplateDocument {
  type: DocumentType;
  typeLabel: string;
  number: string;
  issueDate: string;
  dueDate: string;
  total: number;
  totalFormatted: string;
}

export interface TemplateCompany {
  name: string;
  street: string;
  postcode: string;
  city: string;
  email: string;
  phone: string;
  website: string;
  iban: string;
  bic: string;
  bankName: string;
  vatId: string;
  taxNumber: string;
  emailFooter: string;
}

export interface TemplateContext {
  customer: TemplateCustomer;
  documents: TemplateDocument[];
  total: number;
  totalFormatted: string;
  documentCount: number;
  dueDate: string;
  company: TemplateCompany;
  sender: { name: string };
  language: Language;
}

/** The inputs, shaped like the domain's customer, documents (RenderableDocument summaries) and company. */
export interface TemplateContextInput {
  customer: {
    number: string;
    salutation: string | null;
    firstName: string | null;
    lastName: string | null;
    companyName: string | null;
    street?: string | null;
    postcode?: string | null;
    city?: string | null;
    country?: string | null;
    email: string | null;
  };
  documents: readonly { type: DocumentType; number: string | null; issueDate: string; dueDate: string | null; grossCents: number }[];
  company: {
    name: string;
    street?: string | null;
    postcode?: string | null;
    city?: string | null;
    email?: string | null;
    phone?: string | null;
    website?: string | null;
    iban?: string | null;
    bic?: string | null;
    bankName?: string | null;
    vatId?: string | null;
    taxNumber?: string | null;
    emailFooter?: string | null;
  };
  senderName: string;
  language: Language;
}

export const DOCUMENT_TYPE_LABELS: Record<Language, Record<DocumentType, string>> = {
  de: { invoice: 'Rechnung', quote: 'Angebot', creditNote: 'Stornorechnung' },
  en: { invoice: 'Invoice', quote: 'Quote', creditNote: 'Credit note' },
};

/** The salutation line without its comma: "Sehr geehrte Frau Mustermann". */
export function greetingFor(c: TemplateContextInput['customer'], language: Language): string {
  const last = c.lastName?.trim() ?? '';
  const fullName = [c.firstName?.trim(), last].filter(Boolean).join(' ');
  if (language === 'de') {
    if (!c.companyName && last && c.salutation === 'Frau') return `Sehr geehrte Frau ${last}`;
    if (!c.companyName && last && c.salutation === 'Herr') return `Sehr geehrter Herr ${last}`;
    if (!c.companyName && fullName) return `Guten Tag ${fullName}`;
    return 'Sehr geehrte Damen und Herren';
  }
  if (!c.companyName && last && c.salutation === 'Frau') return `Dear Ms ${last}`;
  if (!c.companyName && last && c.salutation === 'Herr') return `Dear Mr ${last}`;
  if (!c.companyName && fullName) return `Dear ${fullName}`;
  return 'Dear Sir or Madam';
}

const text = (value: string | null | undefined): string => value ?? '';

export function buildTemplateContext(input: TemplateContextInput): TemplateContext {
  const { customer, company, language } = input;
  const documents = input.documents.map((d) => ({
    type: d.type,
    typeLabel: DOCUMENT_TYPE_LABELS[language][d.type],
    number: text(d.number),
    issueDate: d.issueDate,
    dueDate: text(d.dueDate),
    total: assertCents(d.grossCents, 'document total'),
    totalFormatted: formatMoney(d.grossCents, language),
  }));
  const total = documents.reduce((sum, d) => sum + d.total, 0);
  const dueDates = documents.map((d) => d.dueDate).filter((d) => d !== '').sort();
  return {
    customer: {
      number: customer.number,
      salutation: text(customer.salutation),
      firstName: text(customer.firstName),
      lastName: text(customer.lastName),
      companyName: text(customer.companyName),
      name: customerDisplayName(customer),
      greeting: greetingFor(customer, language),
      street: text(customer.street),
      postcode: text(customer.postcode),
      city: text(customer.city),
      country: text(customer.country),
      email: text(customer.email),
    },
    documents,
    total,
    totalFormatted: formatMoney(total, language),
    documentCount: documents.length,
    dueDate: dueDates[0] ?? '',
    company: {
      name: company.name,
      street: text(company.street),
      postcode: text(company.postcode),
      city: text(company.city),
      email: text(company.email),
      phone: text(company.phone),
      website: text(company.website),
      iban: text(company.iban),
      bic: text(company.bic),
      bankName: text(company.bankName),
      vatId: text(company.vatId),
      taxNumber: text(company.taxNumber),
      emailFooter: text(company.emailFooter),
    },
    sender: { name: input.senderName },
    language,
  };
}

/** Sample data for the preview when no customer is chosen, and for validating a template on save. */
export function sampleTemplateContext(language: Language): TemplateContext {
  return buildTemplateContext({
    customer: {
      number: 'K-00042',
      salutation: 'Frau',
      firstName: 'Erika',
      lastName: 'Mustermann',
      companyName: null,
      street: 'Musterstraße 1',
      postcode: '50667',
      city: 'Köln',
      country: 'DE',
      email: 'erika.mustermann@example.de',
    },
    documents: [
      { type: 'invoice', number: 'RE-2026-00042', issueDate: '2026-11-02', dueDate: '2026-11-16', grossCents: 189_900 },
      { type: 'invoice', number: 'RE-2026-00043', issueDate: '2026-11-03', dueDate: '2026-11-17', grossCents: 9_750 },
    ],
    company: {
      name: 'Hörakustik Klangwerk GmbH',
      street: 'Schildergasse 12',
      postcode: '50667',
      city: 'Köln',
      email: 'rechnung@klangwerk.test',
      phone: '0221 123456',
      website: 'https://klangwerk.test',
      iban: 'DE02 1203 0000 0000 2020 51',
      bic: 'BYLADEM1001',
      bankName: 'Deutsche Kreditbank',
      vatId: 'DE123456789',
      taxNumber: null,
      emailFooter: 'Hörakustik Klangwerk GmbH · Schildergasse 12 · 50667 Köln',
    },
    senderName: 'Hörakustik Klangwerk',
    language,
  });
}

/** Every placeholder path a template may use, e.g. `customer.greeting`, `documents[].number`. */
export function allowedVariablePaths(): string[] {
  const paths: string[] = [];
  const walk = (value: unknown, prefix: string): void => {
    if (Array.isArray(value)) {
      paths.push(prefix);
      walk(value[0], `${prefix}[]`);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) walk(child, prefix ? `${prefix}.${key}` : key);
    } else {
      paths.push(prefix);
    }
  };
  walk(sampleTemplateContext('de'), '');
  return paths;
}
