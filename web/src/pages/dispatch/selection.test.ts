import { describe, expect, it } from 'vitest';
import { clickRow, dragRange, emptySelection, retainRows } from './selection';

const rows = [1, 2, 3, 4, 5, 6];
const plain = { ctrl: false, shift: false };
const ctrl = { ctrl: true, shift: false };
const shift = { ctrl: false, shift: true };

describe('desktop-style row selection', () => {
  it('a plain click selects one row, Ctrl toggles, Shift selects a range from the anchor', () => {
    let s = clickRow(emptySelection<number>(), rows, 2, plain);
    expect([...s.selected]).toEqual([2]);
    s = clickRow(s, rows, 4, ctrl);
    expect([...s.selected].sort()).toEqual([2, 4]);
    s = clickRow(s, rows, 2, ctrl);
    expect([...s.selected]).toEqual([4]);
    // The last clicked row is the anchor (as in Windows Explorer), even when Ctrl unticked it.
    s = clickRow(s, rows, 4, plain);
    s = clickRow(s, rows, 6, shift);
    expect([...s.selected].sort()).toEqual([4, 5, 6]);
    // Shift measures from the anchor, also upwards, and replaces the earlier range.
    s = clickRow(s, rows, 1, shift);
    expect([...s.selected].sort()).toEqual([1, 2, 3, 4]);
  });

  it('Ctrl+Shift and check boxes add the range to the selection', () => {
    let s = clickRow(emptySelection<number>(), rows, 1, plain);
    s = clickRow(s, rows, 4, ctrl);
    s = clickRow(s, rows, 6, { ctrl: true, shift: true });
    expect([...s.selected].sort()).toEqual([1, 4, 5, 6]);
    let c = clickRow(emptySelection<number>(), rows, 5, plain, true);
    c = clickRow(c, rows, 3, plain, true);
    expect([...c.selected].sort()).toEqual([3, 5]);
  });

  it('Shift without an anchor acts as a plain click; vanished rows are dropped', () => {
    const s = clickRow(emptySelection<number>(), rows, 3, shift);
    expect([...s.selected]).toEqual([3]);
    expect([...retainRows(s, [1, 2]).selected]).toEqual([]);
    expect(retainRows(s, [1, 2]).anchor).toBeNull();
  });
});

describe('Strg + drag', () => {
  it('marks the rows from the start of the drag to the row under the pointer, in either direction, keeping earlier marks', () => {
    const base = { selected: new Set([1]), anchor: 1 };
    expect([...dragRange(base, rows, 3, 5).selected].sort()).toEqual([1, 3, 4, 5]);
    // Dragging back up shrinks the range again: it is measured from the base each time.
    expect([...dragRange(base, rows, 3, 2).selected].sort()).toEqual([1, 2, 3]);
    expect(dragRange(base, rows, 3, 99)).toBe(base);
  });
});
