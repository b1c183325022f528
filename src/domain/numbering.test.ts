import { describe, expect, it } from 'vitest';
import { formatDocumentNumber, issueDateNeedsConfirmation, parseDocumentNumber, patternHasYear, patternsCanCollide, sequenceYear, validateNumberPattern, validateNumberPatterns } from './numbering.ts';

describe('document numbering', () => {
  it('formats patterns', () => {
    expect(formatDocumentNumber('RE-{YYYY}-{NNNNN}', '2026-03-04', 42)).toBe('RE-2026-00042');
    expect(formatDocumentNumber('{YY}{MM}-{NNN}', '2026-03-04', 7)).toBe('2603-007');
    expect(formatDocumentNumber('R{N}', '2026-03-04', 12345)).toBe('R12345');
    expect(sequenceYear('2027-01-01')).toBe(2027);
  });

  it('validates patterns', () => {
    expect(() => validateNumberPattern('RE-{YYYY}-{NNNNN}')).not.toThrow();
    expect(() => validateNumberPattern('RE-{YYYY}')).toThrow(/exactly one counter/);
    expect(() => validateNumberPattern('RE-{NN}-{NNN}')).toThrow(/exactly one counter/);
    expect(() => validateNumberPattern('RE-{DD}-{NNN}')).toThrow(/unknown placeholder \{DD\}/);
    expect(() => validateNumberPattern('RE/{NNN}')).toThrow(/slashes/);
  });
});

describe('numbers that never collide', () => {
  it('decides whether two patterns can produce the same number', () => {
    expect(patternsCanCollide('RE-{YYYY}-{NNNNN}', 'RE-{YYYY}-{NNNNN}')).toBe(true);
    expect(patternsCanCollide('RE-{YYYY}-{NNNNN}', 'GS-{YYYY}-{NNNNN}')).toBe(false);
    // 10000 in a 4-digit counter grows to 5 digits: RE-2026-10000 from both
    expect(patternsCanCollide('RE-{YYYY}-{NNNNN}', 'RE-{YYYY}-{NNNN}')).toBe(true);
    expect(patternsCanCollide('{YYYY}{NNN}', '{NNNNNNN}')).toBe(true);
    expect(patternsCanCollide('RE-{NNNNN}', 'R-{NNNNN}')).toBe(false);
    expect(patternsCanCollide('R{NNN}', 'R1{NN}')).toBe(true);
    expect(patternsCanCollide('R{YY}-{NNN}', 'R{MM}-{NNN}')).toBe(true);
    expect(patternsCanCollide('R-{NNN}', 'R-{NNN}-A')).toBe(false);
  });

  it('refuses equal or overlapping patterns per type with the field to change', () => {
    expect(() => validateNumberPatterns({ invoice: 'RE-{YYYY}-{NNNNN}', quote: 'AN-{YYYY}-{NNNNN}', creditNote: 'GS-{YYYY}-{NNNNN}' })).not.toThrow();
    expect(() => validateNumberPatterns({ invoice: 'RE-{YYYY}-{NNNNN}', quote: 'AN-{YYYY}-{NNNNN}', creditNote: 'RE-{YYYY}-{NNNNN}' })).toThrow(
      expect.objectContaining({ code: 'company.numberPatternsCollide', field: 'creditNoteNumberPattern' }),
    );
  });

  it('a pattern without a year is one counter for all years', () => {
    expect(sequenceYear('2026-05-01', 'R-{NNNNN}')).toBe(0);
    expect(sequenceYear('2026-05-01', 'R-{YY}-{NNNNN}')).toBe(2026);
    expect(patternHasYear('R-{MM}-{NNN}')).toBe(false);
  });

  it('reads a number back in its pattern', () => {
    expect(parseDocumentNumber('RE-{YYYY}-{NNNNN}', 'RE-2026-00501')).toEqual({ year: 2026, counter: 501 });
    expect(parseDocumentNumber('RE-{YYYY}-{NNNNN}', 'RE-2026-123456')).toEqual({ year: 2026, counter: 123456 });
    expect(parseDocumentNumber('R.{NNN}', 'R.007')).toEqual({ year: null, counter: 7 });
    expect(parseDocumentNumber('R.{NNN}', 'RX007')).toBeNull();
    expect(parseDocumentNumber('RE-{YYYY}-{NNNNN}', 'RE-2026-0501')).toBeNull();
  });

  it('asks for confirmation of dates in the future or long ago', () => {
    expect(issueDateNeedsConfirmation('2026-11-28', '2026-11-28')).toBeNull();
    expect(issueDateNeedsConfirmation('2026-11-29', '2026-11-28')).toBe('future');
    expect(issueDateNeedsConfirmation(`2026-10-29`, '2026-11-28')).toBeNull();
    expect(issueDateNeedsConfirmation('2026-10-28', '2026-11-28')).toBe('past');
  });
});
