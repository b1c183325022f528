import type { Company } from '../domain/company.ts';
import type { DocumentWithLines } from '../commands/documents.ts';
import type { CustomerRow, UserRow } from '../db/schema.ts';

/** Presenters decide, field by field, what a client sees; rows never leave as they are. */
export function presentCustomer(c: CustomerRow) {
  return {
    id: c.id,
    number: c.number,
    salutation: c.salutation,
    firstName: c.first_name,
    lastName: c.last_name,
    companyName: c.company_name,
    displayName: c.company_name ?? [c.first_name, c.last_name].filter(Boolean).join(' '),
    street: c.street,
    postcode: c.postcode,
    city: c.city,
    country: c.country,
    email: c.email,
    invoiceByPost: c.invoice_by_post === 1,
    emailConsentAt: c.email_consent_at,
    vatId: c.vat_id,
    notes: c.notes,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
  };
}

export function presentDocument(d: DocumentWithLines) {
  return {
    id: d.id,
    type: d.type,
    number: d.number,
    status: d.status,
    customerId: d.customer_id,
    language: d.language,
    issueDate: d.issue_date,
    serviceDate: d.service_date,
    dueDate: d.due_date,
    paymentTermsDays: d.payment_terms_days,
    introText: d.intro_text,
    closingText: d.closing_text,
    cancelsDocumentId: d.cancels_document_id,
    cancelledByDocumentId: d.cancelled_by_document_id,
    netCents: d.net_cents,
    vatCents: d.vat_cents,
    grossCents: d.gross_cents,
    lastSentAt: d.last_sent_at,
    lastSentTo: d.last_sent_to,
    finalizedAt: d.finalized_at,
    createdAt: d.created_at,
    updatedAt: d.updated_at,
    lines: d.lines.map((l) => ({
      position: l.position,
      description: l.description,
      quantity: l.quantity_milli / 1000,
      unit: l.unit,
      unitPriceCents: l.unit_price_cents,
      vatRate: l.vat_rate,
      exemptionReason: l.exemption_reason,
      discountPercent: l.discount_bp / 100,
      netCents: l.net_cents,
    })),
  };
}

export function presentCompany(c: Company) {
  const { logo, ...rest } = c;
  return { ...rest, hasLogo: logo !== null };
}

export function presentUser(u: UserRow) {
  return { id: u.id, email: u.email, name: u.name, role: u.role, locale: u.locale, disabled: u.disabled === 1, createdAt: u.created_at };
}
