import { Alert, Anchor, Badge, Button, Group, Pagination, Paper, Progress, SegmentedControl, Table, Text } from '@mantine/core';
import { IconDownload, IconSend } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../../api/client';
import { EmptyState } from '../../components/EmptyState';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { formatDateTime } from '../../lib/format';
import { useLocale } from '../../lib/hooks';
import { isFinished, type DispatchView } from './types';

const PAGE_SIZE = 25;

/** Versandaufträge: every dispatch with its result; running ones refresh by themselves. */
export function DispatchHistoryPage() {
  const { t } = useTranslation();
  const locale = useLocale();
  const navigate = useNavigate();
  const [page, setPage] = useState(1);
  // Drafts (nothing sent yet) apart from sent jobs.
  const [kind, setKind] = useState<'sent' | 'drafts'>('sent');
  const list = useQuery({
    queryKey: ['dispatch-ui', 'history', kind, page],
    queryFn: () => api.get<{ items: DispatchView[]; total: number; staleDrafts: number; staleDays: number }>(`/api/dispatches?kind=${kind}&page=${page}&pageSize=${PAGE_SIZE}`),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.items.some((d) => d.status === 'sending') ? 2000 : false),
  });
  const other = useQuery({
    queryKey: ['dispatch-ui', 'history', kind === 'sent' ? 'drafts' : 'sent', 'count'],
    queryFn: () => api.get<{ total: number }>(`/api/dispatches?kind=${kind === 'sent' ? 'drafts' : 'sent'}&page=1&pageSize=1`),
  });
  const items = list.data?.items ?? [];
  const counts = { sent: kind === 'sent' ? list.data?.total : other.data?.total, drafts: kind === 'drafts' ? list.data?.total : other.data?.total };
  const everEmpty = list.isSuccess && other.isSuccess && list.data.total === 0 && other.data.total === 0;
  const number = (n: number) => n.toLocaleString(locale === 'de' ? 'de-DE' : 'en-GB');
  return (
    <>
      <PageHeader title={t('dispatchUi.history.title')} description={t('dispatchUi.history.description')} />
      <ErrorAlert error={list.error} />
      <Paper withBorder p="md">
        <Group justify="space-between" mb="sm">
          <SegmentedControl
            key={`${counts.sent ?? ''}|${counts.drafts ?? ''}`}
            size="xs"
            value={kind}
            onChange={(next) => {
              setKind(next === 'drafts' ? 'drafts' : 'sent');
              setPage(1);
            }}
            data={[
              { value: 'sent', label: t('dispatchUi.history.tabSent', { count: counts.sent ?? 0 }) },
              { value: 'drafts', label: t('dispatchUi.history.tabDrafts', { count: counts.drafts ?? 0 }) },
            ]}
          />
        </Group>
        {(list.data?.staleDrafts ?? 0) > 0 && (
          <Alert color="yellow" variant="light" mb="sm" p="xs" data-testid="stale-drafts">
            {t('dispatchUi.history.staleHint', { count: list.data?.staleDrafts ?? 0, days: list.data?.staleDays ?? 30 })}
          </Alert>
        )}
        {everEmpty ? (
          <EmptyState
            icon={<IconSend size={26} />}
            title={t('dispatchUi.history.emptyTitle')}
            text={t('dispatchUi.history.emptyText')}
            action={
              <Button component={Link} to="/evaluations/documents" variant="light">
                {t('dispatchUi.history.toEvaluations')}
              </Button>
            }
          />
        ) : (
          <>
            <Table.ScrollContainer minWidth={860}>
              <Table highlightOnHover verticalSpacing="xs" aria-label={t('dispatchUi.history.title')}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('dispatchUi.history.number')}</Table.Th>
                    <Table.Th>{t(kind === 'drafts' ? 'dispatchUi.history.createdAtDraft' : 'dispatchUi.history.createdAt')}</Table.Th>
                    <Table.Th>{t('dispatchUi.history.status')}</Table.Th>
                    <Table.Th>{t('dispatchUi.history.recipients')}</Table.Th>
                    <Table.Th w={300}>{t('dispatchUi.history.result')}</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.map((d) => {
                    const x = d.deliveries;
                    const done = x.sent + x.failed + x.uncertain + x.cancelled;
                    return (
                      <Table.Tr key={d.id} style={{ cursor: 'pointer' }} onClick={() => navigate(`/dispatch/${d.id}`)} data-dispatch={d.id}>
                        <Table.Td>
                          <Anchor component={Link} to={`/dispatch/${d.id}`} onClick={(e) => e.stopPropagation()}>
                            {t('dispatchUi.dialog.title', { id: d.id })}
                          </Anchor>
                        </Table.Td>
                        {/* A draft was created, not started: it shows no "Gestartet" time. */}
                        <Table.Td>{formatDateTime(d.status === 'draft' ? d.createdAt : (d.sendRequestedAt ?? d.createdAt), locale)}</Table.Td>
                        <Table.Td>
                          <Group gap={4} wrap="nowrap">
                            <Badge variant="light" tt="none" color={d.status === 'completed' ? (x.failed + x.uncertain > 0 ? 'orange' : 'green') : d.status === 'sending' ? 'blue' : d.status === 'paused' ? 'orange' : 'gray'}>
                              {t(`dispatchUi.status.${d.status}`)}
                            </Badge>
                            {d.stale && (
                              <Badge variant="outline" color="yellow" tt="none" data-testid="stale-badge">
                                {t('dispatchUi.history.stale')}
                              </Badge>
                            )}
                          </Group>
                        </Table.Td>
                        <Table.Td>
                          {number(d.recipients.active)}
                          {d.recipients.removed > 0 && (
                            <Text span size="xs" c="dimmed">
                              {' '}
                              {t('dispatchUi.history.removed', { count: d.recipients.removed })}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>
                          {x.total > 0 ? (
                            <>
                              <Progress.Root size="sm" aria-hidden>
                                <Progress.Section value={(100 * x.sent) / x.total} color="green" animated={!isFinished(d.status)} />
                                <Progress.Section value={(100 * x.failed) / x.total} color="red" />
                                <Progress.Section value={(100 * x.uncertain) / x.total} color="orange" />
                              </Progress.Root>
                              <Text size="xs" mt={2}>
                                {t('dispatchUi.history.resultText', { sent: number(x.sent), failed: number(x.failed), uncertain: number(x.uncertain), done: number(done), total: number(x.total) })}
                              </Text>
                            </>
                          ) : (
                            <Text size="xs" c="dimmed">
                              {t('dispatchUi.history.notStarted')}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td onClick={(e) => e.stopPropagation()}>
                          {d.status !== 'draft' && (
                            <Anchor href={`/api/dispatches/${d.id}/report.csv`} download size="sm">
                              <Group gap={4} wrap="nowrap">
                                <IconDownload size={14} aria-hidden />
                                {t('dispatchUi.history.csv')}
                              </Group>
                            </Anchor>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            {(list.data?.total ?? 0) > PAGE_SIZE && (
              <Group justify="flex-end" mt="sm">
                <Pagination size="sm" total={Math.ceil((list.data?.total ?? 0) / PAGE_SIZE)} value={page} onChange={setPage} />
              </Group>
            )}
          </>
        )}
      </Paper>
    </>
  );
}
