import { Button, Grid, MultiSelect, Paper, Select, TextInput } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { useIsFetching } from '@tanstack/react-query';
import { memo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { CustomerPicker } from '../../components/CustomerPicker';
import { DateField } from '../../components/DateField';
import { useLocale } from '../../lib/hooks';
import { DOC_STATUSES, DOC_TYPES, amountProblems, type FilterForm } from './filter';

/**
 * The filter form of Auswertungen. Its own component with its own state: typing re-renders the
 * form only, and selecting rows leaves the form alone (memoised).
 */
export const FilterPanel = memo(
  function FilterPanel({ initial, onLoad }: { initial: FilterForm; onLoad: (form: FilterForm) => void }) {
  const { t } = useTranslation();
  const [form, setForm] = useState<FilterForm>(initial);
  const locale = useLocale();
  const [badDates, setBadDates] = useState<ReadonlySet<'dateFrom' | 'dateTo'>>(new Set());
  const setDate = (key: 'dateFrom' | 'dateTo', iso: string | null) => {
    setBadDates((prev) => {
      const next = new Set(prev);
      if (iso === null) next.add(key);
      else next.delete(key);
      return next;
    });
    if (iso !== null) setForm((f) => ({ ...f, [key]: iso }));
  };
  const problems = amountProblems(form);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (problems.length || badDates.size) return;
    onLoad(form);
  };
  return (
      <Paper withBorder p="md" mb="md" component="form" onSubmit={submit} aria-label={t('dispatchUi.evaluations.filter')}>
      <Grid gap="sm" align="flex-end">
        <Grid.Col span={{ base: 12, sm: 6, lg: 3 }}>
          <MultiSelect label={t('dispatchUi.evaluations.type')} placeholder={form.type.length ? undefined : t('dispatchUi.evaluations.any')} data={DOC_TYPES.map((v) => ({ value: v, label: t(`documents.type.${v}`) }))} value={form.type} onChange={(v) => setForm({ ...form, type: DOC_TYPES.filter((x) => v.includes(x)) })} clearable />
        </Grid.Col>
        <Grid.Col span={{ base: 12, sm: 6, lg: 3 }}>
          <MultiSelect label={t('dispatchUi.evaluations.status')} placeholder={form.status.length ? undefined : t('dispatchUi.evaluations.any')} data={DOC_STATUSES.map((v) => ({ value: v, label: t(`documents.status.${v}`) }))} value={form.status} onChange={(v) => setForm({ ...form, status: DOC_STATUSES.filter((x) => v.includes(x)) })} clearable />
        </Grid.Col>
        <Grid.Col span={{ base: 6, lg: 2 }}>
          <DateField label={t('dispatchUi.evaluations.dateFrom')} value={form.dateFrom} locale={locale} onChange={(iso) => setDate('dateFrom', iso)} />
        </Grid.Col>
        <Grid.Col span={{ base: 6, lg: 2 }}>
          <DateField label={t('dispatchUi.evaluations.dateTo')} value={form.dateTo} locale={locale} onChange={(iso) => setDate('dateTo', iso)} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, sm: 6, lg: 2 }}>
          <Select
            label={t('dispatchUi.evaluations.sent')}
            data={[
              { value: '', label: t('dispatchUi.evaluations.any') },
              { value: 'false', label: t('dispatchUi.evaluations.notSent') },
              { value: 'true', label: t('dispatchUi.evaluations.alreadySent') },
            ]}
            value={form.sent}
            allowDeselect={false}
            onChange={(v) => setForm({ ...form, sent: v === 'true' || v === 'false' ? v : '' })}
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, sm: 6, lg: 3 }}>
          <CustomerPicker label={t('dispatchUi.evaluations.customer')} value={form.customerId} onChange={(customerId) => setForm({ ...form, customerId })} />
        </Grid.Col>
        <Grid.Col span={{ base: 6, lg: 2 }}>
          <TextInput label={t('dispatchUi.evaluations.amountMin')} inputMode="decimal" value={form.amountMin} onChange={(e) => setForm({ ...form, amountMin: e.currentTarget.value })} error={problems.includes('amountMin') ? t('dispatchUi.evaluations.amountInvalid') : undefined} />
        </Grid.Col>
        <Grid.Col span={{ base: 6, lg: 2 }}>
          <TextInput label={t('dispatchUi.evaluations.amountMax')} inputMode="decimal" value={form.amountMax} onChange={(e) => setForm({ ...form, amountMax: e.currentTarget.value })} error={problems.includes('amountMax') ? t('dispatchUi.evaluations.amountInvalid') : undefined} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, sm: 8, lg: 3 }}>
          <TextInput label={t('dispatchUi.evaluations.search')} placeholder={t('dispatchUi.evaluations.searchPlaceholder')} value={form.q} onChange={(e) => setForm({ ...form, q: e.currentTarget.value })} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, sm: 6, lg: 2 }}>
          <Select
            label={t('receivables.filter.payment')}
            data={[
              { value: '', label: t('dispatchUi.evaluations.any') },
              { value: 'open', label: t('receivables.filter.open') },
              { value: 'overdue', label: t('receivables.filter.overdue') },
            ]}
            value={form.payment}
            allowDeselect={false}
            onChange={(v) => setForm({ ...form, payment: v === 'open' || v === 'overdue' ? v : '' })}
          />
        </Grid.Col>
        {form.payment === 'overdue' && (
          <Grid.Col span={{ base: 6, lg: 1 }}>
            <TextInput label={t('receivables.filter.days')} inputMode="numeric" placeholder="0" value={form.overdueDays} onChange={(e) => setForm({ ...form, overdueDays: e.currentTarget.value })} error={problems.includes('overdueDays') ? t('receivables.filter.daysInvalid') : undefined} />
          </Grid.Col>
        )}
        <Grid.Col span={{ base: 12, sm: 4, lg: 2 }}>
          <LoadButton label={t('dispatchUi.evaluations.load')} />
        </Grid.Col>
      </Grid>
    </Paper>
  );
},
  // `initial` is read once, at mount; only a new onLoad re-renders the form from outside.
  (before, after) => before.onLoad === after.onLoad,
);

/** "Laden", spinning while the list loads: it alone follows the request, not the whole form. */
function LoadButton({ label }: { label: string }) {
  const fetching = useIsFetching({ queryKey: EVALUATIONS_KEY }) > 0;
  return (
    <Button type="submit" fullWidth leftSection={<IconRefresh size={16} aria-hidden />} loading={fetching}>
      {label}
    </Button>
  );
}

/** The prefix of the list's query key in EvaluationsPage. */
export const EVALUATIONS_KEY = ['dispatch-ui', 'evaluations'] as const;
