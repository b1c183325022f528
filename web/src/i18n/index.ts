import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import de from './de.json';
import en from './en.json';
import dispatchDe from './dispatch.de.json';
import dispatchEn from './dispatch.en.json';
import receivablesDe from './receivables.de.json';
import receivablesEn from './receivables.en.json';
import type { Locale } from '../api/types';

const STORAGE_KEY = 'faktura.locale';

/** Before login we only know the browser's language (and what this browser chose last time). */
export function initialLocale(): Locale {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'de' || stored === 'en') return stored;
  return navigator.language.toLowerCase().startsWith('en') ? 'en' : 'de';
}

export function rememberLocale(locale: Locale): void {
  localStorage.setItem(STORAGE_KEY, locale);
  document.documentElement.lang = locale;
}

export function currentLocale(): Locale {
  return i18n.language === 'en' ? 'en' : 'de';
}

void i18n.use(initReactI18next).init({
  // The send workflow's strings (Auswertungen, Versandauftrag) live in their own files.
  // Receivables (payments, bank import) too, with their error messages beside the others.
  resources: {
    de: { translation: { ...de, dispatchUi: dispatchDe, receivables: receivablesDe.ui, errors: { ...de.errors, ...receivablesDe.errors } } },
    en: { translation: { ...en, dispatchUi: dispatchEn, receivables: receivablesEn.ui, errors: { ...en.errors, ...receivablesEn.errors } } },
  },
  lng: initialLocale(),
  fallbackLng: 'de',
  interpolation: { escapeValue: false },
  returnNull: false,
});
document.documentElement.lang = currentLocale();

export default i18n;
