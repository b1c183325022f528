import { describe, expect, it } from 'vitest';
import { assertCents, divRoundHalfAwayFromZero, formatMoney, parseMoneyToCents } from './money.ts';

describe('money', () => {
  it('rejects non-integer cents', () => {
    expect(() => assertCents(0.1 + 0.2)).toThrow(/integer number of cents/);
    expect(assertCents(42)).toBe(42);
  });

  it('rounds half away from zero', () => {
    expect(divRoundHalfAwayFromZero(5n, 2n)).toBe(3n);
    expect(divRoundHalfAwayFromZero(-5n, 2n)).toBe(-3n);
    expect(divRoundHalfAwayFromZero(4n, 3n)).toBe(1n);
    expect(divRoundHalfAwayFromZero(149n, 100n)).toBe(1n);
    expect(divRoundHalfAwayFromZero(150n, 100n)).toBe(2n);
  });

  it('formats by locale', () => {
    expect(formatMoney(123456, 'de')).toBe('1.234,56\u00a0€');
    expect(formatMoney(123456, 'en')).toBe('€1,234.56');
  });

  it('parses German and English amounts', () => {
    expect(parseMoneyToCents('1.234,56')).toBe(123456);
    expect(parseMoneyToCents('1234.56')).toBe(123456);
    expect(parseMoneyToCents('12,5')).toBe(1250);
    expect(parseMoneyToCents('1,234.50')).toBe(123450);
    expect(parseMoneyToCents('-3,00 €')).toBe(-300);
    expect(parseMoneyToCents('abc')).toBeUndefined();
    expect(parseMoneyToCents('1,234')).toBeUndefined(); // ambiguous: three decimals in German notation
  });
});
