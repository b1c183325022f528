/**
 * Row selection as in a desktop application (and the reference product): a plain click selects
 * one row, Ctrl (⌘ on a Mac) toggles a row, Shift selects the range from the last clicked row.
 * Pure functions over the ids of the rows on screen, so both tables behave the same.
 */
export interface RowSelection<K> {
  selected: ReadonlySet<K>;
  /** the row the next Shift-click measures from */
  anchor: K | null;
}

export interface ClickModifiers {
  ctrl: boolean;
  shift: boolean;
}

export function emptySelection<K>(): RowSelection<K> {
  return { selected: new Set<K>(), anchor: null };
}

export function modifiersOf(event: { ctrlKey: boolean; metaKey: boolean; shiftKey: boolean }): ClickModifiers {
  return { ctrl: event.ctrlKey || event.metaKey, shift: event.shiftKey };
}

/** A click on a row (or its check box, which behaves like a Ctrl-click). */
export function clickRow<K>(state: RowSelection<K>, rows: readonly K[], row: K, modifiers: ClickModifiers, additive = false): RowSelection<K> {
  if (modifiers.shift && state.anchor !== null) {
    const from = rows.indexOf(state.anchor);
    const to = rows.indexOf(row);
    if (from >= 0 && to >= 0) {
      const range = rows.slice(Math.min(from, to), Math.max(from, to) + 1);
      // Shift adds the range to what is selected with Ctrl (or the check boxes); alone it replaces it.
      const next = new Set<K>(modifiers.ctrl || additive ? state.selected : []);
      for (const k of range) next.add(k);
      return { selected: next, anchor: state.anchor };
    }
  }
  if (modifiers.ctrl || additive) {
    const next = new Set(state.selected);
    if (next.has(row)) next.delete(row);
    else next.add(row);
    return { selected: next, anchor: row };
  }
  return { selected: new Set([row]), anchor: row };
}

/** Keeps only the rows that still exist (after a reload or a removal). */
export function retainRows<K>(state: RowSelection<K>, rows: readonly K[]): RowSelection<K> {
  const present = new Set(rows);
  const selected = new Set([...state.selected].filter((k) => present.has(k)));
  if (selected.size === state.selected.size) return state;
  return { selected, anchor: state.anchor !== null && present.has(state.anchor) ? state.anchor : null };
}

/**
 * Strg + drag (the seed: "STRG-Taste + linke Maustaste gedrückt halten und den Mauszeiger nach
 * unten über die Kunden ziehen"): the rows from where the drag started to the row under the
 * pointer are marked, added to what was marked when the drag began.
 */
export function dragRange<K>(base: RowSelection<K>, rows: readonly K[], start: K, current: K): RowSelection<K> {
  const from = rows.indexOf(start);
  const to = rows.indexOf(current);
  if (from < 0 || to < 0) return base;
  const next = new Set(base.selected);
  for (const k of rows.slice(Math.min(from, to), Math.max(from, to) + 1)) next.add(k);
  return { selected: next, anchor: start };
}
