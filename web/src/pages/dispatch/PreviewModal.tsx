import { Badge, Button, Group, Modal, Paper, ScrollArea, Skeleton, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconMailForward, IconPaperclip } from '@tabler/icons-react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { errorMessage } from '../../lib/errors';
import type { PreviewView } from './types';

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** The exact e-mail one recipient would get: address, subject, body and the attached PDFs. */
export function PreviewModal({ dispatchId, customerId, onClose }: { dispatchId: number; customerId: number | null | 'first'; onClose: () => void }) {
  const { t } = useTranslation();
  const opened = customerId !== null;
  const query = customerId === null || customerId === 'first' ? '' : `?customerId=${customerId}`;
  const preview = useQuery({
    queryKey: ['dispatch-ui', dispatchId, 'preview', customerId],
    queryFn: () => api.get<PreviewView>(`/api/dispatches/${dispatchId}/preview${query}`),
    enabled: opened,
    retry: false,
    staleTime: 0,
  });
  const test = useMutation({
    mutationFn: (id: number) => api.post<{ to: string }>(`/api/dispatches/${dispatchId}/test`, { customerId: id }),
    onSuccess: (result) => notifications.show({ color: 'green', message: t('dispatchUi.preview.testSent', { to: result.to }) }),
    onError: (error) => notifications.show({ color: 'red', message: errorMessage(t, error) }),
  });
  const p = preview.data;
  return (
    <Modal opened={opened} onClose={onClose} size="lg" title={<Text fw={600}>{t('dispatchUi.preview.title')}</Text>}>
      <ErrorAlert error={preview.error} />
      {preview.isPending && opened && <Skeleton h={240} />}
      {p && (
        <Stack gap="xs" data-testid="recipient-preview">
          <Table withRowBorders={false} verticalSpacing={2}>
            <Table.Tbody>
              <Table.Tr>
                <Table.Th w={90}>{t('dispatchUi.preview.to')}</Table.Th>
                <Table.Td>
                  {p.to.name} &lt;{p.to.email ?? '—'}&gt;
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>{t('dispatchUi.preview.subject')}</Table.Th>
                <Table.Td data-testid="preview-subject">{p.subject}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
          <Paper withBorder bg="gray.0" p="sm">
            <ScrollArea.Autosize mah={320}>
              <pre className="preview-body" data-testid="preview-text">
                {p.text}
              </pre>
            </ScrollArea.Autosize>
          </Paper>
          <Text size="sm" fw={500}>
            {t('dispatchUi.preview.attachments', { count: p.attachments.length })}
          </Text>
          <Group gap="xs">
            {p.attachments.map((a) => (
              <Badge key={a.documentId} variant="light" tt="none" leftSection={<IconPaperclip size={12} aria-hidden />}>
                {a.filename} · {size(a.size)}
              </Badge>
            ))}
          </Group>
          <Group justify="flex-end" mt="sm">
            <Button variant="default" leftSection={<IconMailForward size={16} aria-hidden />} loading={test.isPending} onClick={() => test.mutate(p.customerId)}>
              {t('dispatchUi.preview.testToMe')}
            </Button>
            <Button onClick={onClose}>{t('dispatchUi.close')}</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
