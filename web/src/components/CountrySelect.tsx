import { Select } from '@mantine/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { COUNTRY_CODES } from '../../../src/domain/countries.ts';

/**
 * Country as an ISO 3166-1 code chosen from a list (EN 16931 BR-CL-14 accepts nothing else), with
 * the names in the user's language from the browser (Intl.DisplayNames); Germany and the
 * neighbours first.
 */
const FIRST = ['DE', 'AT', 'CH'];

export function CountrySelect(props: { label: string; value: string; onChange: (code: string) => void; error?: string | undefined; required?: boolean }) {
  const { i18n } = useTranslation();
  const data = useMemo(() => {
    const names = new Intl.DisplayNames([i18n.language], { type: 'region' });
    const item = (code: string) => ({ value: code, label: `${names.of(code) ?? code} (${code})` });
    const rest = COUNTRY_CODES.filter((c) => !FIRST.includes(c))
      .map(item)
      .sort((a, b) => a.label.localeCompare(b.label, i18n.language));
    return [...FIRST.map(item), ...rest];
  }, [i18n.language]);
  return (
    <Select
      label={props.label}
      data={data}
      value={props.value || 'DE'}
      onChange={(v) => props.onChange(v ?? 'DE')}
      searchable
      allowDeselect={false}
      error={props.error}
      required={props.required}
    />
  );
}
