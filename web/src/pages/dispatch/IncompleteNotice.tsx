import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconPrinter, IconRepeat, IconSearch, IconServer, IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { ApiError } from '../../api/client';

const CUSTOMER_LEVEL = new Set(['recipient.emailMissing', 'recipient.emailInvalid', 'recipient.invoiceByPost']);

function customerIds(meta: Record<string, unknown> | undefined): number[] {
  const ids: unknown = meta?.['customerIds'];
  return Array.isArray(ids) ? ids.filter((x): x is number => typeof x === 'number') : [];
}

/**
 * Unvollständigkeitshinweis: the server refused to send (422 dispatch.incomplete) and listed
 * every problem; each line says what is missing in words and offers the fix. Nothing was sent.
 */
export function IncompleteNotice(props: {
  error: ApiError | null;
  isAdmin: boolean;
  busy: boolean;
  onClose: () => void;
  onChooseTemplate: () => void;
  onRemoveCustomers: (ids: number[]) => void;
  /** "Erneut senden": the person decides that these customers get their already sent documents again */
  onResend: (ids: number[]) => void;
  onRemoveIneligible: () => void;
  onShowIneligible: () => void;
  printHref: string;
}) {
  const { t } = useTranslation();
  const details = props.error?.details ?? [];
  const recipientProblems = details.some((d) => d.code.startsWith('recipient.'));
  return (
    <Modal opened={props.error !== null} onClose={props.onClose} size="lg" centered title={<Text fw={700}>{t('dispatchUi.incomplete.title')}</Text>}>
      <Stack gap="sm">
        <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} aria-hidden />}>
          {t('dispatchUi.incomplete.text')}
        </Alert>
        <Stack gap="xs" data-testid="incomplete-list" role="list">
          {details.map((d) => {
            const ids = customerIds(d.meta);
            const key = d.code.replace('.', '_');
            return (
              <Group key={d.code} justify="space-between" wrap="wrap" gap="xs" role="listitem" p="xs" style={{ border: '1px solid var(--mantine-color-gray-3)', borderRadius: 4 }}>
                <Text size="sm" fw={500} style={{ flex: '1 1 200px' }}>{t(`dispatchUi.incomplete.items.${key}`, { count: ids.length, defaultValue: t('dispatchUi.incomplete.items.other', { code: d.code, count: ids.length }) })}</Text>
                <Group gap={6} wrap="wrap">
                  {d.code === 'dispatch.templateMissing' && (
                    <Button size="xs" leftSection={<IconSearch size={14} aria-hidden />} onClick={props.onChooseTemplate}>
                      {t('dispatchUi.incomplete.chooseTemplate')}
                    </Button>
                  )}
                  {d.code === 'smtp.notConfigured' && props.isAdmin && (
                    <Button size="xs" variant="light" component={Link} to="/settings/mail" leftSection={<IconServer size={14} aria-hidden />}>
                      {t('dispatchUi.incomplete.configureSmtp')}
                    </Button>
                  )}
                  {d.code === 'recipient.invoiceByPost' && (
                    <Button size="xs" variant="default" component="a" href={props.printHref} target="_blank" leftSection={<IconPrinter size={14} aria-hidden />}>
                      {t('dispatchUi.dialog.printPost')}
                    </Button>
                  )}
                  {d.code === 'recipient.alreadySent' && ids.length > 0 && (
                    <Button size="xs" variant="light" color="orange" leftSection={<IconRepeat size={14} aria-hidden />} loading={props.busy} onClick={() => props.onResend(ids)}>
                      {t('dispatchUi.incomplete.resendThese', { count: ids.length })}
                    </Button>
                  )}
                  {CUSTOMER_LEVEL.has(d.code) && ids.length > 0 && (
                    <Button size="xs" variant="light" color="red" leftSection={<IconTrash size={14} aria-hidden />} loading={props.busy} onClick={() => props.onRemoveCustomers(ids)}>
                      {t('dispatchUi.incomplete.removeThese', { count: ids.length })}
                    </Button>
                  )}
                </Group>
              </Group>
            );
          })}
        </Stack>
        <Group justify="space-between" mt="xs">
          <Group gap="xs">
            {recipientProblems && (
              <>
                <Button color="red" leftSection={<IconTrash size={16} aria-hidden />} loading={props.busy} onClick={props.onRemoveIneligible}>
                  {t('dispatchUi.dialog.removeIneligible')}
                </Button>
                <Button variant="default" onClick={props.onShowIneligible}>
                  {t('dispatchUi.incomplete.show')}
                </Button>
              </>
            )}
          </Group>
          <Button variant="default" onClick={props.onClose}>
            {t('dispatchUi.close')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
