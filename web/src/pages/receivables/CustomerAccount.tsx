import { Anchor, Group, Paper, SimpleGrid, Skeleton, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { formatDate, formatMoney } from '../../lib/format';
import { useLocale } from '../../lib/hooks';
import { ReceivableBadge } from './ReceivableBadge';
import { accountKey, type CustomerAccountView } from './types';

/** Kunde → Konto: every issued invoice with its state, every payment, and the balance. */
export function CustomerAccount({ customerId }: { customerId: number }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const account = useQuery({ queryKey: accountKey(customerId), queryFn: () => api.get<CustomerAccountView>(`/api/customers/${customerId}/account`) });
  if (account.isPending) return <Skeleton h={200} />;
  if (account.error) return <ErrorAlert error={account.error} />;
  const a = account.data;
  const numbers = new Map(a.invoices.map((i) => [i.documentId, i.number]));
  return (
    <Stack data-testid="customer-account">
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Paper withBorder p="sm">
          <Text size="xs" c="dimmed" title={t('receivables.account.balanceHint')}>
            {t('receivables.account.balance')}
          </Text>
          <Text fw={700} size="lg" className="money" data-testid="account-balance">
            {formatMoney(a.balanceCents, locale)}
          </Text>
        </Paper>
        <Paper withBorder p="sm">
          <Text size="xs" c="dimmed">
            {t('receivables.account.open')}
          </Text>
          <Text fw={700} size="lg" className="money">
            {formatMoney(a.openCents, locale)}
          </Text>
        </Paper>
        <Paper withBorder p="sm">
          <Text size="xs" c="dimmed">
            {t('receivables.account.overdue')}
          </Text>
          <Text fw={700} size="lg" className="money" c={a.overdueCents > 0 ? 'red' : undefined}>
            {formatMoney(a.overdueCents, locale)}
          </Text>
        </Paper>
      </SimpleGrid>
      <Paper withBorder p="md">
        <Title order={4} mb="xs">
          {t('receivables.account.invoices')}
        </Title>
        {a.invoices.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('receivables.account.noInvoices')}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={600}>
            <Table verticalSpacing={4} aria-label={t('receivables.account.invoices')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('receivables.account.number')}</Table.Th>
                  <Table.Th>{t('receivables.account.issueDate')}</Table.Th>
                  <Table.Th>{t('receivables.account.dueDate')}</Table.Th>
                  <Table.Th>{t('receivables.account.state')}</Table.Th>
                  <Table.Th ta="right">{t('receivables.account.gross')}</Table.Th>
                  <Table.Th ta="right">{t('receivables.account.open')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {a.invoices.map((i) => (
                  <Table.Tr key={i.documentId} data-document={i.number ?? ''}>
                    <Table.Td>
                      <Anchor component={Link} to={`/documents/${i.documentId}`}>
                        {i.number}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{formatDate(i.issueDate, locale)}</Table.Td>
                    <Table.Td>{formatDate(i.dueDate, locale)}</Table.Td>
                    <Table.Td>
                      <ReceivableBadge state={i.state} />
                    </Table.Td>
                    <Table.Td ta="right" className="money">
                      {formatMoney(i.grossCents, locale)}
                    </Table.Td>
                    <Table.Td ta="right" className="money">
                      {formatMoney(i.openCents, locale)}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Paper>
      <Paper withBorder p="md">
        <Title order={4} mb="xs">
          {t('receivables.account.payments')}
        </Title>
        {a.payments.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('receivables.account.noPayments')}
          </Text>
        ) : (
          <Table verticalSpacing={4} aria-label={t('receivables.account.payments')}>
            <Table.Tbody>
              {a.payments.map((p) => (
                <Table.Tr key={p.id}>
                  <Table.Td>{formatDate(p.paidOn, locale)}</Table.Td>
                  <Table.Td>{numbers.get(p.documentId)}</Table.Td>
                  <Table.Td>{t(`receivables.source.${p.source}`)}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      <Text size="sm" lineClamp={1}>
                        {p.reference}
                      </Text>
                    </Group>
                  </Table.Td>
                  <Table.Td ta="right" className="money">
                    {formatMoney(p.amountCents, locale)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Paper>
    </Stack>
  );
}
