import { TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../api/types';
import { formatDate } from '../lib/format';

/**
 * "TT.MM.JJJJ" (de) / "DD/MM/YYYY" (en) → ISO `2026-11-02`; '' for an empty field, null when it is
 * not a real calendar date. Day and month may have one digit; `.`, `/` and `-` separate.
 */
export function parseLocalDate(text: string): string | null {
  const s = text.trim();
  if (!s) return '';
  const m = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(s);
  if (!m) return null;
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * A date typed as the user writes it (dd.mm.yyyy in German), whatever the browser's own locale:
 * Chromium's native date input follows the operating system's language, not the page's, and
 * showed "mm/dd/yyyy" in a German UI. Reports the ISO date, or null while the text is no date.
 */
export function DateField(props: { label: string; value: string; locale: Locale; onChange: (iso: string | null) => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState(() => formatDate(props.value, props.locale));
  const parsed = parseLocalDate(text);
  return (
    <TextInput
      label={props.label}
      placeholder={t('common.datePlaceholder')}
      inputMode="numeric"
      autoComplete="off"
      value={text}
      error={parsed === null ? t('common.dateInvalid') : undefined}
      onChange={(e) => {
        const next = e.currentTarget.value;
        setText(next);
        props.onChange(parseLocalDate(next));
      }}
    />
  );
}
