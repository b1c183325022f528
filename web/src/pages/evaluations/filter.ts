import { parseMoneyToCents } from '../../../../src/domain/money.ts';
import type { DocumentStatus, DocumentType } from '../../api/types';
import type { DocumentFilterBody } from '../dispatch/types';

export const DOC_TYPES: readonly DocumentType[] = ['invoice', 'quote', 'creditNote'];
export const DOC_STATUSES: readonly DocumentStatus[] = ['draft', 'final', 'cancelled'];
export const SORTS = ['issueDate', 'number', 'customer', 'total', 'status', 'lastSentAt', 'dueDate'] as const;
export type Sort = (typeof SORTS)[number];

/** The filter as typed into the form (text fields stay text until "Laden"). */
export interface FilterForm {
  type: DocumentType[];
  status: DocumentStatus[];
  dateFrom: string;
  dateTo: string;
  customerId: number | null;
  sent: '' | 'true' | 'false';
  amountMin: string;
  amountMax: string;
  q: string;
  /** receivables: '' any, 'open' (offen), 'overdue' (überfällig seit mehr als `overdueDays` Tagen) */
  payment: '' | 'open' | 'overdue';
  overdueDays: string;
}

/** What users of the reference do most: final invoices that have not been sent yet. */
export const DEFAULT_FORM: FilterForm = { type: ['invoice'], status: ['final'], dateFrom: '', dateTo: '', customerId: null, sent: 'false', amountMin: '', amountMax: '', q: '', payment: '', overdueDays: '' };

const isType = (v: string): v is DocumentType => DOC_TYPES.some((x) => x === v);
const isStatus = (v: string): v is DocumentStatus => DOC_STATUSES.some((x) => x === v);
export const isSort = (v: string | null): v is Sort => SORTS.some((x) => x === v);

export function formFromParams(params: URLSearchParams): FilterForm {
  if (!params.has('loaded')) return DEFAULT_FORM;
  const list = (key: string) => (params.get(key) ?? '').split(',').filter(Boolean);
  const sent = params.get('sent');
  const customerId = Number(params.get('customerId'));
  return {
    type: list('type').filter(isType),
    status: list('status').filter(isStatus),
    dateFrom: params.get('dateFrom') ?? '',
    dateTo: params.get('dateTo') ?? '',
    customerId: Number.isInteger(customerId) && customerId > 0 ? customerId : null,
    sent: sent === 'true' || sent === 'false' ? sent : '',
    amountMin: params.get('min') ?? '',
    amountMax: params.get('max') ?? '',
    q: params.get('q') ?? '',
    payment: params.get('pay') === 'open' || params.get('pay') === 'overdue' ? (params.get('pay') === 'open' ? 'open' : 'overdue') : '',
    overdueDays: params.get('days') ?? '',
  };
}

export function formToParams(form: FilterForm): Record<string, string> {
  const out: Record<string, string> = { loaded: '1' };
  if (form.type.length) out['type'] = form.type.join(',');
  if (form.status.length) out['status'] = form.status.join(',');
  if (form.dateFrom) out['dateFrom'] = form.dateFrom;
  if (form.dateTo) out['dateTo'] = form.dateTo;
  if (form.customerId !== null) out['customerId'] = String(form.customerId);
  if (form.sent) out['sent'] = form.sent;
  if (form.amountMin.trim()) out['min'] = form.amountMin.trim();
  if (form.amountMax.trim()) out['max'] = form.amountMax.trim();
  if (form.q.trim()) out['q'] = form.q.trim();
  if (form.payment) out['pay'] = form.payment;
  if (form.payment === 'overdue' && form.overdueDays.trim()) out['days'] = form.overdueDays.trim();
  return out;
}

export type AmountProblem = 'amountMin' | 'amountMax' | 'overdueDays';

/** "überfällig seit mehr als N Tagen": empty is 0 (overdue at all). */
function overdueDaysOf(form: FilterForm): number | undefined {
  const text = form.overdueDays.trim();
  if (text === '') return 0;
  return /^\d{1,4}$/.test(text) ? Number(text) : undefined;
}

export function amountProblems(form: FilterForm): AmountProblem[] {
  const out: AmountProblem[] = [];
  if (form.amountMin.trim() && parseMoneyToCents(form.amountMin) === undefined) out.push('amountMin');
  if (form.amountMax.trim() && parseMoneyToCents(form.amountMax) === undefined) out.push('amountMax');
  if (form.payment === 'overdue' && overdueDaysOf(form) === undefined) out.push('overdueDays');
  return out;
}

/** The applied filter in the JSON form POST /api/dispatches takes ("all matching", never ids). */
export function filterBody(form: FilterForm): DocumentFilterBody {
  const min = form.amountMin.trim() ? parseMoneyToCents(form.amountMin) : undefined;
  const max = form.amountMax.trim() ? parseMoneyToCents(form.amountMax) : undefined;
  return {
    ...(form.type.length ? { type: DOC_TYPES.filter((x) => form.type.includes(x)) } : {}),
    ...(form.status.length ? { status: DOC_STATUSES.filter((x) => form.status.includes(x)) } : {}),
    ...(form.dateFrom ? { dateFrom: form.dateFrom } : {}),
    ...(form.dateTo ? { dateTo: form.dateTo } : {}),
    ...(form.customerId !== null ? { customerId: form.customerId } : {}),
    ...(form.sent ? { sent: form.sent === 'true' } : {}),
    ...(min !== undefined ? { amountMinCents: min } : {}),
    ...(max !== undefined ? { amountMaxCents: max } : {}),
    ...(form.q.trim() ? { q: form.q.trim() } : {}),
    ...(form.payment === 'open' ? { open: true } : {}),
    ...(form.payment === 'overdue' ? { overdueDays: overdueDaysOf(form) ?? 0 } : {}),
  };
}

/** The same filter as the query string of GET /api/documents. */
export function filterQuery(body: DocumentFilterBody): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (Array.isArray(value)) out[key] = value.join(',');
    else if (value !== undefined) out[key] = String(value);
  }
  return out;
}
