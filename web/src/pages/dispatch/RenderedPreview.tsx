import { ActionIcon, Alert, Group, ScrollArea, Skeleton, Stack, Text } from '@mantine/core';
import { IconChevronLeft, IconChevronRight } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, query } from '../../api/client';
import { errorMessage } from '../../lib/errors';
import { dispatchKey } from './api';
import type { PreviewView } from './types';

/**
 * What the customer reads: the template's subject and text rendered for a real recipient of this
 * dispatch (the first who can be e-mailed; ‹ › steps through them), exactly as the worker renders
 * it. The Liquid source stays in the template editor; it shows here only when no recipient can
 * be e-mailed yet.
 */
export function RenderedPreview({ dispatchId, templateId, source, testId, height }: { dispatchId: number; templateId: number; source: { subject: string; body: string } | undefined; testId: string; height: number }) {
  const { t } = useTranslation();
  const [customerId, setCustomerId] = useState<number | null>(null);
  const preview = useQuery({
    queryKey: [...dispatchKey(dispatchId), 'rendered', templateId, customerId],
    queryFn: () => api.get<PreviewView>(`/api/dispatches/${dispatchId}/preview${query({ templateId, customerId })}`),
    retry: false,
  });
  const p = preview.data;
  const error = preview.error;
  if (preview.isPending) return <Skeleton h={height / 2} />;
  if (error instanceof ApiError && error.status === 404 && source) {
    // Nobody can be e-mailed yet (all rows red): the template's own text, said as such.
    return (
      <Stack gap={6}>
        <Text size="xs" c="dimmed">
          {t('dispatchUi.template.noRecipientYet')}
        </Text>
        <Text size="sm" fw={600} data-testid={`${testId}-subject`}>
          {source.subject}
        </Text>
        <ScrollArea.Autosize mah={height}>
          <pre className="preview-body" style={{ fontSize: 13 }} data-testid={testId}>
            {source.body}
          </pre>
        </ScrollArea.Autosize>
      </Stack>
    );
  }
  if (error || !p) {
    return (
      <Alert color="red" variant="light" p="xs" data-testid={`${testId}-error`}>
        {errorMessage(t, error)}
      </Alert>
    );
  }
  const index = p.candidates.indexOf(p.customerId);
  const step = (delta: number) => {
    const next = p.candidates[index + delta];
    if (next !== undefined) setCustomerId(next);
  };
  return (
    <Stack gap={6}>
      <Group gap={4} wrap="nowrap" justify="space-between">
        <Text size="xs" c="dimmed" data-testid={`${testId}-recipient`} truncate>
          {t('dispatchUi.template.renderedFor', { name: p.to.name, n: index + 1, count: p.candidates.length })}
        </Text>
        <Group gap={2} wrap="nowrap">
          <ActionIcon size="sm" variant="subtle" aria-label={t('dispatchUi.template.previousRecipient')} disabled={index <= 0} onClick={() => step(-1)}>
            <IconChevronLeft size={14} />
          </ActionIcon>
          <ActionIcon size="sm" variant="subtle" aria-label={t('dispatchUi.template.nextRecipient')} disabled={index < 0 || index >= p.candidates.length - 1} onClick={() => step(1)}>
            <IconChevronRight size={14} />
          </ActionIcon>
        </Group>
      </Group>
      <Text size="sm" fw={600} data-testid={`${testId}-subject`}>
        {p.subject}
      </Text>
      <ScrollArea.Autosize mah={height}>
        <pre className="preview-body" style={{ fontSize: 13 }} data-testid={testId}>
          {p.text}
        </pre>
      </ScrollArea.Autosize>
    </Stack>
  );
}
