import { Anchor, Button, Checkbox, Group, Paper, TextInput } from '@mantine/core';
import { IconMail, IconMailbox, IconPlus, IconSearch, IconUsers } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { DataTable, type DataTableSortStatus } from 'mantine-datatable';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api, query } from '../../api/client';
import type { Customer, Page } from '../../api/types';
import { EmptyState } from '../../components/EmptyState';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { useDebounced } from '../../lib/useDebounced';

const PAGE_SIZES = [25, 50, 100];
type SortKey = 'number' | 'name' | 'email' | 'city';

function isSortKey(value: string): value is SortKey {
  return value === 'number' || value === 'name' || value === 'email' || value === 'city';
}

export function CustomersPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  // Search and page live in the URL, so "back" from a customer returns to the same list.
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get('q') ?? '');
  const q = useDebounced(search.trim());
  const page = Number(params.get('page') ?? '1') || 1;
  const pageSize = Number(params.get('pageSize') ?? '25') || 25;
  const byPost = params.get('invoiceByPost') === '1';
  const sortParam = params.get('sort') ?? 'number';
  const sort: SortKey = isSortKey(sortParam) ? sortParam : 'number';
  const order = params.get('order') === 'desc' ? 'desc' : 'asc';

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === '') next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
  };

  useEffect(() => {
    if ((params.get('q') ?? '') !== q) update({ q, page: null });
  }, [q]);

  const list = useQuery({
    queryKey: ['customers', { q, page, pageSize, byPost, sort, order }],
    queryFn: () => api.get<Page<Customer>>(`/api/customers${query({ q, page, pageSize, sort, order, invoiceByPost: byPost ? 'true' : undefined })}`),
    placeholderData: keepPreviousData,
  });

  const sortStatus: DataTableSortStatus<Customer> = { columnAccessor: sort === 'name' ? 'displayName' : sort, direction: order };
  const noFilter = !q && !byPost;
  const empty = list.isSuccess && list.data.total === 0;

  return (
    <>
      <PageHeader
        title={t('customers.title')}
        description={t('customers.description')}
        actions={
          <Button component={Link} to="/customers/new" leftSection={<IconPlus size={16} aria-hidden />}>
            {t('customers.new')}
          </Button>
        }
      />
      <Paper withBorder p="md">
        <Group mb="md" align="flex-end">
          <TextInput
            label={t('customers.search')}
            placeholder={t('customers.searchPlaceholder')}
            leftSection={<IconSearch size={16} aria-hidden />}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            w={360}
            maw="100%"
            type="search"
          />
          <Checkbox label={t('customers.onlyByPost')} checked={byPost} onChange={(e) => update({ invoiceByPost: e.currentTarget.checked ? '1' : null, page: null })} mb={8} />
        </Group>
        <ErrorAlert error={list.error} />
        {empty && noFilter ? (
          <EmptyState
            icon={<IconUsers size={26} />}
            title={t('customers.emptyTitle')}
            text={t('customers.emptyText')}
            action={
              <Button component={Link} to="/customers/new" variant="light">
                {t('customers.new')}
              </Button>
            }
          />
        ) : (
          <DataTable<Customer>
            aria-label={t('customers.title')}
            minHeight={empty ? 180 : undefined}
            withTableBorder={false}
            striped
            highlightOnHover
            fetching={list.isFetching}
            records={list.data?.items ?? []}
            totalRecords={list.data?.total ?? 0}
            recordsPerPage={pageSize}
            page={page}
            onPageChange={(p) => update({ page: String(p) })}
            recordsPerPageOptions={PAGE_SIZES}
            onRecordsPerPageChange={(size) => update({ pageSize: String(size), page: null })}
            recordsPerPageLabel={t('common.perPage')}
            paginationText={({ from, to, totalRecords }) => t('common.paginationText', { from, to, total: totalRecords })}
            noRecordsText={t('customers.noMatch')}
            sortStatus={sortStatus}
            onSortStatusChange={(s) => update({ sort: s.columnAccessor === 'displayName' ? 'name' : String(s.columnAccessor), order: s.direction, page: null })}
            onRowClick={({ record }) => navigate(`/customers/${record.id}`)}
            columns={[
              { accessor: 'number', title: t('customers.fields.numberShort'), sortable: true, width: 120, noWrap: true },
              {
                accessor: 'displayName',
                title: t('customers.fields.name'),
                sortable: true,
                render: (c) => (
                  <Anchor component={Link} to={`/customers/${c.id}`} onClick={(e) => e.stopPropagation()}>
                    {c.displayName || t('customers.unnamed')}
                  </Anchor>
                ),
              },
              { accessor: 'email', title: t('customers.fields.email'), sortable: true, render: (c) => c.email ?? '—' },
              { accessor: 'city', title: t('customers.fields.city'), sortable: true, render: (c) => [c.postcode, c.city].filter(Boolean).join(' ') },
              {
                accessor: 'invoiceByPost',
                title: t('customers.fields.invoiceByPost'),
                width: 190,
                noWrap: true,
                render: (c) =>
                  c.invoiceByPost ? (
                    <Group gap={4}>
                      <IconMailbox size={16} aria-hidden />
                      {t('common.yes')}
                    </Group>
                  ) : c.email ? (
                    <Group gap={4} c="dimmed">
                      <IconMail size={16} aria-hidden />
                      {t('customers.byEmail')}
                    </Group>
                  ) : (
                    ''
                  ),
              },
            ]}
          />
        )}
      </Paper>
    </>
  );
}
