import { Anchor, Badge, Button, Paper, Progress } from '@mantine/core';
import { IconSend } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { DataTable } from 'mantine-datatable';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../api/client';
import type { Dispatch, Page } from '../api/types';
import { EmptyState } from '../components/EmptyState';
import { ErrorAlert } from '../components/ErrorAlert';
import { PageHeader } from '../components/PageHeader';
import { formatDateTime } from '../lib/format';
import { useLocale } from '../lib/hooks';

const STATUS_COLORS: Record<string, string> = { draft: 'gray', sending: 'blue', paused: 'orange', completed: 'green', cancelled: 'gray' };

/** Versandaufträge: every dispatch with its result; a running one shows its progress. */
export function DispatchesPage() {
  const { t } = useTranslation();
  const locale = useLocale();
  const navigate = useNavigate();
  const [page, setPage] = useState(1);
  const list = useQuery({
    queryKey: ['dispatches', page],
    queryFn: () => api.get<Page<Dispatch>>(`/api/dispatches?page=${page}&pageSize=25`),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.items.some((d) => d.status === 'sending') ? 2000 : false),
  });
  const empty = list.isSuccess && list.data.total === 0;
  return (
    <>
      <PageHeader title={t('dispatches.title')} description={t('dispatches.description')} />
      <ErrorAlert error={list.error} />
      <Paper withBorder p="md">
        {empty ? (
          <EmptyState
            icon={<IconSend size={26} />}
            title={t('dispatches.emptyTitle')}
            text={t('dispatches.emptyText')}
            action={
              <Button component={Link} to="/documents?type=invoice&status=final&sent=false" variant="light">
                {t('dispatches.toDocuments')}
              </Button>
            }
          />
        ) : (
          <DataTable<Dispatch>
            aria-label={t('dispatches.title')}
            striped
            highlightOnHover
            records={list.data?.items ?? []}
            totalRecords={list.data?.total ?? 0}
            page={page}
            recordsPerPage={25}
            onPageChange={setPage}
            paginationText={({ from, to, totalRecords }) => t('common.paginationText', { from, to, total: totalRecords })}
            fetching={list.isFetching}
            onRowClick={({ record }) => navigate(`/dispatches/${record.id}`)}
            columns={[
              {
                accessor: 'id',
                title: t('dispatches.number'),
                render: (d) => (
                  <Anchor component={Link} to={`/dispatches/${d.id}`} onClick={(e) => e.stopPropagation()}>
                    {t('dispatch.title', { id: d.id })}
                  </Anchor>
                ),
              },
              { accessor: 'createdAt', title: t('dispatches.createdAt'), render: (d) => formatDateTime(d.createdAt, locale) },
              { accessor: 'status', title: t('documents.fields.status'), render: (d) => <Badge color={STATUS_COLORS[d.status]} variant="light" tt="none">{t(`dispatch.status.${d.status}`)}</Badge> },
              { accessor: 'recipients', title: t('dispatch.recipients'), render: (d) => d.recipients.active },
              {
                accessor: 'deliveries',
                title: t('dispatches.result'),
                width: 260,
                render: (d) =>
                  d.deliveries.total === 0 ? (
                    ''
                  ) : (
                    <>
                      <Progress value={(100 * (d.deliveries.sent + d.deliveries.failed + d.deliveries.uncertain + d.deliveries.cancelled)) / d.deliveries.total} size="sm" aria-hidden />
                      {t('dispatches.resultText', { sent: d.deliveries.sent, failed: d.deliveries.failed, total: d.deliveries.total })}
                    </>
                  ),
              },
            ]}
          />
        )}
      </Paper>
    </>
  );
}
