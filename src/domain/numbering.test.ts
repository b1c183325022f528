import { describe, expect, it } from 'vitest';
import { formatDocumentNumber, sequenceYear, validateNumberPattern } from './numbering.ts';

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
