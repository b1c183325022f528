import { Alert, Badge, Button, Code, Group, Loader, Pagination, Paper, Progress, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconCheck, IconDownload, IconPlayerPlay, IconPlayerStop, IconRefresh, IconSend } from '@tabler/icons-react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { ConfirmModal } from '../../components/ConfirmModal';
import { ErrorAlert } from '../../components/ErrorAlert';
import { formatDateTime } from '../../lib/format';
import { useLocale } from '../../lib/hooks';
import { dispatchKey, recipientsKey, useDispatchEvents } from './api';
import { DocumentNumbers } from './issues';
import { DELIVERY_STATES, isFinished, type DeliveryState, type DispatchView, type RecipientDelivery, type RecipientPage } from './types';

export const STATE_COLORS: Record<DeliveryState | 'removed', string> = { queued: 'gray', sending: 'blue', retrying: 'yellow', sent: 'green', bounced: 'grape', failed: 'red', uncertain: 'orange', cancelled: 'gray', removed: 'gray' };
const PAGE_SIZE = 100;
type Tab = 'all' | 'sent' | 'failed' | 'uncertain' | 'retrying' | 'removed';

/** The SMTP server's verdict in words; the reply itself is shown beside it for the technician. */
export function deliveryErrorText(t: TFunction, delivery: Pick<RecipientDelivery, 'errorCode' | 'state'>): string {
  const code = delivery.errorCode ?? (delivery.state === 'failed' ? 'smtp.rejected' : null);
  if (!code) return '';
  return t(`dispatchUi.deliveryError.${code.replace('.', '_')}`, { defaultValue: t('dispatchUi.deliveryError.other', { code }) });
}

const doneCount = (d: DispatchView['deliveries']) => d.sent + d.bounced + d.failed + d.uncertain + d.cancelled;

/** After Senden: a live progress bar (Server-Sent Events), counts per state, then the result. */
export function ProgressView({ dispatch }: { dispatch: DispatchView }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const queryClient = useQueryClient();
  const live = useDispatchEvents(dispatch.id, dispatch.status);
  const d = dispatch.deliveries;
  const done = doneCount(d);
  const finished = isFinished(dispatch.status);
  const percent = d.total === 0 ? 100 : Math.round((done / d.total) * 100);
  const [chosenTab, setTab] = useState<Tab | null>(null);
  const tab: Tab = chosenTab ?? (!finished ? 'all' : d.failed > 0 ? 'failed' : d.uncertain > 0 ? 'uncertain' : 'sent');
  const [page, setPage] = useState(1);
  const [confirm, setConfirm] = useState<null | { kind: 'cancel' } | { kind: 'retry' } | { kind: 'markSent' | 'sendAgain'; deliveryId: number; name: string }>(null);

  const recipients = useQuery({
    queryKey: [...recipientsKey(dispatch.id), 'result', tab, page],
    queryFn: () => {
      const filter = tab === 'removed' ? 'view=removed' : tab === 'all' ? 'view=active' : `view=active&state=${tab}`;
      return api.get<RecipientPage>(`/api/dispatches/${dispatch.id}/recipients?${filter}&page=${page}&pageSize=${PAGE_SIZE}`);
    },
    placeholderData: keepPreviousData,
    refetchInterval: finished ? false : 1500,
  });
  const after = (next: DispatchView) => {
    queryClient.setQueryData(dispatchKey(dispatch.id), next);
    void queryClient.invalidateQueries({ queryKey: recipientsKey(dispatch.id) });
    setConfirm(null);
  };
  const cancel = useMutation({ mutationFn: () => api.post<DispatchView>(`/api/dispatches/${dispatch.id}/cancel`), onSuccess: after });
  const retry = useMutation({
    mutationFn: (includeUncertain: boolean) => api.post<DispatchView & { requeued: number }>(`/api/dispatches/${dispatch.id}/retry`, { includeUncertain }),
    onSuccess: (next) => {
      notifications.show({ message: t('dispatchUi.result.requeued', { count: next.requeued }) });
      setTab('all');
      after(next);
    },
  });
  const resolve = useMutation({
    mutationFn: async (input: { deliveryId: number; again: boolean }) => {
      const next = await api.post<DispatchView>(`/api/dispatches/${dispatch.id}/deliveries/${input.deliveryId}/resolve`, { outcome: input.again ? 'failed' : 'sent' });
      // "Send again": a person decided it did not arrive; the retry puts it back in the queue.
      return input.again ? api.post<DispatchView & { requeued: number }>(`/api/dispatches/${dispatch.id}/retry`, { includeUncertain: false }) : next;
    },
    onSuccess: after,
  });
  const counts: { state: DeliveryState | 'removed'; n: number }[] = [...DELIVERY_STATES.map((s) => ({ state: s, n: d[s] })), { state: 'removed' as const, n: dispatch.recipients.removed }];
  const rows = recipients.data?.items ?? [];
  const tabs = [
    { value: 'all', label: t('dispatchUi.result.tabAll', { count: dispatch.recipients.active }) },
    { value: 'sent', label: t('dispatchUi.result.tabSent', { count: d.sent }) },
    { value: 'failed', label: t('dispatchUi.result.tabFailed', { count: d.failed }) },
    { value: 'uncertain', label: t('dispatchUi.result.tabUncertain', { count: d.uncertain }) },
    ...(d.retrying > 0 ? [{ value: 'retrying', label: t('dispatchUi.result.tabRetrying', { count: d.retrying }) }] : []),
    { value: 'removed', label: t('dispatchUi.result.tabRemoved', { count: dispatch.recipients.removed }) },
  ];

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start">
        <div>
          <Group gap="xs">
            <Title order={2}>{t('dispatchUi.dialog.title', { id: dispatch.id })}</Title>
            <Badge size="lg" variant="light" color={dispatch.status === 'completed' ? (d.failed + d.uncertain > 0 ? 'orange' : 'green') : dispatch.status === 'paused' ? 'orange' : dispatch.status === 'cancelled' ? 'gray' : 'blue'} tt="none" data-testid="dispatch-status">
              {t(`dispatchUi.status.${dispatch.status}`)}
            </Badge>
          </Group>
          <Text c="dimmed" size="sm">
            {t('dispatchUi.result.startedAt', { at: formatDateTime(dispatch.sendRequestedAt ?? dispatch.createdAt, locale) })}
            {dispatch.completedAt ? ` · ${t('dispatchUi.result.completedAt', { at: formatDateTime(dispatch.completedAt, locale) })}` : ''}
          </Text>
        </div>
        <Group gap="xs">
          {!finished && (
            <Button variant="default" color="red" leftSection={<IconPlayerStop size={16} aria-hidden />} onClick={() => setConfirm({ kind: 'cancel' })}>
              {t('dispatchUi.result.cancel')}
            </Button>
          )}
          {d.failed > 0 && (
            <Button leftSection={<IconRefresh size={16} aria-hidden />} onClick={() => setConfirm({ kind: 'retry' })}>
              {t('dispatchUi.result.retryFailed', { count: d.failed })}
            </Button>
          )}
          <Button component="a" href={`/api/dispatches/${dispatch.id}/report.csv`} download variant="default" leftSection={<IconDownload size={16} aria-hidden />}>
            {t('dispatchUi.result.report')}
          </Button>
        </Group>
      </Group>

      <ErrorAlert error={cancel.error ?? retry.error ?? resolve.error ?? recipients.error} />
      {dispatch.status === 'paused' && (
        <Alert color="orange" icon={<IconAlertTriangle size={18} aria-hidden />} title={t('dispatchUi.result.pausedTitle')}>
          <Stack gap={6}>
            <Text size="sm">{dispatch.pausedReason ? deliveryErrorText(t, { errorCode: dispatch.pausedReason, state: 'retrying' }) : ''}</Text>
            {dispatch.pausedMessage && <Code block>{dispatch.pausedMessage}</Code>}
            <Group>
              <Button size="xs" leftSection={<IconPlayerPlay size={14} aria-hidden />} loading={retry.isPending} onClick={() => retry.mutate(false)}>
                {t('dispatchUi.result.resume')}
              </Button>
            </Group>
          </Stack>
        </Alert>
      )}

      <Paper withBorder p="md">
        <Group justify="space-between" mb={6}>
          <Group gap="xs">
            <Title order={3} size="h5">
              {finished ? t('dispatchUi.result.title') : t('dispatchUi.result.progressTitle')}
            </Title>
            {live === 'live' && (
              <Badge size="sm" color="blue" variant="dot" tt="none">
                {t('dispatchUi.result.live')}
              </Badge>
            )}
            {live === 'reconnecting' && <Loader size="xs" aria-label={t('dispatchUi.result.reconnecting')} />}
          </Group>
          <Text size="sm" fw={500} data-testid="dispatch-progress-text">
            {t('dispatchUi.result.progress', { done, total: d.total, percent })}
          </Text>
        </Group>
        <Progress.Root size={22} role="group" aria-label={t('dispatchUi.result.progressTitle')} data-testid="dispatch-progress" data-done={done} data-total={d.total}>
          {d.total > 0 && (
            <>
              <Progress.Section value={(100 * d.sent) / d.total} color="green" animated={!finished} aria-label={`${t('dispatchUi.state.sent')}: ${d.sent}`} />
              <Progress.Section value={(100 * d.failed) / d.total} color="red" aria-label={`${t('dispatchUi.state.failed')}: ${d.failed}`} />
              <Progress.Section value={(100 * d.uncertain) / d.total} color="orange" aria-label={`${t('dispatchUi.state.uncertain')}: ${d.uncertain}`} />
              <Progress.Section value={(100 * d.cancelled) / d.total} color="gray" aria-label={`${t('dispatchUi.state.cancelled')}: ${d.cancelled}`} />
            </>
          )}
        </Progress.Root>
        <Group gap="xs" mt="sm" data-testid="dispatch-counts">
          {counts
            .filter((c) => c.n > 0 || c.state === 'sent' || c.state === 'failed')
            .map((c) => (
              <Badge key={c.state} color={STATE_COLORS[c.state]} variant={c.state === 'removed' ? 'outline' : 'light'} size="lg" tt="none" data-state={c.state} data-count={c.n}>
                {t(`dispatchUi.state.${c.state}`)}: {c.n.toLocaleString(locale === 'de' ? 'de-DE' : 'en-GB')}
              </Badge>
            ))}
        </Group>
      </Paper>

      <Paper withBorder p="md">
        <Group justify="space-between" mb="sm">
          <SegmentedControl
            // Re-measured whenever a count changes its label's width (else the highlight sits beside it).
            key={tabs.map((x) => x.label).join('|')}
            size="xs"
            value={tab}
            onChange={(v) => {
              setTab(v === 'sent' || v === 'failed' || v === 'uncertain' || v === 'retrying' || v === 'removed' ? v : 'all');
              setPage(1);
            }}
            data={tabs}
          />
          {(recipients.data?.total ?? 0) > PAGE_SIZE && <Pagination size="sm" total={Math.ceil((recipients.data?.total ?? 0) / PAGE_SIZE)} value={page} onChange={setPage} />}
        </Group>
        <Table.ScrollContainer minWidth={900}>
          <Table striped verticalSpacing={6} aria-label={t('dispatchUi.result.tableLabel')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('dispatchUi.col.customer')}</Table.Th>
                <Table.Th>{t('dispatchUi.col.email')}</Table.Th>
                <Table.Th>{t('dispatchUi.col.documents')}</Table.Th>
                <Table.Th miw={190}>{t('dispatchUi.col.state')}</Table.Th>
                <Table.Th>{t('dispatchUi.col.serverReply')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={r.customerId} data-customer={r.name}>
                  <Table.Td>
                    <Text size="sm" fw={500} truncate title={r.name} maw="12rem">
                      {r.name}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {r.customerNumber}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" truncate title={r.email ?? undefined} maw="12rem">
                      {r.email ?? '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <DocumentNumbers numbers={r.documents.filter((x) => !x.excluded).map((x) => x.number ?? t('dispatchUi.draftNumber'))} />
                  </Table.Td>
                  <Table.Td>
                    {r.removed ? (
                      <Badge color="gray" variant="outline" tt="none">
                        {t('dispatchUi.state.removed')}
                      </Badge>
                    ) : (
                      <Stack gap={4}>
                        {r.deliveries.map((x) => (
                          <Group key={x.id} gap={6} wrap="nowrap">
                            <Badge color={STATE_COLORS[x.state]} variant="light" tt="none" data-delivery-state={x.state} style={{ flex: 'none', overflow: 'visible' }}>
                              {t(`dispatchUi.state.${x.state}`)}
                            </Badge>
                            <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                              {x.sentAt ? formatDateTime(x.sentAt, locale) : x.attempts > 1 ? t('dispatchUi.result.attempts', { count: x.attempts }) : ''}
                            </Text>
                          </Group>
                        ))}
                      </Stack>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Stack gap={4}>
                      {r.deliveries
                        // A delivery that arrived (or was confirmed by a person) has no problem left to show.
                        .filter((x) => (x.error && x.state !== 'sent') || x.state === 'uncertain')
                        .map((x) => (
                          <Stack key={x.id} gap={2}>
                            <Text size="sm" c={x.state === 'failed' ? 'red.8' : x.state === 'uncertain' ? 'orange.9' : 'yellow.9'}>
                              {x.state === 'uncertain' ? t('dispatchUi.result.uncertainText') : deliveryErrorText(t, x)}
                            </Text>
                            {x.error && (
                              <Text size="xs" c="dimmed" ff="monospace" style={{ wordBreak: 'break-word' }}>
                                {x.error}
                              </Text>
                            )}
                            {x.state === 'uncertain' && x.messageId && (
                              <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }} data-testid="uncertain-evidence">
                                {t('dispatchUi.result.uncertainEvidence', {
                                  messageId: x.messageId,
                                  server: x.server ?? '–',
                                  at: x.lastAttemptAt ? formatDateTime(x.lastAttemptAt, locale) : '–',
                                  attempt: x.attempts,
                                })}
                              </Text>
                            )}
                            {x.state === 'uncertain' && (
                              <Group gap={6}>
                                <Button size="compact-xs" variant="light" color="green" leftSection={<IconCheck size={12} aria-hidden />} onClick={() => setConfirm({ kind: 'markSent', deliveryId: x.id, name: r.name })}>
                                  {t('dispatchUi.result.markSent')}
                                </Button>
                                <Button size="compact-xs" variant="light" color="orange" leftSection={<IconSend size={12} aria-hidden />} onClick={() => setConfirm({ kind: 'sendAgain', deliveryId: x.id, name: r.name })}>
                                  {t('dispatchUi.result.sendAgain')}
                                </Button>
                              </Group>
                            )}
                          </Stack>
                        ))}
                    </Stack>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {recipients.isSuccess && rows.length === 0 && (
          <Text c="dimmed" size="sm" ta="center" py="lg">
            {t('dispatchUi.result.empty')}
          </Text>
        )}
        <Group mt="md">
          <Button component={Link} to="/dispatch" variant="default">
            {t('dispatchUi.result.toHistory')}
          </Button>
          <Button component={Link} to="/evaluations/documents" variant="subtle">
            {t('dispatchUi.result.toEvaluations')}
          </Button>
        </Group>
      </Paper>

      <ConfirmModal
        opened={confirm !== null}
        title={confirm ? t(`dispatchUi.confirm.${confirm.kind}Title`) : ''}
        confirmLabel={confirm ? t(`dispatchUi.confirm.${confirm.kind}Confirm`) : ''}
        color={confirm?.kind === 'cancel' ? 'red' : confirm?.kind === 'sendAgain' ? 'orange' : 'indigo'}
        loading={cancel.isPending || retry.isPending || resolve.isPending}
        onClose={() => setConfirm(null)}
        onConfirm={() => {
          if (!confirm) return;
          if (confirm.kind === 'cancel') cancel.mutate();
          else if (confirm.kind === 'retry') retry.mutate(false);
          else resolve.mutate({ deliveryId: confirm.deliveryId, again: confirm.kind === 'sendAgain' });
        }}
      >
        <Text size="sm">
          {confirm?.kind === 'cancel' && t('dispatchUi.confirm.cancelText', { count: d.queued + d.retrying })}
          {confirm?.kind === 'retry' && t('dispatchUi.confirm.retryText', { count: d.failed })}
          {confirm?.kind === 'markSent' && t('dispatchUi.confirm.markSentText', { name: confirm.name })}
          {confirm?.kind === 'sendAgain' && t('dispatchUi.confirm.sendAgainText', { name: confirm.name })}
        </Text>
        {confirm?.kind === 'sendAgain' && d.failed > 0 && (
          <Text size="sm" c="dimmed">
            {t('dispatchUi.confirm.sendAgainAlsoFailed', { count: d.failed })}
          </Text>
        )}
      </ConfirmModal>
    </Stack>
  );
}
