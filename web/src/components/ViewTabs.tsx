/**
 * A row of views to switch between ("In der Liste (5)", "Mit Hinweisen (2)", …), looking like
 * Mantine's SegmentedControl but without its measured floating highlight: that one had to be
 * re-mounted and re-measured (a forced layout) whenever a count changed a label's width.
 * Radio semantics as SegmentedControl: one group, arrow keys move between the options.
 */
export function ViewTabs<V extends string>(props: { value: V; data: readonly { value: V; label: string }[]; onChange: (value: V) => void; label?: string; disabled?: boolean }) {
  const index = props.data.findIndex((d) => d.value === props.value);
  const move = (to: number) => {
    const next = props.data[(to + props.data.length) % props.data.length];
    if (next) props.onChange(next.value);
  };
  return (
    <div className="view-tabs" role="radiogroup" aria-label={props.label}>
      {props.data.map((d) => (
        <button
          key={d.value}
          type="button"
          role="radio"
          aria-checked={d.value === props.value}
          tabIndex={d.value === props.value ? 0 : -1}
          disabled={props.disabled}
          onClick={() => props.onChange(d.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowRight' || e.key === 'ArrowDown') move(index + 1);
            else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') move(index - 1);
            else return;
            e.preventDefault();
            const group = e.currentTarget.parentElement;
            requestAnimationFrame(() => group?.querySelector<HTMLButtonElement>('[aria-checked=true]')?.focus());
          }}
        >
          {d.label}
        </button>
      ))}
    </div>
  );
}
