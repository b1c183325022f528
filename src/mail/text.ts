import { isInvisibleFormatCharacter } from '../domain/text-chars.ts';

/**
 * Line-break and control characters: CR and LF end a header line (RFC 5322 §2.2), and NEL,
 * LINE SEPARATOR and PARAGRAPH SEPARATOR are treated as line ends by some clients. Checked by
 * code point rather than a regular expression with control characters in it.
 */
export function isControlChar(codePoint: number): boolean {
  return codePoint < 0x20 || codePoint === 0x7f || codePoint === 0x85 || codePoint === 0x2028 || codePoint === 0x2029;
}

export function hasControlChars(value: string): boolean {
  for (const ch of value) if (isControlChar(ch.codePointAt(0) ?? 0)) return true;
  return false;
}

/**
 * One line: each run of control characters becomes one space; runs of spaces collapse; trimmed.
 * Direction overrides and zero-width characters are dropped (input refuses them, but a value
 * stored before that rule must not turn a subject around either).
 */
export function toOneLine(value: string, maxLength: number): string {
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    if (isInvisibleFormatCharacter(cp)) continue;
    out += isControlChar(cp) ? ' ' : ch;
  }
  return out.replace(/ {2,}/g, ' ').trim().slice(0, maxLength);
}
