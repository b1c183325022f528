import { AppError, validationError } from './errors.ts';
import { assertCents, divRoundHalfAwayFromZero, type Cents } from './money.ts';

export const DOCUMENT_TYPES = ['invoice', 'quote', 'creditNote'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

export const DOCUMENT_STATUSES = ['draft', 'final', 'cancelled'] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

/** German VAT rates (§12 UStG): standard 19 %, reduced 7 %, and 0 % for exempt supplies. */
export const VAT_RATES = [19, 7, 0] as const;
export type VatRate = (typeof VAT_RATES)[number];

export type Language = 'de' | 'en';

/**
 * EN 16931 VAT category codes (UNTDID 5305) Faktura supports, chosen per line:
 * S standard rate (19 %, 7 %); Z zero rate (§12 Abs. 3 UStG); E exempt (§4 UStG, §19 UStG) with
 * the reason; AE reverse charge (§13b UStG); K intra-community supply (§4 Nr. 1 b, §6a UStG);
 * G export outside the EU (§4 Nr. 1 a, §6 UStG); O not subject to VAT (e.g. §3a services abroad).
 * L/M (Canary Islands, Ceuta/Melilla) are not offered.
 */
export const VAT_CATEGORIES = ['S', 'Z', 'E', 'AE', 'K', 'G', 'O'] as const;
export type VatCategory = (typeof VAT_CATEGORIES)[number];

/** The category a line gets when none is chosen: standard for 19 %/7 %, exempt (with its reason) for 0 %. */
export function defaultVatCategory(rate: VatRate): VatCategory {
  return rate === 0 ? 'E' : 'S';
}

/**
 * What an invoice must say for a category (§14 Abs. 4 Nr. 8, §14a UStG). AE and K use the exact
 * words of §14a Abs. 5 and Abs. 3; the same text is the XML's exemption reason (BT-120) when the
 * user gave none. E has no fixed wording: the user's reason is the statement.
 */
export const VAT_CATEGORY_WORDING: Record<Language, Record<Exclude<VatCategory, 'S' | 'E'>, string>> = {
  de: {
    Z: 'Umsatzsteuer 0 % (Nullsatz, § 12 Abs. 3 UStG)',
    AE: 'Steuerschuldnerschaft des Leistungsempfängers',
    K: 'Steuerfreie innergemeinschaftliche Lieferung',
    G: 'Steuerfreie Ausfuhrlieferung',
    O: 'Nicht im Inland steuerbare Leistung',
  },
  en: {
    Z: 'VAT 0 % (zero rate, § 12 (3) German VAT Act)',
    AE: 'Reverse charge: the recipient is liable for VAT (Steuerschuldnerschaft des Leistungsempfängers)',
    K: 'VAT-exempt intra-community supply (Steuerfreie innergemeinschaftliche Lieferung)',
    G: 'VAT-exempt export (Steuerfreie Ausfuhrlieferung)',
    O: 'Not subject to German VAT',
  },
};

/** The statement printed (and written as BT-120) for a 0 % line: the category's wording and/or the user's reason. */
export function exemptionStatement(category: VatCategory, reason: string | null, language: Language): string | null {
  if (category === 'S') return null;
  if (category === 'E') return reason;
  const wording = VAT_CATEGORY_WORDING[language][category];
  return reason && reason.trim() !== '' && reason.trim() !== wording ? `${wording} – ${reason.trim()}` : wording;
}

export interface DocumentLineInput {
  description: string;
  /** Quantity in thousandths (1.5 h → 1500), so quantities with up to 3 decimals stay exact. */
  quantityMilli: number;
  unit: string;
  unitPriceCents: Cents;
  vatRate: VatRate;
  /** S for 19 %/7 %; for 0 % one of Z, E, AE, K, G, O (see VAT_CATEGORIES). */
  vatCategory: VatCategory;
  /** Required when vatRate is 0: why no VAT is charged (e.g. "Steuerfrei nach §4 Nr. 14 UStG"). */
  exemptionReason: string | null;
  /** Discount in basis points (10 % → 1000). */
  discountBasisPoints: number;
}

export interface DocumentLine extends DocumentLineInput {
  netCents: Cents;
}

export interface VatBreakdown {
  /** One breakdown per category and rate (EN 16931 BG-23; e.g. BR-E-01: exactly one for E). */
  vatCategory: VatCategory;
  vatRate: VatRate;
  netCents: Cents;
  vatCents: Cents;
  grossCents: Cents;
  exemptionReason: string | null;
}

export interface DocumentTotals {
  lines: DocumentLine[];
  vat: VatBreakdown[];
  netCents: Cents;
  vatCents: Cents;
  grossCents: Cents;
}

/**
 * Line net = quantity × unit price × (1 − discount), rounded half away from zero to the cent.
 * Computed exactly on big integers: quantity (1/1000) × price (cents) × (10000 − discount bp).
 */
export function lineNetCents(line: DocumentLineInput): Cents {
  const numerator = BigInt(line.quantityMilli) * BigInt(line.unitPriceCents) * BigInt(10_000 - line.discountBasisPoints);
  return assertCents(Number(divRoundHalfAwayFromZero(numerator, 1000n * 10_000n)), 'line net');
}

/**
 * Totals are rounded once per VAT category and rate, not per line: VAT of a rate = round(sum of its line nets × rate).
 * This is the rule of EN 16931 (BT-117 = BT-116 × BT-119) and avoids the cent drift that per-line VAT
 * rounding causes (3 × 0,05 € at 19 % gives 0,03 € VAT, not 3 × 0,01 €).
 */
export function computeTotals(inputs: readonly DocumentLineInput[]): DocumentTotals {
  const lines = inputs.map((line) => ({ ...line, netCents: lineNetCents(line) }));
  const groups = new Map<string, { category: VatCategory; rate: VatRate; net: number; reasons: Set<string> }>();
  for (const line of lines) {
    const key = `${line.vatCategory}:${line.vatRate}`;
    const entry = groups.get(key) ?? { category: line.vatCategory, rate: line.vatRate, net: 0, reasons: new Set<string>() };
    entry.net += line.netCents;
    if (line.exemptionReason) entry.reasons.add(line.exemptionReason);
    groups.set(key, entry);
  }
  const vat = [...groups.values()]
    .sort((a, b) => b.rate - a.rate || VAT_CATEGORIES.indexOf(a.category) - VAT_CATEGORIES.indexOf(b.category))
    .map(({ category, rate, net, reasons }) => {
      const vatCents = Number(divRoundHalfAwayFromZero(BigInt(net) * BigInt(rate), 100n));
      return {
        vatCategory: category,
        vatRate: rate,
        netCents: net,
        vatCents,
        grossCents: net + vatCents,
        exemptionReason: reasons.size > 0 ? [...reasons].join('; ') : null,
      };
    });
  const netCents = vat.reduce((sum, v) => sum + v.netCents, 0);
  const vatCents = vat.reduce((sum, v) => sum + v.vatCents, 0);
  return { lines, vat, netCents, vatCents, grossCents: netCents + vatCents };
}

export function validateLines(lines: readonly DocumentLineInput[]): void {
  lines.forEach((line, index) => {
    const at = `lines[${index}]`;
    if (line.description.trim() === '') throw validationError('document.lineDescriptionMissing', `${at}.description must not be empty`, `${at}.description`);
    if (!Number.isSafeInteger(line.quantityMilli) || line.quantityMilli === 0) {
      throw validationError('document.lineQuantityInvalid', `${at}.quantity must be a non-zero number with up to 3 decimals`, `${at}.quantity`);
    }
    if (!Number.isSafeInteger(line.unitPriceCents)) {
      throw validationError('document.linePriceInvalid', `${at}.unitPriceCents must be an integer number of cents`, `${at}.unitPriceCents`);
    }
    if (!VAT_RATES.includes(line.vatRate)) {
      throw validationError('document.vatRateInvalid', `${at}.vatRate must be one of ${VAT_RATES.join(', ')}`, `${at}.vatRate`);
    }
    if (!VAT_CATEGORIES.includes(line.vatCategory) || (line.vatCategory === 'S') !== (line.vatRate !== 0)) {
      throw validationError('document.vatCategoryInvalid', `${at}.vatCategory ${line.vatCategory} does not fit ${line.vatRate} % (S for 19 % and 7 %, Z/E/AE/K/G/O for 0 %)`, `${at}.vatCategory`);
    }
    if (line.vatCategory === 'E' && !line.exemptionReason?.trim()) {
      // §14 Abs. 4 Nr. 8 UStG: a tax-exempt supply must state the reason for the exemption.
      throw validationError('document.exemptionReasonMissing', `${at}.exemptionReason is required for 0 % VAT (§14 Abs. 4 Nr. 8 UStG)`, `${at}.exemptionReason`);
    }
    if (!Number.isInteger(line.discountBasisPoints) || line.discountBasisPoints < 0 || line.discountBasisPoints > 10_000) {
      throw validationError('document.discountInvalid', `${at}.discountPercent must be between 0 and 100`, `${at}.discountPercent`);
    }
  });
}

/** Quantity from a decimal (1.5) to thousandths, rejecting more than 3 decimals. */
export function quantityToMilli(quantity: number, field = 'quantity'): number {
  const milli = Math.round(quantity * 1000);
  if (!Number.isFinite(quantity) || Math.abs(milli - quantity * 1000) > 1e-6) {
    throw validationError('document.lineQuantityInvalid', `${field} may have at most 3 decimals`, field);
  }
  return milli;
}

export function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

/** GoBD: a document that is final (or cancelled) must never change again. */
export function assertEditable(status: DocumentStatus, documentId: number): void {
  if (status !== 'draft') {
    throw new AppError('conflict', 'document.notDraft', `document ${documentId} is ${status} and can no longer be changed (GoBD)`);
  }
}

export function assertFinalizable(status: DocumentStatus, lineCount: number, documentId: number): void {
  assertEditable(status, documentId);
  if (lineCount === 0) {
    throw new AppError('validation', 'document.noLines', `document ${documentId} has no lines and cannot be finalised`, { field: 'lines' });
  }
}

export function assertCancellable(type: DocumentType, status: DocumentStatus, documentId: number): void {
  if (type !== 'invoice') {
    throw new AppError('conflict', 'document.notCancellable', `only invoices are cancelled by a credit note; document ${documentId} is a ${type}`);
  }
  if (status !== 'final') {
    throw new AppError('conflict', 'document.notFinal', `document ${documentId} is ${status}; only final invoices can be cancelled`);
  }
}

/**
 * §19 UStG: a small business (Kleinunternehmer) charges no VAT. Its lines are exempt (E) with the
 * legal note as reason, whatever rate was typed, so the PDF and the e-invoice say the same.
 */
export function smallBusinessLines(lines: readonly DocumentLineInput[], note: string): DocumentLineInput[] {
  return lines.map((line) => ({ ...line, vatRate: 0, vatCategory: 'E', exemptionReason: line.vatCategory === 'E' && line.exemptionReason ? line.exemptionReason : note }));
}

/** A credit note cancelling an invoice: the same lines with negated quantities. */
export function creditNoteLines(lines: readonly DocumentLineInput[]): DocumentLineInput[] {
  return lines.map((line) => ({ ...line, quantityMilli: -line.quantityMilli }));
}
