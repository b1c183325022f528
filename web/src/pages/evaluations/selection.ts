import type { DocumentListItem } from '../../api/types';
import { clickRow, emptySelection, type ClickModifiers, type RowSelection } from '../dispatch/selection';
import type { DispatchSelection, DocumentFilterBody } from '../dispatch/types';

/**
 * The selection in Auswertungen: single documents (kept across pages, with their rows for the
 * CSV), or "all matching the applied filter except the rows unticked" (as in Gmail), which goes to
 * the server as the filter and the excluded ids, never as the list of selected ids.
 */
export type EvaluationSelection =
  | { mode: 'ids'; rows: RowSelection<number>; items: ReadonlyMap<number, DocumentListItem> }
  | { mode: 'allMatching'; excluded: ReadonlySet<number>; anchor: number | null };

export const noSelection = (): EvaluationSelection => ({ mode: 'ids', rows: emptySelection(), items: new Map() });
export const allMatching = (): EvaluationSelection => ({ mode: 'allMatching', excluded: new Set(), anchor: null });

export function selectedCount(selection: EvaluationSelection, total: number): number {
  return selection.mode === 'allMatching' ? Math.max(0, total - selection.excluded.size) : selection.rows.selected.size;
}

export function isSelected(selection: EvaluationSelection, id: number): boolean {
  return selection.mode === 'allMatching' ? !selection.excluded.has(id) : selection.rows.selected.has(id);
}

/**
 * A click on a row (or its check box: `additive`). Ctrl, Shift and the check boxes work on the
 * rows of this page; in "all matching" they edit the excluded rows, so everything else stays
 * selected. A plain click selects that one row, as everywhere.
 */
export function clickDocument(prev: EvaluationSelection, rows: readonly DocumentListItem[], id: number, modifiers: ClickModifiers, additive: boolean): EvaluationSelection {
  const ids = rows.map((r) => r.id);
  const onPage = new Set(ids);
  const pageSel: RowSelection<number> =
    prev.mode === 'allMatching'
      ? { selected: new Set(ids.filter((x) => !prev.excluded.has(x))), anchor: prev.anchor }
      : { selected: new Set([...prev.rows.selected].filter((x) => onPage.has(x))), anchor: prev.rows.anchor };
  const nextPage = clickRow(pageSel, ids, id, modifiers, additive);
  const keepOthers = modifiers.ctrl || additive || (modifiers.shift && pageSel.anchor !== null);
  if (prev.mode === 'allMatching' && keepOthers) {
    const excluded = new Set([...prev.excluded].filter((x) => !onPage.has(x)));
    for (const x of ids) if (!nextPage.selected.has(x)) excluded.add(x);
    return { mode: 'allMatching', excluded, anchor: nextPage.anchor };
  }
  const onOtherPages = prev.mode === 'ids' && keepOthers ? [...prev.rows.selected].filter((x) => !onPage.has(x)) : [];
  const selected = new Set([...onOtherPages, ...nextPage.selected]);
  const items = new Map(prev.mode === 'ids' ? prev.items : []);
  for (const r of rows) if (selected.has(r.id)) items.set(r.id, r);
  for (const k of [...items.keys()]) if (!selected.has(k)) items.delete(k);
  return { mode: 'ids', rows: { selected, anchor: nextPage.anchor }, items };
}

/** What POST /api/dispatches and the print endpoint get; null when nothing is selected. */
export function selectionBody(selection: EvaluationSelection, filter: DocumentFilterBody): DispatchSelection | null {
  if (selection.mode === 'allMatching') return selection.excluded.size > 0 ? { filter, excludeDocumentIds: [...selection.excluded] } : { filter };
  const documentIds = [...selection.rows.selected];
  return documentIds.length ? { documentIds } : null;
}
