import type { Company } from './company.ts';
import type { DocumentLine, DocumentStatus, DocumentType, Language, VatBreakdown } from './document.ts';

/** The customer as addressed on a document. */
export interface DocumentCustomer {
  id: number;
  number: string;
  salutation: string | null;
  firstName: string | null;
  lastName: string | null;
  companyName: string | null;
  street: string | null;
  postcode: string | null;
  city: string | null;
  country: string;
  email: string | null;
  vatId: string | null;
  /** Leitweg-ID (BT-10): the buyer is a public authority receiving XRechnung. Absent in snapshots before 0019. */
  leitwegId?: string | null;
}

/**
 * Everything needed to render a document as a PDF or an e-invoice, as plain data.
 * For a final document the customer and company are the snapshots taken at finalisation.
 */
export interface RenderableDocument {
  id: number;
  type: DocumentType;
  status: DocumentStatus;
  /** null for drafts (rendered with an ENTWURF watermark) */
  number: string | null;
  language: Language;
  issueDate: string;
  serviceDate: string | null;
  dueDate: string | null;
  paymentTermsDays: number;
  introText: string | null;
  closingText: string | null;
  /** for a credit note: the number and date of the invoice it cancels */
  cancels: { number: string; issueDate: string } | null;
  lines: DocumentLine[];
  vat: VatBreakdown[];
  netCents: number;
  vatCents: number;
  grossCents: number;
  currency: 'EUR';
  customer: DocumentCustomer;
  company: Company;
}
