/**
 * Pure (no dependencies): the server's schemas (./text-input.ts) and the web app's paste guard use it.
 *
 * The one rule for text that enters Faktura, whatever field or route it comes through:
 *
 * - C0 control characters, DEL and C1 controls are refused. XML 1.0 cannot carry most of them
 *   (the archived e-invoice would not be well-formed), PostgreSQL refuses NUL in text (it answered
 *   500), and in a name or subject they are never intended. Multi-line fields (notes, texts of a
 *   document, line descriptions, template body, e-mail footer) keep tab, line feed and carriage return.
 * - Bidirectional controls (LRE/RLE/PDF/LRO/RLO, the isolates, LRM/RLM/ALM) are refused in every
 *   field: an RLO in a customer name turns "Rechnung_fdp.exe" around in an e-mail subject
 *   ("Trojan Source", CVE-2021-42574). We refuse rather than strip: stripping changes what the
 *   user typed without telling them, and the field error names the character.
 * - Zero-width characters (ZWSP, ZWNJ, ZWJ, word joiner, BOM inside the text) are refused in
 *   single-line fields (names, subjects, numbers, addresses), where they only ever hide a
 *   difference between two strings that look the same; longer texts may keep them (emoji,
 *   typography).
 *
 * Each refusal is a zod issue whose `params.code` the HTTP layer turns into the error code
 * (`text.controlCharacter`, `text.lineBreak`, `text.invisibleCharacter`) with the character in
 * `meta.character`, so the UI can say which character it is.
 */
export const TEXT_ERROR_CODES = {
  control: 'text.controlCharacter',
  lineBreak: 'text.lineBreak',
  invisible: 'text.invisibleCharacter',
} as const;
export type TextErrorCode = (typeof TEXT_ERROR_CODES)[keyof typeof TEXT_ERROR_CODES];

export type TextKind = 'singleLine' | 'multiLine';

const isLineBreak = (cp: number): boolean => cp === 0x0a || cp === 0x0d || cp === 0x2028 || cp === 0x2029;
const isControl = (cp: number): boolean => cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp === 0x2028 || cp === 0x2029;
const isBidiControl = (cp: number): boolean => cp === 0x061c || cp === 0x200e || cp === 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
const isZeroWidth = (cp: number): boolean => (cp >= 0x200b && cp <= 0x200d) || (cp >= 0x2060 && cp <= 0x2064) || cp === 0xfeff || cp === 0x180e;

/** Direction controls and zero-width characters: never wanted in a name, a subject or a header. */
export const isInvisibleFormatCharacter = (cp: number): boolean => isBidiControl(cp) || isZeroWidth(cp);

/** `U+202E`: how a refused character is named in messages (it cannot be shown). */
export const codePointName = (cp: number): string => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

export interface ForbiddenCharacter {
  code: TextErrorCode;
  /** the code point, e.g. `U+0000` */
  character: string;
  /** 0-based index in the string (UTF-16 units, as JavaScript counts) */
  index: number;
}

/** The first character `kind` does not allow, or undefined. Pure, for the schema and for the CSV import. */
export function forbiddenCharacter(value: string, kind: TextKind): ForbiddenCharacter | undefined {
  for (let index = 0; index < value.length; index++) {
    const cp = value.codePointAt(index) ?? 0;
    if (cp > 0xffff) {
      index++; // astral characters are never controls; skip the low surrogate
      continue;
    }
    let code: TextErrorCode | undefined;
    if (isControl(cp)) {
      if (kind === 'multiLine' && (cp === 0x09 || cp === 0x0a || cp === 0x0d)) continue;
      code = kind === 'singleLine' && isLineBreak(cp) ? TEXT_ERROR_CODES.lineBreak : TEXT_ERROR_CODES.control;
    } else if (isBidiControl(cp) || (kind === 'singleLine' && isZeroWidth(cp))) {
      code = TEXT_ERROR_CODES.invisible;
    }
    if (code) return { code, character: codePointName(cp), index };
  }
  return undefined;
}

const MESSAGES: Record<TextErrorCode, string> = {
  'text.controlCharacter': 'contains a control character',
  'text.lineBreak': 'must be a single line',
  'text.invisibleCharacter': 'contains an invisible or text-direction character',
};

export function forbiddenCharacterMessage(found: ForbiddenCharacter): string {
  return `${MESSAGES[found.code]} (${found.character} at position ${found.index + 1})`;
}

/**
 * What the web app pastes instead of the clipboard's text: refused characters removed, line breaks
 * and tabs in a one-line field turned into spaces. The server refuses the same characters.
 */
export function stripForbidden(value: string, kind: TextKind): string {
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    if (kind === 'singleLine' && (isLineBreak(cp) || cp === 0x09)) out += ' ';
    else if (forbiddenCharacter(ch, kind) === undefined) out += ch;
  }
  return kind === 'singleLine' ? out.replace(/ {2,}/g, ' ') : out;
}
