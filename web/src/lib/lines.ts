import { computeTotals, quantityToMilli, type DocumentLineInput as DomainLine, type DocumentTotals, type VatCategory } from '../../../src/domain/document.ts';
import { exactLineNet, MAX_QUANTITY, MAX_TOTAL_CENTS, MAX_UNIT_PRICE_CENTS } from '../../../src/domain/amount-limits.ts';
import { parseMoneyToCents } from '../../../src/domain/money.ts';
import type { DocumentLine, DocumentLineInput, Locale } from '../api/types';

/** A line as typed into the editor: text fields stay text until they parse. */
export interface LineForm {
  key: string;
  description: string;
  quantity: string;
  unit: string;
  unitPrice: string;
  vatRate: '19' | '7' | '0';
  /** the EN 16931 category of a 0 % line (19 %/7 % are always S) */
  zeroCategory: ZeroCategory;
  exemptionReason: string;
  discount: string;
}

export type ZeroCategory = Exclude<VatCategory, 'S'>;
export const ZERO_CATEGORIES: readonly ZeroCategory[] = ['E', 'AE', 'K', 'G', 'Z', 'O'];

let keyCounter = 0;
export const newLineKey = (): string => `line-${++keyCounter}`;

export function emptyLine(): LineForm {
  return { key: newLineKey(), description: '', quantity: '1', unit: 'Stk', unitPrice: '', vatRate: '19', zeroCategory: 'E', exemptionReason: '', discount: '' };
}

/** "1,5" / "1.5" / "1.000,25" → 1.5 / 1.5 / 1000.25; undefined when it is not a number. */
export function parseDecimal(input: string): number | undefined {
  const trimmed = input.trim().replace(/\s|%/g, '');
  if (!/^-?(\d+([.,]\d+)*)$/.test(trimmed)) return undefined;
  const lastComma = trimmed.lastIndexOf(',');
  const lastDot = trimmed.lastIndexOf('.');
  let normalized: string;
  if (lastComma > lastDot) normalized = trimmed.replace(/\./g, '').replace(',', '.');
  else normalized = trimmed.replace(/,/g, '');
  if (!/^-?\d+(\.\d+)?$/.test(normalized)) return undefined;
  return Number(normalized);
}

function decimalText(value: number, locale: Locale, fractionDigits?: number): string {
  const text = fractionDigits === undefined ? String(value) : value.toFixed(fractionDigits);
  return locale === 'de' ? text.replace('.', ',') : text;
}

export function lineToForm(line: DocumentLine, locale: Locale): LineForm {
  return {
    key: newLineKey(),
    description: line.description,
    quantity: decimalText(line.quantity, locale),
    unit: line.unit,
    unitPrice: decimalText(line.unitPriceCents / 100, locale, 2),
    vatRate: line.vatRate === 19 ? '19' : line.vatRate === 7 ? '7' : '0',
    zeroCategory: line.vatCategory === 'S' ? 'E' : line.vatCategory,
    exemptionReason: line.exemptionReason ?? '',
    discount: line.discountPercent ? decimalText(line.discountPercent, locale) : '',
  };
}

export type LineProblem = 'description' | 'quantity' | 'unitPrice' | 'discount' | 'exemptionReason';

export interface ParsedLine {
  api: DocumentLineInput | undefined;
  domain: DomainLine | undefined;
  problems: LineProblem[];
  /** problems that are a value beyond the limits of src/domain/amount-limits.ts (a different message) */
  tooLarge: LineProblem[];
}

/** Parses one editor line into the API's shape and the domain's shape (for live totals). */
export function parseLine(form: LineForm): ParsedLine {
  const problems: LineProblem[] = [];
  const tooLarge: LineProblem[] = [];
  const quantity = parseDecimal(form.quantity);
  const unitPriceCents = parseMoneyToCents(form.unitPrice);
  const discount = form.discount.trim() === '' ? 0 : parseDecimal(form.discount);
  const vatRate = form.vatRate === '19' ? 19 : form.vatRate === '7' ? 7 : 0;
  let quantityMilli: number | undefined;
  if (quantity === undefined || quantity === 0) problems.push('quantity');
  else {
    try {
      quantityMilli = quantityToMilli(quantity);
    } catch {
      problems.push('quantity');
    }
  }
  if (unitPriceCents === undefined) problems.push('unitPrice');
  // Beyond the limits the server refuses the line, and the live totals would no longer be exact.
  if (quantityMilli !== undefined && Math.abs(quantityMilli) > MAX_QUANTITY * 1000) {
    problems.push('quantity');
    tooLarge.push('quantity');
    quantityMilli = undefined;
  }
  if (unitPriceCents !== undefined && quantityMilli !== undefined && discount !== undefined) {
    const net = exactLineNet(quantityMilli, unitPriceCents, Math.round(discount * 100));
    if (Math.abs(unitPriceCents) > MAX_UNIT_PRICE_CENTS || net > BigInt(MAX_TOTAL_CENTS) || net < -BigInt(MAX_TOTAL_CENTS)) {
      problems.push('unitPrice');
      tooLarge.push('unitPrice');
    }
  }
  if (discount === undefined || discount < 0 || discount > 100) problems.push('discount');
  if (form.description.trim() === '') problems.push('description');
  const vatCategory: VatCategory = vatRate === 0 ? form.zeroCategory : 'S';
  // Only an exemption (E) needs the user's reason; the other categories have their legal wording.
  if (vatCategory === 'E' && form.exemptionReason.trim() === '') problems.push('exemptionReason');
  if (quantity === undefined || quantityMilli === undefined || unitPriceCents === undefined || discount === undefined || discount < 0 || discount > 100 || tooLarge.length > 0) {
    return { api: undefined, domain: undefined, problems, tooLarge };
  }
  const exemptionReason = vatRate === 0 && form.exemptionReason.trim() ? form.exemptionReason.trim() : null;
  return {
    api: { description: form.description.trim(), quantity, unit: form.unit.trim() || 'Stk', unitPriceCents, vatRate, vatCategory, exemptionReason, discountPercent: discount },
    // Same conversion as the server's toLineInputs (src/commands/documents.ts).
    domain: { description: form.description, quantityMilli, unit: form.unit, unitPriceCents, vatRate, vatCategory, exemptionReason, discountBasisPoints: Math.round(discount * 100) },
    problems,
    tooLarge,
  };
}

/** Live totals with the server's own rules (rounding per VAT rate), over the lines that parse. */
export function liveTotals(forms: readonly LineForm[]): { totals: DocumentTotals; lineNet: (number | undefined)[] } {
  const parsed = forms.map(parseLine);
  const valid = parsed.flatMap((p) => (p.domain ? [p.domain] : []));
  const totals = computeTotals(valid);
  let index = 0;
  const lineNet = parsed.map((p) => (p.domain ? totals.lines[index++]?.netCents : undefined));
  return { totals, lineNet };
}
