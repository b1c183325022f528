import { Button, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';

export function NotFoundPage({ forbidden = false }: { forbidden?: boolean }) {
  const { t } = useTranslation();
  return (
    <Stack align="flex-start" gap="sm">
      <Title order={2}>{forbidden ? t('notFound.forbiddenTitle') : t('notFound.title')}</Title>
      <Text>{forbidden ? t('notFound.forbiddenText') : t('notFound.text')}</Text>
      <Button component={Link} to="/customers" variant="light">
        {t('notFound.back')}
      </Button>
    </Stack>
  );
}
