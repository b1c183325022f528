import type { Selectable } from 'kysely';
import type { TemplateRow } from '../commands/templates.ts';
import type { DocumentWithLines } from '../commands/documents.ts';
import type { Company } from '../domain/company.ts';
import type { ApiTokensTable, CustomerRow, UserRow } from '../db/schema.ts';
import type { ApiTokenView, CompanyView, CustomerView, DocumentView, TemplateView, UserView } from './api-types.ts';
import { activeEmailBounce } from '../mail/bounces/customer-flag.ts';

/**
 * Presenters decide, field by field, what a client sees; rows never leave as they are. Each is
 * typed with its shape in api-types.ts, so a field added here without it (a password hash, say)
 * fails the type check instead of reaching the web unnoticed.
 */
export function presentCustomer(c: CustomerRow): CustomerView {
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
    language: c.language,
    emailConsentAt: c.email_consent_at,
    emailBounce: activeEmailBounce(c),
    vatId: c.vat_id,
    leitwegId: c.leitweg_id,
    notes: c.notes,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
  };
}

export function presentDocument(d: DocumentWithLines): DocumentView {
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
      vatCategory: l.vat_category,
      exemptionReason: l.exemption_reason,
      discountPercent: l.discount_bp / 100,
      netCents: l.net_cents,
    })),
  };
}

export function presentCompany(c: Company): CompanyView {
  const { logo, ...rest } = c;
  return { ...rest, hasLogo: logo !== null };
}

export function presentUser(u: UserRow): UserView {
  return { id: u.id, email: u.email, name: u.name, role: u.role, locale: u.locale, disabled: u.disabled === 1, createdAt: u.created_at };
}

export function presentApiToken(
  t: Pick<Selectable<ApiTokensTable>, 'id' | 'name' | 'token_prefix' | 'role' | 'created_at' | 'last_used_at' | 'revoked_at' | 'expires_at' | 'created_by'> & { creator_name: string; creator_email: string; creator_disabled: number },
): ApiTokenView {
  return {
    id: t.id,
    name: t.name,
    prefix: t.token_prefix,
    role: t.role,
    createdAt: t.created_at,
    lastUsedAt: t.last_used_at,
    revokedAt: t.revoked_at,
    expiresAt: t.expires_at,
    createdBy: { id: t.created_by, name: t.creator_name, email: t.creator_email, disabled: t.creator_disabled === 1 },
  };
}

export function presentTemplate(t: TemplateRow): TemplateView {
  return {
    id: t.id,
    name: t.name,
    kind: t.kind,
    language: t.language,
    subject: t.subject,
    body: t.body,
    active: t.active === 1,
    createdAt: t.created_at,
    updatedAt: t.updated_at,
  };
}
