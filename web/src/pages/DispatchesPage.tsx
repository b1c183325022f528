import { Button, Paper } from '@mantine/core';
import { IconSend } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/PageHeader';

/** Versandaufträge: the history of dispatches (filled in by web issue part 2 on the dispatch API). */
export function DispatchesPage() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t('dispatches.title')} description={t('dispatches.description')} />
      <Paper withBorder p="md">
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
      </Paper>
    </>
  );
}
