import { useTranslation } from 'react-i18next';
import type { DocumentStatus } from '../api/types';

const COLORS: Record<DocumentStatus, string> = { draft: 'gray', final: 'green', cancelled: 'red' };

/**
 * The document's state as a chip. A plain span styled like Mantine's light badge (styles.css):
 * tables render one per row, and the label ("Festgeschrieben") never truncates.
 */
export function StatusBadge({ status }: { status: DocumentStatus }) {
  const { t } = useTranslation();
  return (
    <span className="status-chip" style={{ background: `var(--mantine-color-${COLORS[status]}-light)`, color: `var(--mantine-color-${COLORS[status]}-light-color)` }}>
      {t(`documents.status.${status}`)}
    </span>
  );
}
