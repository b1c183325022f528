/**
 * Upper bounds of amounts, so that every product and sum Faktura computes stays an exact integer
 * (JavaScript numbers are exact up to 2^53 ≈ 9.007 · 10^15) and fits PostgreSQL's bigint:
 * a line's net is at most MAX_QUANTITY × MAX_UNIT_PRICE_CENTS = 10^15 cents before the total check,
 * and a document's gross is at most MAX_TOTAL_CENTS, so even 90,000 documents at the limit add up
 * exactly in a report. Far beyond what a practice or shop invoices; a value above them is a typo.
 * Pure: the web app's line editor checks the same limits while typing.
 */
export const MAX_QUANTITY = 1_000_000;
/** 10.000.000,00 € per unit */
export const MAX_UNIT_PRICE_CENTS = 1_000_000_000;
/** 1.000.000.000,00 €: the most a line's net and a document's gross may be */
export const MAX_TOTAL_CENTS = 100_000_000_000;

/** A line's net in cents before rounding, exactly (quantity in thousandths, discount in basis points). */
export function exactLineNet(quantityMilli: number, unitPriceCents: number, discountBasisPoints: number): bigint {
  return (BigInt(quantityMilli) * BigInt(unitPriceCents) * BigInt(10_000 - discountBasisPoints)) / 10_000_000n;
}
