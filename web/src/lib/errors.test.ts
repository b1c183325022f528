import i18n from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import de from '../i18n/de.json';
import { errorMessage, fieldErrors, generalError, normalizeField } from './errors';

beforeAll(async () => {
  await i18n.init({ lng: 'de', resources: { de: { translation: de } }, interpolation: { escapeValue: false } });
});

describe('API errors in the UI', () => {
  it('treats domain and schema field paths alike', () => {
    expect(normalizeField('lines[1].exemptionReason')).toBe('lines.1.exemptionReason');
    expect(normalizeField('lines.1.vatRate')).toBe('lines.1.vatRate');
  });

  it('puts a translated message next to the field it concerns', () => {
    const error = new ApiError(400, 'document.exemptionReasonMissing', 'lines[1].exemptionReason is required', 'lines[1].exemptionReason');
    expect(fieldErrors(i18n.t, error)).toEqual({ 'lines.1.exemptionReason': 'Bei 0 % USt. muss der Grund der Steuerbefreiung angegeben werden (§ 14 Abs. 4 Nr. 8 UStG).' });
    expect(generalError(i18n.t, error, ['lines.1.exemptionReason'])).toBeUndefined();
  });

  it('says what is expected for well-known fields of a schema error, and collects every detail', () => {
    const error = new ApiError(400, 'request.invalidField', 'email: invalid', 'email', [
      { code: 'request.invalidField', message: '', field: 'email' },
      { code: 'request.invalidField', message: '', field: 'emailConsentAt' },
    ]);
    expect(fieldErrors(i18n.t, error)).toEqual({
      email: 'Bitte eine gültige E-Mail-Adresse eingeben (z. B. name@beispiel.de).',
      emailConsentAt: 'Bitte ein gültiges Datum eingeben.',
    });
  });

  it('fills in details from the error (the unknown placeholder) and falls back for unknown codes', () => {
    const error = new ApiError(400, 'template.unknownVariable', '', 'body', [], { variable: 'customer.geburtstag', line: 2 });
    expect(errorMessage(i18n.t, error)).toContain('„customer.geburtstag“');
    expect(errorMessage(i18n.t, new ApiError(500, 'something.new', ''))).toContain('something.new');
  });
});
