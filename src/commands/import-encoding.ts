import { isUtf8 } from 'node:buffer';
import { AppError } from '../domain/errors.ts';

/**
 * Text encodings of a CSV file. German Excel's "CSV (Trennzeichen-getrennt)" writes Windows-1252
 * (Latin-1 plus €, „“, – in 0x80–0x9F); "CSV UTF-8" writes UTF-8 with a BOM. `auto` takes UTF-8
 * when the bytes are valid UTF-8 and Windows-1252 otherwise: a German file that is not UTF-8 is
 * in practice always Windows-1252, and every byte sequence decodes in it.
 */
export const CSV_ENCODINGS = ['auto', 'utf-8', 'windows-1252'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];
export type DecodedEncoding = Exclude<CsvEncoding, 'auto'>;

export function decodeCsv(bytes: Uint8Array, encoding: CsvEncoding = 'auto'): { text: string; encoding: DecodedEncoding } {
  if (encoding === 'windows-1252') return { text: decodeWindows1252(bytes), encoding };
  // One pass over the bytes (isUtf8 is simdutf's validator); the old per-byte re-decoding of the
  // prefix was quadratic (256 KB of Latin-1 took 457 s on the event loop).
  if (isUtf8(bytes)) return { text: new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes), encoding: 'utf-8' };
  if (encoding === 'auto') return { text: decodeWindows1252(bytes), encoding: 'windows-1252' };
  const offset = firstInvalidUtf8Offset(bytes);
  const line = countLineFeeds(bytes, offset) + 1;
  throw new AppError('validation', 'import.encodingInvalid', `the file is not UTF-8 (first invalid byte in line ${line}); save it as "CSV UTF-8" or choose Windows-1252`, {
    row: line,
    field: 'encoding',
  });
}

/**
 * Windows-1252 → text. Not `new TextDecoder('windows-1252')`: Node 20's decoder treats that label
 * as ISO-8859-1 and turns € (0x80) into the control U+0080 (nodejs/node#56542). 0x80–0x9F are
 * mapped by the WHATWG Encoding Standard's table; its five unassigned bytes stay C1 controls,
 * which the text rules then refuse with the row and field.
 */
const WINDOWS_1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';

export function decodeWindows1252(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return latin1.replace(/[\u0080-\u009f]/g, (c) => WINDOWS_1252_HIGH.charAt(c.charCodeAt(0) - 0x80));
}

function countLineFeeds(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) n++;
  return n;
}

/**
 * Offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF), in one pass; `bytes.length` if none.
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let min: number;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      length = 2;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      min = b === 0xe0 ? 0xa0 : 0x80; // no overlong forms
      if (b === 0xed) max = 0x9f; // no surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      min = b === 0xf0 ? 0x90 : 0x80;
      if (b === 0xf4) max = 0x8f; // nothing above U+10FFFF
    } else {
      return i;
    }
    if (i + length > n) return i;
    const second = bytes[i + 1] ?? 0;
    if (second < min || second > max) return i;
    for (let k = 2; k < length; k++) {
      const next = bytes[i + k] ?? 0;
      if (next < 0x80 || next > 0xbf) return i;
    }
    i += length;
  }
  return n;
}
