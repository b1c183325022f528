import { Button, Grid, Group, Modal, NavLink, Paper, ScrollArea, Stack, Text, TextInput } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import type { Template } from '../../api/types';
import { itemsOf } from '../../lib/items';

/** The magnifier's search: templates of kind "Kunden Benachrichtigung", their text previewed beside the list. */
export function TemplateSearch({ opened, onClose, onChoose }: { opened: boolean; onClose: () => void; onChoose: (template: Template) => void }) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const [highlighted, setHighlighted] = useState<Template | null>(null);
  const templates = useQuery({
    queryKey: ['templates', 'customerNotification'],
    queryFn: async () => itemsOf<Template>(await api.get<unknown>('/api/templates?kind=customerNotification&active=true')),
    enabled: opened,
  });
  const list = (templates.data ?? []).filter((tpl) => tpl.name.toLowerCase().includes(q.trim().toLowerCase()));
  const current = highlighted ?? list[0] ?? null;
  return (
    <Modal opened={opened} onClose={onClose} size="xl" title={<Text fw={600}>{t('dispatch.templateSearchTitle')}</Text>}>
      <Grid>
        <Grid.Col span={5}>
          <TextInput leftSection={<IconSearch size={16} aria-hidden />} label={t('dispatch.templateSearch')} value={q} onChange={(e) => setQ(e.currentTarget.value)} data-autofocus />
          <ScrollArea h={320} mt="xs">
            <div role="listbox" aria-label={t('nav.templates')}>
              {list.map((tpl) => (
                <NavLink component="button" key={tpl.id} role="option" aria-selected={current?.id === tpl.id} label={tpl.name} description={tpl.language === 'en' ? 'English' : 'Deutsch'} active={current?.id === tpl.id} onClick={() => setHighlighted(tpl)} onDoubleClick={() => onChoose(tpl)} />
              ))}
              {templates.isSuccess && list.length === 0 && (
                <Text size="sm" c="dimmed" p="sm">
                  {t('dispatch.noTemplates')}
                </Text>
              )}
            </div>
          </ScrollArea>
        </Grid.Col>
        <Grid.Col span={7}>
          <Paper withBorder p="sm" bg="gray.0" h={380}>
            <ScrollArea h={355}>
              {current ? (
                <Stack gap={4}>
                  <Text size="sm" fw={600}>
                    {current.subject}
                  </Text>
                  <pre className="preview-body" data-testid="template-search-preview">
                    {current.body}
                  </pre>
                </Stack>
              ) : (
                <Text size="sm" c="dimmed">
                  {t('dispatch.templatePreviewEmpty')}
                </Text>
              )}
            </ScrollArea>
          </Paper>
        </Grid.Col>
      </Grid>
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={onClose}>
          {t('common.cancel')}
        </Button>
        <Button disabled={!current} onClick={() => current && onChoose(current)}>
          {t('dispatch.chooseTemplate')}
        </Button>
      </Group>
    </Modal>
  );
}
