import { describe, expect, it } from 'vitest';
import type { DocumentListItem } from '../../api/types';
import { allMatching, clickDocument, isSelected, noSelection, selectedCount, selectionBody, type EvaluationSelection } from './selection';

const row = (id: number) => ({ id }) as DocumentListItem;
const page1 = [1, 2, 3, 4, 5].map(row);
const page2 = [6, 7, 8, 9, 10].map(row);
const none = { ctrl: false, shift: false };
const filter = { type: ['invoice' as const] };

describe('evaluation selection: all matching, except these', () => {
  it('unticking a row in "all matching" excludes only that row, on any page', () => {
    let s: EvaluationSelection = allMatching();
    s = clickDocument(s, page2, 7, none, true);
    expect(s.mode).toBe('allMatching');
    expect(selectedCount(s, 10)).toBe(9);
    expect(isSelected(s, 7)).toBe(false);
    expect(isSelected(s, 1)).toBe(true);
    s = clickDocument(s, page1, 2, { ctrl: true, shift: false }, false);
    expect(selectedCount(s, 10)).toBe(8);
    expect(selectionBody(s, filter)).toEqual({ filter, excludeDocumentIds: [7, 2] });
    // Ticking it again takes it out of the exclusions.
    s = clickDocument(s, page2, 7, none, true);
    expect(selectionBody(s, filter)).toEqual({ filter, excludeDocumentIds: [2] });
  });

  it('Shift with Ctrl selects a range back; a plain click selects one row', () => {
    let s: EvaluationSelection = allMatching();
    s = clickDocument(s, page1, 1, none, true);
    s = clickDocument(s, page1, 2, { ctrl: true, shift: false }, false);
    s = clickDocument(s, page1, 3, { ctrl: true, shift: false }, false);
    expect(selectedCount(s, 10)).toBe(7);
    s = clickDocument(s, page1, 1, { ctrl: true, shift: true }, false);
    expect(s.mode === 'allMatching' && [...s.excluded]).toEqual([]);
    s = clickDocument(s, page1, 4, none, false);
    expect(s.mode).toBe('ids');
    expect(selectionBody(s, filter)).toEqual({ documentIds: [4] });
  });

  it('the plain filter when nothing is excluded; nothing to send when nothing is selected', () => {
    expect(selectionBody(allMatching(), filter)).toEqual({ filter });
    expect(selectionBody(noSelection(), filter)).toBeNull();
    expect(selectedCount(allMatching(), 0)).toBe(0);
  });
});
