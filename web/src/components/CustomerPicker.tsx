import { Select } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query } from '../api/client';
import type { Customer, Page } from '../api/types';
import { useDebounced } from '../lib/useDebounced';

/** Searches customers on the server (thousands of them) and picks one. */
export function CustomerPicker(props: { value: number | null; onChange: (id: number | null) => void; error?: string | undefined; label?: string; required?: boolean; disabled?: boolean }) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const q = useDebounced(search, 250);
  const selected = useQuery({
    queryKey: ['customer', props.value],
    queryFn: () => api.get<Customer>(`/api/customers/${props.value}`),
    enabled: props.value !== null,
  });
  const label = (c: Customer) => `${c.displayName || t('customers.unnamed')} (${c.number})`;
  const selectedLabel = selected.data ? label(selected.data) : '';
  const searching = q !== '' && q !== selectedLabel;
  const results = useQuery({
    queryKey: ['customers', 'picker', searching ? q : ''],
    queryFn: () => api.get<Page<Customer>>(`/api/customers${query({ q: searching ? q : undefined, pageSize: 20, sort: 'name' })}`),
  });
  const options = new Map<string, string>();
  if (selected.data) options.set(String(selected.data.id), selectedLabel);
  for (const c of results.data?.items ?? []) options.set(String(c.id), label(c));
  return (
    <Select
      label={props.label ?? t('documents.fields.customer')}
      placeholder={t('documents.customerPlaceholder')}
      searchable
      required={props.required}
      disabled={props.disabled}
      data={[...options.entries()].map(([value, text]) => ({ value, label: text }))}
      filter={({ options: all }) => all}
      value={props.value === null ? null : String(props.value)}
      onChange={(v) => props.onChange(v ? Number(v) : null)}
      searchValue={search}
      onSearchChange={setSearch}
      nothingFoundMessage={results.isFetching ? t('common.loading') : t('customers.noMatch')}
      error={props.error}
    />
  );
}
