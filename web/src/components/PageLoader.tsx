import { Center, Loader } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** Shown while a page's code is being fetched (pages load on first use). */
export function PageLoader() {
  const { t } = useTranslation();
  return (
    <Center h="50vh">
      <Loader aria-label={t('common.loading')} />
    </Center>
  );
}
