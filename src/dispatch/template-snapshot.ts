import type { TemplateSnapshot } from './ports.ts';

/** Reads the template a dispatch stored when sending started (see sendDispatch). */
export function parseTemplateSnapshot(json: string | null): TemplateSnapshot | null {
  if (!json) return null;
  const parsed: unknown = JSON.parse(json);
  if (!parsed || typeof parsed !== 'object' || !('subject' in parsed) || !('body' in parsed)) return null;
  const language = 'language' in parsed && parsed.language === 'en' ? 'en' : 'de';
  return typeof parsed.subject === 'string' && typeof parsed.body === 'string' ? { subject: parsed.subject, body: parsed.body, language } : null;
}
