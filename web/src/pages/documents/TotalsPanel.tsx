import { Divider, Group, Paper, Stack, Text } from '@mantine/core';
import type { DocumentTotals } from '../../../../src/domain/document.ts';
import { useTranslation } from 'react-i18next';
import { formatMoney } from '../../lib/format';
import { useLocale } from '../../lib/hooks';

/** Net, VAT per rate and gross, as the PDF will show them. */
export function TotalsPanel({ totals }: { totals: DocumentTotals }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const row = (label: string, cents: number, strong = false, testId?: string) => (
    <Group justify="space-between" gap="xl">
      <Text size="sm" fw={strong ? 700 : 400}>
        {label}
      </Text>
      <Text size="sm" fw={strong ? 700 : 400} className="money" data-testid={testId}>
        {formatMoney(cents, locale)}
      </Text>
    </Group>
  );
  return (
    <Paper withBorder p="md" w={340} maw="100%" ml="auto" aria-label={t('documents.totals')} role="region" aria-live="polite">
      <Stack gap={6}>
        {row(t('documents.net'), totals.netCents, false, 'total-net')}
        {totals.vat.map((v) =>
          v.vatCategory !== 'S' ? (
            <Text size="xs" c="dimmed" key={v.vatCategory}>
              {t('documents.vatExemptLine', { amount: formatMoney(v.netCents, locale), reason: v.vatCategory === 'E' ? (v.exemptionReason ?? '') : t(`documents.vatCategories.${v.vatCategory}`) })}
            </Text>
          ) : (
            <div key={v.vatRate}>{row(t('documents.vatLine', { rate: v.vatRate, base: formatMoney(v.netCents, locale) }), v.vatCents)}</div>
          ),
        )}
        <Divider />
        {row(t('documents.gross'), totals.grossCents, true, 'total-gross')}
      </Stack>
    </Paper>
  );
}
