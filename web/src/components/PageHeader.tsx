import { Group, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { usePageTitle } from '../lib/hooks';

/** The page's heading; it also names the browser tab (a heading that is not plain text passes `documentTitle`). */
export function PageHeader({ title, description, actions, documentTitle }: { title: ReactNode; description?: ReactNode; actions?: ReactNode; documentTitle?: string }) {
  usePageTitle(documentTitle ?? (typeof title === 'string' ? title : null));
  return (
    <Group justify="space-between" align="flex-start" mb="md" wrap="wrap">
      {/* The description takes the free width, the actions stay on the right (below it only when narrow). */}
      <Stack gap={2} style={{ flex: '1 1 420px', minWidth: 0 }}>
        <Title order={2}>{title}</Title>
        {description && (
          <Text c="dimmed" size="sm">
            {description}
          </Text>
        )}
      </Stack>
      {actions && <Group gap="sm">{actions}</Group>}
    </Group>
  );
}
