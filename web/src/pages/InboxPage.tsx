import { Anchor, Badge, Grid, Group, NavLink, Paper, ScrollArea, Stack, Text, Title } from '@mantine/core';
import { IconInbox, IconPaperclip } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { EmptyState } from '../components/EmptyState';
import { ErrorAlert } from '../components/ErrorAlert';
import { PageHeader } from '../components/PageHeader';
import { formatDateTime } from '../lib/format';
import { useLocale } from '../lib/hooks';
import { itemsOf } from '../lib/items';

interface CaughtMail {
  id: number;
  from: string;
  to: string;
  subject: string;
  receivedAt: string;
  attachments: { index: number; filename: string; contentType: string; size: number }[];
}

interface CaughtMailDetail extends CaughtMail {
  text: string;
}

const recipients = (to: string) => to;

/** Posteingang (demo): what the built-in mail catcher received, so a newcomer sees what customers get. */
export function InboxPage() {
  const { t } = useTranslation();
  const locale = useLocale();
  const [selected, setSelected] = useState<CaughtMail['id'] | null>(null);
  const mails = useQuery({ queryKey: ['dev-mails'], queryFn: async () => itemsOf<CaughtMail>(await api.get<unknown>('/api/dev/mails')), refetchInterval: 5000 });
  const list = mails.data ?? [];
  const current = list.find((m) => m.id === selected) ?? list[0];
  const detail = useQuery({ queryKey: ['dev-mail', current?.id], queryFn: () => api.get<CaughtMailDetail>(`/api/dev/mails/${current?.id ?? 0}`), enabled: current !== undefined });
  return (
    <>
      <PageHeader title={t('inbox.title')} description={t('inbox.description')} />
      <ErrorAlert error={mails.error} />
      {mails.isSuccess && list.length === 0 ? (
        <Paper withBorder p="md">
          <EmptyState icon={<IconInbox size={26} />} title={t('inbox.emptyTitle')} text={t('inbox.emptyText')} />
        </Paper>
      ) : (
        <Grid>
          <Grid.Col span={{ base: 12, md: 4 }}>
            <Paper withBorder>
              <ScrollArea h={600}>
                <nav aria-label={t('inbox.title')}>
                  {list.map((m) => (
                    <NavLink
                      component="button"
                      key={m.id}
                      active={current?.id === m.id}
                      onClick={() => setSelected(m.id)}
                      label={m.subject}
                      description={`${recipients(m.to)} · ${formatDateTime(m.receivedAt, locale)}`}
                      rightSection={m.attachments.length > 0 ? <IconPaperclip size={14} aria-label={t('inbox.hasAttachments')} /> : undefined}
                    />
                  ))}
                </nav>
              </ScrollArea>
            </Paper>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 8 }}>
            {current && (
              <Paper withBorder p="md">
                <Stack gap="xs">
                  <Title order={3} size="h4">
                    {current.subject}
                  </Title>
                  <Text size="sm">
                    <b>{t('inbox.from')}:</b> {current.from}
                  </Text>
                  <Text size="sm">
                    <b>{t('inbox.to')}:</b> {recipients(current.to)}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {formatDateTime(current.receivedAt, locale)}
                  </Text>
                  {current.attachments.length > 0 && (
                    <Group gap="xs">
                      {current.attachments.map((a, i) => (
                        <Badge key={`${a.filename}-${i}`} tt="none" variant="light" leftSection={<IconPaperclip size={12} aria-hidden />} component="span">
                          <Anchor href={`/api/dev/mails/${current.id}/attachments/${a.index}`} target="_blank" size="xs">
                            {a.filename}
                          </Anchor>
                        </Badge>
                      ))}
                    </Group>
                  )}
                  <Paper bg="gray.0" p="sm" withBorder>
                    <pre className="preview-body">{detail.data?.text ?? ''}</pre>
                  </Paper>
                </Stack>
              </Paper>
            )}
          </Grid.Col>
        </Grid>
      )}
    </>
  );
}
