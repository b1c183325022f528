import { Alert, Badge, Button, Grid, Group, Modal, Paper, ScrollArea, Stack, Text, TextInput, UnstyledButton } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import type { Template } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { itemsOf } from '../../lib/items';
import { RenderedPreview } from './RenderedPreview';

/**
 * The magnifier's search (Lupe): templates of kind "Kunden Benachrichtigung", the highlighted
 * one's text previewed beside the list; a click highlights, "Übernehmen" or a double click chooses.
 */
export function TemplatePicker({ dispatchId, languages, opened, currentId, onClose, onChoose }: { dispatchId: number; languages: { de: number; en: number } | null; opened: boolean; currentId: number | null; onClose: () => void; onChoose: (template: Template) => void }) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const [highlightedId, setHighlightedId] = useState<number | null>(null);
  const templates = useQuery({
    queryKey: ['dispatch-ui', 'templates'],
    queryFn: async () => itemsOf<Template>(await api.get<unknown>('/api/templates?kind=customerNotification&active=true')),
    enabled: opened,
  });
  const needle = q.trim().toLowerCase();
  const list = (templates.data ?? []).filter((tpl) => !needle || tpl.name.toLowerCase().includes(needle) || tpl.subject.toLowerCase().includes(needle));
  // Nothing chosen yet: the first template in the language most of this dispatch's customers read.
  const majority = languages && languages.en > languages.de ? 'en' : 'de';
  const highlighted = list.find((tpl) => tpl.id === (highlightedId ?? currentId)) ?? list.find((tpl) => tpl.language === majority) ?? list[0] ?? null;
  const otherLanguage = highlighted && languages ? (highlighted.language === 'en' ? languages.de : languages.en) : 0;
  return (
    <Modal opened={opened} onClose={onClose} size="70rem" title={<Text fw={600}>{t('dispatchUi.template.searchTitle')}</Text>}>
      <ErrorAlert error={templates.error} />
      <Grid>
        <Grid.Col span={{ base: 12, sm: 5 }}>
          <TextInput leftSection={<IconSearch size={16} aria-hidden />} label={t('dispatchUi.template.search')} value={q} onChange={(e) => setQ(e.currentTarget.value)} data-autofocus />
          <Text size="xs" c="dimmed" mt={4}>
            {t('dispatchUi.template.kindHint')}
          </Text>
          <ScrollArea h={340} mt="xs">
            <Stack gap={4} role="listbox" aria-label={t('dispatchUi.template.list')}>
              {list.map((tpl) => {
                const active = highlighted?.id === tpl.id;
                return (
                  <UnstyledButton
                    key={tpl.id}
                    role="option"
                    aria-selected={active}
                    onClick={() => setHighlightedId(tpl.id)}
                    onDoubleClick={() => onChoose(tpl)}
                    p="xs"
                    style={{ borderRadius: 4, background: active ? 'var(--mantine-color-indigo-1)' : undefined, border: '1px solid var(--mantine-color-gray-3)' }}
                  >
                    <Group justify="space-between" wrap="nowrap">
                      <Text size="sm" fw={active ? 600 : 400}>
                        {tpl.name}
                      </Text>
                      <Badge size="xs" variant="light" color="gray">
                        {tpl.language.toUpperCase()}
                      </Badge>
                    </Group>
                    <Text size="xs" c="dimmed" truncate>
                      {tpl.subject}
                    </Text>
                  </UnstyledButton>
                );
              })}
              {templates.isSuccess && list.length === 0 && (
                <Text size="sm" c="dimmed" p="sm">
                  {t('dispatchUi.template.none')}{' '}
                  <Link to="/templates/new">{t('dispatchUi.template.create')}</Link>
                </Text>
              )}
            </Stack>
          </ScrollArea>
        </Grid.Col>
        <Grid.Col span={{ base: 12, sm: 7 }}>
          <Paper withBorder p="sm" bg="gray.0" h={420} role="region" aria-label={t('dispatchUi.template.preview')}>
            <Text size="xs" c="dimmed" mb={4}>
              {t('dispatchUi.template.preview')}
            </Text>
            <ScrollArea h={380}>
              {highlighted ? (
                // The text as this dispatch's customers will read it, not the template's placeholders.
                <RenderedPreview key={highlighted.id} dispatchId={dispatchId} templateId={highlighted.id} source={highlighted} testId="template-picker-preview" height={330} />
              ) : (
                <Text size="sm" c="dimmed">
                  {t('dispatchUi.template.previewEmpty')}
                </Text>
              )}
            </ScrollArea>
          </Paper>
        </Grid.Col>
      </Grid>
      {otherLanguage > 0 && (
        <Alert color="yellow" variant="light" mt="sm" p="xs" data-testid="template-language-warning">
          {t('dispatchUi.template.languageMismatch', { count: otherLanguage })}
        </Alert>
      )}
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={onClose}>
          {t('common.cancel')}
        </Button>
        <Button disabled={!highlighted} onClick={() => highlighted && onChoose(highlighted)}>
          {t('dispatchUi.template.choose')}
        </Button>
      </Group>
    </Modal>
  );
}
