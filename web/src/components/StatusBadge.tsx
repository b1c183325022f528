import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { DocumentStatus } from '../api/types';

const COLORS: Record<DocumentStatus, string> = { draft: 'gray', final: 'green', cancelled: 'red' };

export function StatusBadge({ status }: { status: DocumentStatus }) {
  const { t } = useTranslation();
  return (
    <Badge color={COLORS[status]} variant="light" tt="none" maw="none" styles={{ label: { overflow: 'visible', textOverflow: 'clip' } }}>
      {t(`documents.status.${status}`)}
    </Badge>
  );
}
