/**
 * EPC QR code ("GiroCode", EPC069-12 version 002) payload for a SEPA credit transfer: a banking
 * app that scans it fills in payee, IBAN, amount and the invoice number as remittance text.
 * Version 002 makes the BIC optional inside the EEA.
 */
export interface GiroCodeInput {
  name: string;
  iban: string;
  bic: string | null;
  amountCents: number;
  remittance: string;
}

/** EPC069-12: 0.01 € … 999,999,999.99 €. */
export const GIROCODE_MAX_CENTS = 99_999_999_999;

export function giroCodePayload(input: GiroCodeInput): string | null {
  if (!Number.isSafeInteger(input.amountCents) || input.amountCents < 1 || input.amountCents > GIROCODE_MAX_CENTS) return null;
  const euros = `${Math.floor(input.amountCents / 100)}.${String(input.amountCents % 100).padStart(2, '0')}`;
  // The payload is Latin-1-safe UTF-8 (character set 1); line breaks inside a field would shift the fields.
  const clean = (s: string, max: number) => s.replace(/[\r\n]+/g, ' ').trim().slice(0, max);
  return [
    'BCD',
    '002',
    '1', // UTF-8
    'SCT',
    input.bic ? input.bic.replace(/\s/g, '').toUpperCase() : '',
    clean(input.name, 70),
    input.iban.replace(/\s/g, '').toUpperCase(),
    `EUR${euros}`,
    '', // purpose code
    '', // structured creditor reference (none: the invoice number goes in the text)
    clean(input.remittance, 140),
  ].join('\n');
}
