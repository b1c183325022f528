import { Alert, Button, Group, Text } from '@mantine/core';
import { IconMailOff } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import type { Customer } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { formatDate } from '../../lib/format';
import { useLocale } from '../../lib/hooks';

/** "E-Mail unzustellbar seit …" under the customer's address, with the way to clear it. */
export function EmailBounceNotice({ customer }: { customer: Customer }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const queryClient = useQueryClient();
  const clear = useMutation({
    mutationFn: () => api.send('DELETE', `/api/customers/${customer.id}/email-bounce`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['customer', customer.id] }),
  });
  if (!customer.emailBounce) return null;
  return (
    <Alert color="red" icon={<IconMailOff size={18} aria-hidden />} title={t('customers.emailBounce.title', { date: formatDate(customer.emailBounce.since, locale) })} data-testid="email-bounce">
      {customer.emailBounce.reason && <Text size="sm">{customer.emailBounce.reason}</Text>}
      <Text size="sm" c="dimmed">
        {t('customers.emailBounce.hint')}
      </Text>
      <Group mt="xs">
        <Button size="xs" variant="light" color="red" loading={clear.isPending} onClick={() => clear.mutate()}>
          {t('customers.emailBounce.clear')}
        </Button>
      </Group>
      <ErrorAlert error={clear.error} />
    </Alert>
  );
}
