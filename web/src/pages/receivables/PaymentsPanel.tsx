import { ActionIcon, Button, Group, Paper, Select, SimpleGrid, Skeleton, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCash, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { parseMoneyToCents } from '../../../../src/domain/money.ts';
import { api } from '../../api/client';
import { ConfirmModal } from '../../components/ConfirmModal';
import { DateField } from '../../components/DateField';
import { ErrorAlert } from '../../components/ErrorAlert';
import { formatDate, formatMoney, todayIso } from '../../lib/format';
import { useFieldErrors, useLocale } from '../../lib/hooks';
import { ReceivableBadge } from './ReceivableBadge';
import { PAYMENT_SOURCES, paymentsKey, type InvoicePaymentsView, type PaymentSource, type PaymentView } from './types';

const isSource = (v: string | null): v is PaymentSource => PAYMENT_SOURCES.some((s) => s === v);

/** On a final invoice: its state, what is open, its payments, and a form for cash, card or a transfer booked by hand. */
export function PaymentsPanel({ documentId }: { documentId: number }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const queryClient = useQueryClient();
  const data = useQuery({ queryKey: paymentsKey(documentId), queryFn: () => api.get<InvoicePaymentsView>(`/api/documents/${documentId}/payments`) });
  const [paidOn, setPaidOn] = useState(todayIso());
  const [amount, setAmount] = useState('');
  const [source, setSource] = useState<PaymentSource>('cash');
  const [reference, setReference] = useState('');
  const [amountError, setAmountError] = useState<string | null>(null);
  const [toDelete, setToDelete] = useState<PaymentView | null>(null);

  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: paymentsKey(documentId) });
    void queryClient.invalidateQueries({ queryKey: ['documents'] });
    void queryClient.invalidateQueries({ queryKey: ['customer'] });
  };
  const record = useMutation({
    mutationFn: (amountCents: number) => api.post<unknown>(`/api/documents/${documentId}/payments`, { paidOn, amountCents, source, reference }),
    onSuccess: () => {
      setAmount('');
      setReference('');
      refresh();
      notifications.show({ color: 'green', message: t('receivables.payments.recorded') });
    },
  });
  const remove = useMutation({
    mutationFn: (id: number) => api.send('DELETE', `/api/payments/${id}`),
    onSuccess: () => {
      setToDelete(null);
      refresh();
    },
  });
  const fieldErrors = useFieldErrors(record.error);

  if (data.isPending) return <Skeleton h={120} />;
  if (data.error) return <ErrorAlert error={data.error} />;
  const { receivable: r, payments } = data.data;

  const submit = () => {
    const cents = parseMoneyToCents(amount);
    if (cents === undefined || cents === 0) {
      setAmountError(t('receivables.payments.amountInvalid'));
      return;
    }
    setAmountError(null);
    record.mutate(cents);
  };

  return (
    <Paper withBorder p="md" data-testid="payments-panel" data-state={r.state}>
      <Stack gap="sm">
        <Group justify="space-between">
          <Group gap="sm">
            <Title order={4}>{t('receivables.payments.title')}</Title>
            <ReceivableBadge state={r.state} />
          </Group>
          <Text size="sm" c={r.state === 'overdue' ? 'red' : 'dimmed'}>
            {r.dueDate && t('receivables.payments.due', { date: formatDate(r.dueDate, locale) })}
            {r.overdueDays > 0 && ` · ${(r.overdueDays === 1 ? t('receivables.payments.overdueOneDay') : t('receivables.payments.overdueDays', { count: r.overdueDays }))}`}
          </Text>
        </Group>
        <SimpleGrid cols={{ base: 2, sm: 4 }}>
          <Amount label={t('receivables.payments.gross')} cents={r.grossCents} />
          {r.creditedCents !== 0 && <Amount label={t('receivables.payments.credited')} cents={r.creditedCents} />}
          <Amount label={t('receivables.payments.paid')} cents={r.paidCents} />
          <Amount label={t('receivables.payments.open')} cents={r.openCents} testId="open-amount" />
          {r.overpaidCents > 0 && <Amount label={t('receivables.payments.overpaid')} cents={r.overpaidCents} />}
        </SimpleGrid>
        {payments.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('receivables.payments.empty')}
          </Text>
        ) : (
          <Table verticalSpacing={4} aria-label={t('receivables.payments.title')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('receivables.payments.date')}</Table.Th>
                <Table.Th>{t('receivables.payments.source')}</Table.Th>
                <Table.Th>{t('receivables.payments.reference')}</Table.Th>
                <Table.Th ta="right">{t('receivables.payments.amount')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {payments.map((p) => (
                <Table.Tr key={p.id} data-payment={p.id}>
                  <Table.Td>{formatDate(p.paidOn, locale)}</Table.Td>
                  <Table.Td>{t(`receivables.source.${p.source}`)}</Table.Td>
                  <Table.Td>
                    <Text size="sm" lineClamp={2}>
                      {p.reference}
                    </Text>
                  </Table.Td>
                  <Table.Td ta="right" className="money">
                    {formatMoney(p.amountCents, locale)}
                  </Table.Td>
                  <Table.Td ta="right">
                    <ActionIcon variant="subtle" color="red" aria-label={t('receivables.payments.delete')} onClick={() => setToDelete(p)}>
                      <IconTrash size={16} aria-hidden />
                    </ActionIcon>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <ErrorAlert error={record.error} />
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <Group align="flex-end" gap="sm" wrap="wrap">
            <DateField label={t('receivables.payments.date')} value={paidOn} locale={locale} onChange={(iso) => setPaidOn(iso ?? '')} />
            <TextInput label={t('receivables.payments.amount')} value={amount} onChange={(e) => setAmount(e.currentTarget.value)} error={amountError ?? fieldErrors['amountCents']} w={130} inputMode="decimal" />
            <Select
              label={t('receivables.payments.source')}
              data={PAYMENT_SOURCES.map((s) => ({ value: s, label: t(`receivables.source.${s}`) }))}
              value={source}
              onChange={(v) => isSource(v) && setSource(v)}
              allowDeselect={false}
              w={130}
            />
            <TextInput label={t('receivables.payments.reference')} value={reference} onChange={(e) => setReference(e.currentTarget.value)} style={{ flex: '1 1 200px' }} error={fieldErrors['reference']} />
            <Button type="submit" loading={record.isPending} leftSection={<IconCash size={16} aria-hidden />}>
              {t('receivables.payments.save')}
            </Button>
          </Group>
        </form>
      </Stack>
      <ConfirmModal
        opened={toDelete !== null}
        title={t('receivables.payments.deleteTitle')}
        confirmLabel={t('common.delete')}
        color="red"
        loading={remove.isPending}
        onConfirm={() => toDelete && remove.mutate(toDelete.id)}
        onClose={() => setToDelete(null)}
      >
        <Text>{toDelete && t('receivables.payments.deleteText', { amount: formatMoney(toDelete.amountCents, locale), date: formatDate(toDelete.paidOn, locale) })}</Text>
        <ErrorAlert error={remove.error} />
      </ConfirmModal>
    </Paper>
  );
}

function Amount({ label, cents, testId }: { label: string; cents: number; testId?: string }) {
  const locale = useLocale();
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600} className="money" data-testid={testId}>
        {formatMoney(cents, locale)}
      </Text>
    </Stack>
  );
}
