import { describe, expect, it } from 'vitest';
import { forbiddenCharacter, stripForbidden } from './text-chars.ts';

describe('text character rule', () => {
  it('refuses C0, DEL and C1 everywhere, but multi-line text keeps tab, CR and LF', () => {
    expect(forbiddenCharacter('Mus\u0000ter', 'multiLine')).toEqual({ code: 'text.controlCharacter', character: 'U+0000', index: 3 });
    expect(forbiddenCharacter('a\u007f', 'multiLine')?.character).toBe('U+007F');
    expect(forbiddenCharacter('a\u0085', 'multiLine')?.code).toBe('text.controlCharacter');
    expect(forbiddenCharacter('Zeile 1\r\n\tZeile 2', 'multiLine')).toBeUndefined();
    expect(forbiddenCharacter('Zeile 1\nZeile 2', 'singleLine')).toMatchObject({ code: 'text.lineBreak', index: 7 });
    expect(forbiddenCharacter('a\tb', 'singleLine')).toMatchObject({ code: 'text.controlCharacter' });
  });

  it('refuses direction controls everywhere and zero-width characters in one-line fields', () => {
    expect(forbiddenCharacter('Rechnung_\u202Efdp.exe', 'singleLine')).toMatchObject({ code: 'text.invisibleCharacter', character: 'U+202E' });
    expect(forbiddenCharacter('Text \u2067x', 'multiLine')).toMatchObject({ code: 'text.invisibleCharacter' });
    expect(forbiddenCharacter('Mus\u200Bter', 'singleLine')).toMatchObject({ code: 'text.invisibleCharacter', character: 'U+200B' });
    expect(forbiddenCharacter('👩\u200D💻 Notiz', 'multiLine')).toBeUndefined();
  });

  it('lets ordinary German, accented and astral text through', () => {
    expect(forbiddenCharacter('Jörg Müßig – „Hörakustik“ € 😀 Ĳssel', 'singleLine')).toBeUndefined();
  });

  it('strips what it refuses for pasting: line breaks become spaces in one-line fields', () => {
    expect(stripForbidden('Erika\u200B \u202EMuster\r\n GmbH\u0000', 'singleLine')).toBe('Erika Muster GmbH');
    expect(stripForbidden('Zeile 1\r\n\tZeile\u0007 2\u2066', 'multiLine')).toBe('Zeile 1\r\n\tZeile 2');
  });
});
