import { useEffect, useRef, type ChangeEvent } from 'react';

/**
 * A plain check box for table rows and headers: a native input (styled in styles.css) instead of
 * Mantine's Checkbox, because a page of 100–500 rows renders hundreds of them and each Mantine
 * one costs several components. `indeterminate` is a DOM property, set after rendering.
 */
export function RowCheckbox(props: { label: string; checked: boolean; indeterminate?: boolean; disabled?: boolean; title?: string; onChange: (e: ChangeEvent<HTMLInputElement>) => void }) {
  const ref = useRef<HTMLInputElement>(null);
  const indeterminate = props.indeterminate ?? false;
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = indeterminate;
  }, [indeterminate]);
  return <input ref={ref} type="checkbox" className="row-check" aria-label={props.label} title={props.title} checked={props.checked} disabled={props.disabled} onChange={props.onChange} />;
}
