import { Anchor, Badge, Code, Group, Paper, Skeleton, Stack, Table, Text, Title } from '@mantine/core';
import { IconMailOff } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import type { DocumentSend } from '../../api/types';
import { Email } from '../../components/Email';
import { ErrorAlert } from '../../components/ErrorAlert';
import { formatDateTime } from '../../lib/format';
import { useLocale } from '../../lib/hooks';
import { deliveryErrorText, STATE_COLORS } from '../dispatch/ProgressView';
import { DELIVERY_STATES, type DeliveryState } from '../dispatch/types';

const isDeliveryState = (v: string): v is DeliveryState => DELIVERY_STATES.some((s) => s === v);

export const sendHistoryKey = (documentId: number) => ['document', documentId, 'sends'] as const;

/**
 * A document's send history (GET /api/documents/:id/sends, newest first): when, to whom, in which
 * state, with which message id, and the dispatch it belonged to.
 */
export function SendHistory({ documentId, compact = false }: { documentId: number; compact?: boolean }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const sends = useQuery({ queryKey: sendHistoryKey(documentId), queryFn: () => api.get<{ items: DocumentSend[] }>(`/api/documents/${documentId}/sends`) });
  const items = sends.data?.items ?? [];

  const body = sends.isPending ? (
    <Skeleton h={60} />
  ) : sends.error ? (
    <ErrorAlert error={sends.error} />
  ) : items.length === 0 ? (
    <Group gap="xs" c="dimmed" py={compact ? 4 : 'sm'} role="status" data-testid="send-history-empty">
      <IconMailOff size={18} aria-hidden />
      <Text size="sm">{t('documents.sendHistory.empty')}</Text>
    </Group>
  ) : (
    <Table.ScrollContainer minWidth={760}>
      <Table striped verticalSpacing={6} aria-label={t('documents.sendHistory.title')} data-testid="send-history">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('documents.sendHistory.when')}</Table.Th>
            <Table.Th>{t('documents.sendHistory.to')}</Table.Th>
            <Table.Th>{t('documents.sendHistory.state')}</Table.Th>
            <Table.Th>{t('documents.sendHistory.messageId')}</Table.Th>
            <Table.Th>{t('documents.sendHistory.dispatch')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((s) => {
            const state = isDeliveryState(s.state) ? s.state : null;
            const at = s.sentAt ?? s.lastAttemptAt ?? s.createdAt;
            // In words, as on the dispatch's result page; the server's own reply is shown below it.
            const problem = s.state === 'uncertain' ? t('dispatchUi.result.uncertainText') : s.state === 'sent' ? '' : deliveryErrorText(t, s);
            const reply = s.errorMessage ?? (s.state === 'sent' ? null : s.smtpResponse);
            return (
              <Table.Tr key={s.deliveryId} data-delivery={s.deliveryId} data-state={s.state}>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  <Text size="sm">{formatDateTime(at, locale)}</Text>
                  {!s.sentAt && (
                    <Text size="xs" c="dimmed">
                      {s.lastAttemptAt ? t('documents.sendHistory.lastAttempt') : t('documents.sendHistory.created')}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    <Email address={s.to} />
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Stack gap={2} align="flex-start">
                    <Badge color={state ? STATE_COLORS[state] : 'gray'} variant="light" tt="none" style={{ flex: 'none', overflow: 'visible' }}>
                      {t(`dispatchUi.state.${s.state}`, { defaultValue: s.state })}
                    </Badge>
                    {s.attempts > 1 && (
                      <Text size="xs" c="dimmed">
                        {t('dispatchUi.result.attempts', { count: s.attempts })}
                      </Text>
                    )}
                    {problem && (
                      <Text size="xs" c="orange.9" maw={320}>
                        {problem}
                      </Text>
                    )}
                    {reply && (
                      <Text size="xs" c="dimmed" ff="monospace" maw={320} style={{ wordBreak: 'break-word' }}>
                        {reply}
                      </Text>
                    )}
                  </Stack>
                </Table.Td>
                <Table.Td>
                  {s.messageId ? (
                    <Code style={{ wordBreak: 'break-all' }} data-testid="send-message-id">
                      {s.messageId}
                    </Code>
                  ) : (
                    <Text size="sm" c="dimmed">
                      —
                    </Text>
                  )}
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  <Anchor component={Link} to={`/dispatch/${s.dispatchId}`} size="sm">
                    {t('documents.sendHistory.dispatchLink', { id: s.dispatchId })}
                  </Anchor>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );

  if (compact) return <div data-testid={`send-history-${documentId}`}>{body}</div>;
  return (
    <Paper withBorder p="md">
      <Title order={3} size="h5" mb="xs">
        {t('documents.sendHistory.title')}
        {items.length > 0 ? ` (${items.length})` : ''}
      </Title>
      {body}
    </Paper>
  );
}
