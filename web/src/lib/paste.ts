import { stripForbidden, type TextKind } from '../../../src/domain/text-chars.ts';

const SINGLE_LINE_TYPES = new Set(['text', 'search', 'email', 'tel', 'url', '']);

/** Which rule a form field follows: a textarea may span lines, a text input may not; other fields are left alone. */
export function fieldKind(target: EventTarget | null): TextKind | undefined {
  if (target instanceof HTMLTextAreaElement) return 'multiLine';
  if (target instanceof HTMLInputElement && SINGLE_LINE_TYPES.has(target.type)) return 'singleLine';
  return undefined;
}

/**
 * Text copied from a PDF, a web page or a word processor often carries characters nobody sees
 * (zero-width spaces, direction marks, a stray control character) that the server refuses with a
 * field error. Pasting into a form field inserts the text without them instead, so the user never
 * meets that error for something they cannot see. Typing is not affected; the server still checks.
 */
export function installPasteGuard(root: Document): () => void {
  const onPaste = (event: ClipboardEvent) => {
    const kind = fieldKind(event.target);
    const pasted = event.clipboardData?.getData('text/plain');
    if (!kind || pasted === undefined || pasted === '') return;
    const cleaned = stripForbidden(pasted, kind);
    if (cleaned === pasted) return;
    event.preventDefault();
    // insertText keeps the browser's undo history and fires the input event React listens to.
    root.execCommand('insertText', false, cleaned);
  };
  root.addEventListener('paste', onPaste, true);
  return () => root.removeEventListener('paste', onPaste, true);
}
