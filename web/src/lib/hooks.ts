import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../api/types';
import { fieldErrors } from './errors';

/** The UI language, which is also the format locale for money and dates. */
export function useLocale(): Locale {
  const { i18n } = useTranslation();
  return i18n.language === 'en' ? 'en' : 'de';
}

/** Translated field errors of a failed save, keyed by normalised field path (`lines.1.vatRate`). */
export function useFieldErrors(error: unknown): Record<string, string> {
  const { t } = useTranslation();
  return fieldErrors(t, error);
}

/** The browser tab names the page: "Versandauftrag 12 – Faktura" (WCAG 2.4.2); just "Faktura" while it is unknown. */
export function usePageTitle(title: string | null | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} – Faktura` : 'Faktura';
  }, [title]);
}
