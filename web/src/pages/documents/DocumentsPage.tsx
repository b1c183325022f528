import { Anchor, Button, Group, MultiSelect, Paper, Select, TextInput } from '@mantine/core';
import { IconFilePlus, IconFileText, IconRefresh, IconSearch, IconSend } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { DataTable, type DataTableSortStatus } from 'mantine-datatable';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api, query } from '../../api/client';
import type { DocumentListItem, Page } from '../../api/types';
import { EmptyState } from '../../components/EmptyState';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { StatusBadge } from '../../components/StatusBadge';
import { formatDate, formatDateTime, formatMoney } from '../../lib/format';
import { useLocale } from '../../lib/hooks';

const SORTS = ['issueDate', 'number', 'customer', 'total', 'status', 'lastSentAt'] as const;
type Sort = (typeof SORTS)[number];
const isSort = (v: string): v is Sort => SORTS.some((s) => s === v);
const ACCESSOR_TO_SORT: Record<string, Sort> = { issueDate: 'issueDate', number: 'number', customerName: 'customer', grossCents: 'total', status: 'status', lastSentAt: 'lastSentAt' };
const SORT_TO_ACCESSOR: Record<Sort, string> = { issueDate: 'issueDate', number: 'number', customer: 'customerName', total: 'grossCents', status: 'status', lastSentAt: 'lastSentAt' };

interface Filter {
  type: string[];
  status: string[];
  dateFrom: string;
  dateTo: string;
  sent: string;
  q: string;
}

function filterFromParams(params: URLSearchParams): Filter {
  const list = (key: string) => (params.get(key) ?? '').split(',').filter(Boolean);
  return { type: list('type'), status: list('status'), dateFrom: params.get('dateFrom') ?? '', dateTo: params.get('dateTo') ?? '', sent: params.get('sent') ?? '', q: params.get('q') ?? '' };
}

/** Dokumente: where invoices and quotes are written (list, "Neue Rechnung"); sending lives in Auswertungen → Rechnungen, Angebote. */
export function DocumentsPage() {
  const { t } = useTranslation();
  const locale = useLocale();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const applied = filterFromParams(params);
  const [draft, setDraft] = useState<Filter>(applied);
  const page = Number(params.get('page') ?? '1') || 1;
  const pageSize = Number(params.get('pageSize') ?? '50') || 50;
  const sortParam = params.get('sort') ?? 'issueDate';
  const sort: Sort = isSort(sortParam) ? sortParam : 'issueDate';
  const order = params.get('order') === 'asc' ? 'asc' : 'desc';

  const setParam = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === '') next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
  };

  const list = useQuery({
    queryKey: ['documents', 'list', applied, page, pageSize, sort, order],
    queryFn: () =>
      api.get<Page<DocumentListItem>>(
        `/api/documents${query({ type: applied.type, status: applied.status, dateFrom: applied.dateFrom, dateTo: applied.dateTo, sent: applied.sent, q: applied.q.trim(), page, pageSize, sort, order })}`,
      ),
    placeholderData: keepPreviousData,
  });

  const load = (e: FormEvent) => {
    e.preventDefault();
    setParam({ type: draft.type.join(','), status: draft.status.join(','), dateFrom: draft.dateFrom, dateTo: draft.dateTo, sent: draft.sent, q: draft.q.trim(), page: null });
    void list.refetch();
  };

  const sortStatus: DataTableSortStatus<DocumentListItem> = { columnAccessor: SORT_TO_ACCESSOR[sort], direction: order };
  const nothingAtAll = list.isSuccess && list.data.total === 0 && !applied.q && applied.type.length === 0 && applied.status.length === 0 && !applied.dateFrom && !applied.dateTo && !applied.sent;

  return (
    <>
      <PageHeader
        title={t('documents.title')}
        description={t('documents.description')}
        actions={
          <>
            <Button component={Link} to="/evaluations/documents" variant="subtle" leftSection={<IconSend size={16} aria-hidden />}>
              {t('documents.toEvaluations')}
            </Button>
            <Button component={Link} to="/documents/new?type=quote" variant="light" leftSection={<IconFilePlus size={16} aria-hidden />}>
              {t('documents.newQuote')}
            </Button>
            <Button component={Link} to="/documents/new?type=invoice" leftSection={<IconFilePlus size={16} aria-hidden />}>
              {t('documents.newInvoice')}
            </Button>
          </>
        }
      />
      <Paper withBorder p="md" mb="md" component="form" onSubmit={load} aria-label={t('documents.filter')}>
        <Group align="flex-end" gap="sm">
          <MultiSelect
            label={t('documents.fields.type')}
            w={230}
            data={(['invoice', 'quote', 'creditNote'] as const).map((v) => ({ value: v, label: t(`documents.type.${v}`) }))}
            value={draft.type}
            onChange={(v) => setDraft((d) => ({ ...d, type: v }))}
            placeholder={t('documents.all')}
            clearable
          />
          <MultiSelect
            label={t('documents.fields.status')}
            w={220}
            data={(['draft', 'final', 'cancelled'] as const).map((v) => ({ value: v, label: t(`documents.status.${v}`) }))}
            value={draft.status}
            onChange={(v) => setDraft((d) => ({ ...d, status: v }))}
            placeholder={t('documents.all')}
            clearable
          />
          <TextInput type="date" label={t('documents.dateFrom')} value={draft.dateFrom} onChange={(e) => setDraft((d) => ({ ...d, dateFrom: e.currentTarget.value }))} />
          <TextInput type="date" label={t('documents.dateTo')} value={draft.dateTo} onChange={(e) => setDraft((d) => ({ ...d, dateTo: e.currentTarget.value }))} />
          <Select
            label={t('documents.sentFilter')}
            w={150}
            data={[
              { value: '', label: t('documents.all') },
              { value: 'false', label: t('documents.notSent') },
              { value: 'true', label: t('documents.sent') },
            ]}
            value={draft.sent}
            onChange={(v) => setDraft((d) => ({ ...d, sent: v ?? '' }))}
            allowDeselect={false}
          />
          <TextInput
            label={t('documents.search')}
            placeholder={t('documents.searchPlaceholder')}
            leftSection={<IconSearch size={16} aria-hidden />}
            value={draft.q}
            onChange={(e) => setDraft((d) => ({ ...d, q: e.currentTarget.value }))}
            w={240}
          />
          <Button type="submit" leftSection={<IconRefresh size={16} aria-hidden />} loading={list.isFetching}>
            {t('documents.load')}
          </Button>
        </Group>
      </Paper>
      <ErrorAlert error={list.error} />
      <Paper withBorder p="md">
        {nothingAtAll ? (
          <EmptyState
            icon={<IconFileText size={26} />}
            title={t('documents.emptyTitle')}
            text={t('documents.emptyText')}
            action={
              <Button component={Link} to="/documents/new?type=invoice" variant="light">
                {t('documents.newInvoice')}
              </Button>
            }
          />
        ) : (
          <DataTable<DocumentListItem>
            aria-label={t('documents.title')}
            minHeight={list.data?.items.length ? undefined : 180}
            striped
            highlightOnHover
            fetching={list.isFetching}
            records={list.data?.items ?? []}
            totalRecords={list.data?.total ?? 0}
            page={page}
            recordsPerPage={pageSize}
            onPageChange={(p) => setParam({ page: String(p) })}
            recordsPerPageOptions={[25, 50, 100, 200]}
            onRecordsPerPageChange={(s) => setParam({ pageSize: String(s), page: null })}
            recordsPerPageLabel={t('common.perPage')}
            paginationText={({ from, to, totalRecords }) => t('common.paginationText', { from, to, total: totalRecords })}
            noRecordsText={t('documents.noMatch')}
            sortStatus={sortStatus}
            onSortStatusChange={(s) => setParam({ sort: ACCESSOR_TO_SORT[String(s.columnAccessor)] ?? 'issueDate', order: s.direction, page: null })}
            onRowClick={({ record }) => navigate(`/documents/${record.id}`)}
            columns={[
              {
                accessor: 'number',
                title: t('documents.fields.number'),
                sortable: true,
                render: (d) => (
                  <Anchor component={Link} to={`/documents/${d.id}`} onClick={(e) => e.stopPropagation()} style={{ whiteSpace: "nowrap" }}>
                    {d.number ?? t('documents.draftNumber')}
                  </Anchor>
                ),
              },
              { accessor: 'type', title: t('documents.fields.type'), render: (d) => t(`documents.type.${d.type}`) },
              { accessor: 'issueDate', title: t('documents.fields.issueDate'), sortable: true, render: (d) => formatDate(d.issueDate, locale) },
              { accessor: 'customerName', title: t('documents.fields.customer'), sortable: true },
              { accessor: 'grossCents', title: t('documents.fields.total'), textAlign: 'right', sortable: true, render: (d) => <span className="money">{formatMoney(d.grossCents, locale)}</span> },
              { accessor: 'status', title: t('documents.fields.status'), sortable: true, render: (d) => <StatusBadge status={d.status} /> },
              { accessor: 'lastSentAt', title: t('documents.fields.lastSent'), sortable: true, render: (d) => (d.lastSentAt ? formatDateTime(d.lastSentAt, locale) : '') },
            ]}
          />
        )}
      </Paper>
    </>
  );
}
