import { Button, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { usePageTitle } from '../lib/hooks';

export function NotFoundPage({ forbidden = false }: { forbidden?: boolean }) {
  const { t } = useTranslation();
  const title = forbidden ? t('notFound.forbiddenTitle') : t('notFound.title');
  usePageTitle(title);
  return (
    <Stack align="flex-start" gap="sm">
      <Title order={2}>{title}</Title>
      <Text>{forbidden ? t('notFound.forbiddenText') : t('notFound.text')}</Text>
      <Button component={Link} to="/customers" variant="light">
        {t('notFound.back')}
      </Button>
    </Stack>
  );
}
