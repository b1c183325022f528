import { useTranslation } from 'react-i18next';
import type { ReceivableState } from './types';

const COLORS: Record<ReceivableState, string> = { open: 'blue', partlyPaid: 'yellow', overdue: 'red', paid: 'green', cancelled: 'gray' };

/** open / teilweise bezahlt / überfällig / bezahlt / storniert, as the status chips elsewhere. */
export function ReceivableBadge({ state }: { state: ReceivableState }) {
  const { t } = useTranslation();
  return (
    <span className="status-chip" data-receivable-state={state} style={{ background: `var(--mantine-color-${COLORS[state]}-light)`, color: `var(--mantine-color-${COLORS[state]}-light-color)` }}>
      {t(`receivables.state.${state}`)}
    </span>
  );
}
