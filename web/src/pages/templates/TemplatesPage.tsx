import { Anchor, Badge, Button, Paper, Table, Text } from '@mantine/core';
import { IconPlus, IconTemplate } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import type { Template } from '../../api/types';
import { useUser } from '../../auth/session';
import { EmptyState } from '../../components/EmptyState';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { itemsOf } from '../../lib/items';

/** Stammdaten → Dokumentvorlagen. */
export function TemplatesPage() {
  const { t } = useTranslation();
  const { isAdmin } = useUser();
  const templates = useQuery({ queryKey: ['templates'], queryFn: async () => itemsOf<Template>(await api.get<unknown>('/api/templates')) });
  const newButton = isAdmin && (
    <Button component={Link} to="/templates/new" leftSection={<IconPlus size={16} aria-hidden />}>
      {t('templates.new')}
    </Button>
  );
  return (
    <>
      <PageHeader title={t('templates.title')} description={t('templates.description')} actions={newButton} />
      <ErrorAlert error={templates.error} />
      <Paper withBorder p="md">
        {templates.data && templates.data.length === 0 ? (
          <EmptyState icon={<IconTemplate size={26} />} title={t('templates.emptyTitle')} text={isAdmin ? t('templates.emptyText') : t('templates.emptyTextStaff')} action={newButton} />
        ) : (
          <Table striped highlightOnHover aria-label={t('templates.title')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('templates.fields.name')}</Table.Th>
                <Table.Th>{t('templates.fields.kind')}</Table.Th>
                <Table.Th>{t('templates.fields.language')}</Table.Th>
                <Table.Th>{t('templates.fields.subject')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(templates.data ?? []).map((tpl) => (
                <Table.Tr key={tpl.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/templates/${tpl.id}`}>
                      {tpl.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light">{t(`templates.kinds.${tpl.kind}`, { defaultValue: tpl.kind })}</Badge>
                  </Table.Td>
                  <Table.Td>{tpl.language === 'en' ? 'English' : 'Deutsch'}</Table.Td>
                  <Table.Td>
                    <Text size="sm" truncate maw={420}>
                      {tpl.subject}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Paper>
    </>
  );
}
