import { ActionIcon, Box, Button, Checkbox, Group, Table, Text, TextInput, Tooltip } from '@mantine/core';
import { IconCheck, IconEye, IconPencil, IconX } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../../lib/errors';
import { formatMoney } from '../../lib/format';
import { useLocale } from '../../lib/hooks';
import { DocumentNumbers, IssueList, isBlocked } from './issues';
import { clickRow, modifiersOf, type RowSelection } from './selection';
import type { RecipientView } from './types';

/**
 * The send dialog's customer table. Rows select like a desktop list (click, Ctrl-click,
 * Shift-click; the check boxes add and remove single rows); blocking rows are tinted red.
 */
export function RecipientsTable(props: {
  rows: RecipientView[];
  selection: RowSelection<number>;
  onSelectionChange: (next: RowSelection<number>) => void;
  editable: boolean;
  onPreview: (customerId: number) => void;
  onFixAddress: (customerId: number, email: string) => Promise<void>;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const ids = props.rows.map((r) => r.customerId);
  const allOnPage = ids.length > 0 && ids.every((id) => props.selection.selected.has(id));
  const someOnPage = ids.some((id) => props.selection.selected.has(id));
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table striped={false} highlightOnHover verticalSpacing={6} aria-label={t('dispatchUi.dialog.recipients')} className="select-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={36}>
              <Checkbox
                aria-label={t('dispatchUi.dialog.selectPage')}
                checked={allOnPage}
                indeterminate={someOnPage && !allOnPage}
                onChange={() => props.onSelectionChange({ selected: allOnPage ? new Set() : new Set(ids), anchor: null })}
              />
            </Table.Th>
            <Table.Th>{t('dispatchUi.col.customer')}</Table.Th>
            <Table.Th>{t('dispatchUi.col.email')}</Table.Th>
            <Table.Th>{t('dispatchUi.col.byPost')}</Table.Th>
            <Table.Th>{t('dispatchUi.col.documents')}</Table.Th>
            <Table.Th ta="right">{t('dispatchUi.col.total')}</Table.Th>
            <Table.Th>{t('dispatchUi.col.notes')}</Table.Th>
            <Table.Th w={40} />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {props.rows.map((r) => {
            const selected = props.selection.selected.has(r.customerId);
            const blocked = isBlocked(r);
            const docs = r.documents.filter((d) => !d.excluded);
            return (
              <Table.Tr
                key={r.customerId}
                aria-selected={selected}
                data-blocked={blocked || undefined}
                data-customer={r.name}
                onMouseDown={(e) => {
                  // Shift-click would otherwise select the text between the rows.
                  if (e.shiftKey) e.preventDefault();
                }}
                onClick={(e) => props.onSelectionChange(clickRow(props.selection, ids, r.customerId, modifiersOf(e)))}
                style={{
                  cursor: 'default',
                  background: selected ? 'var(--mantine-color-indigo-1)' : blocked ? 'var(--mantine-color-red-0)' : undefined,
                  boxShadow: blocked ? 'inset 3px 0 0 var(--mantine-color-red-6)' : undefined,
                }}
              >
                <Table.Td onClick={(e) => e.stopPropagation()}>
                  <Checkbox
                    aria-label={t('dispatchUi.dialog.selectRow', { name: r.name })}
                    checked={selected}
                    onChange={(e) => props.onSelectionChange(clickRow(props.selection, ids, r.customerId, { ctrl: false, shift: e.nativeEvent instanceof MouseEvent && e.nativeEvent.shiftKey }, true))}
                  />
                </Table.Td>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {r.name}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {r.customerNumber}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <EmailCell recipient={r} editable={props.editable} onSave={(email) => props.onFixAddress(r.customerId, email)} />
                </Table.Td>
                <Table.Td>{r.invoiceByPost ? <Text size="sm" fw={600} c="red.8">{t('dispatchUi.yes')}</Text> : <Text size="sm" c="dimmed">{t('dispatchUi.no')}</Text>}</Table.Td>
                <Table.Td>
                  <DocumentNumbers numbers={docs.map((d) => d.number ?? t('dispatchUi.draftNumber'))} />
                  {r.documents.length > docs.length && (
                    <Text size="xs" c="dimmed">
                      {t('dispatchUi.dialog.excludedDocs', { count: r.documents.length - docs.length })}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td ta="right">
                  <span className="money">{formatMoney(r.totalCents, locale)}</span>
                </Table.Td>
                <Table.Td>
                  <IssueList recipient={r} />
                </Table.Td>
                <Table.Td onClick={(e) => e.stopPropagation()}>
                  <Tooltip label={t('dispatchUi.preview.forRecipient', { name: r.name })}>
                    <ActionIcon variant="subtle" aria-label={t('dispatchUi.preview.forRecipient', { name: r.name })} onClick={() => props.onPreview(r.customerId)} disabled={r.removed}>
                      <IconEye size={16} />
                    </ActionIcon>
                  </Tooltip>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** The address right in the row: add a missing one or correct an invalid one (saved on the customer). */
function EmailCell({ recipient, editable, onSave }: { recipient: RecipientView; editable: boolean; onSave: (email: string) => Promise<void> }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const addressProblem = recipient.issues.some((i) => i.code === 'emailMissing' || i.code === 'emailInvalid');
  if (draft !== null) {
    const save = async () => {
      setSaving(true);
      setError(null);
      try {
        await onSave(draft.trim());
        setDraft(null);
      } catch (e) {
        setError(errorMessage(t, e));
      } finally {
        setSaving(false);
      }
    };
    return (
      <Box
        component="form"
        onClick={(e) => e.stopPropagation()}
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <Group gap={4} wrap="nowrap" align="flex-start">
          <TextInput size="xs" type="email" w={220} aria-label={t('dispatchUi.dialog.emailOf', { name: recipient.name })} value={draft} onChange={(e) => setDraft(e.currentTarget.value)} error={error} autoFocus />
          <ActionIcon type="submit" size="md" aria-label={t('dispatchUi.dialog.saveEmail')} loading={saving}>
            <IconCheck size={14} />
          </ActionIcon>
          <ActionIcon size="md" variant="default" aria-label={t('common.cancel')} onClick={() => setDraft(null)}>
            <IconX size={14} />
          </ActionIcon>
        </Group>
      </Box>
    );
  }
  return (
    <Group gap={4} wrap="nowrap">
      <Text size="sm" c={recipient.email ? (addressProblem ? 'red.8' : undefined) : 'dimmed'} style={{ whiteSpace: 'nowrap' }}>
        {recipient.email ?? '—'}
      </Text>
      {editable && !recipient.removed && (addressProblem ? (
        <Button
          size="compact-xs"
          variant="light"
          onClick={(e) => {
            e.stopPropagation();
            setDraft(recipient.email ?? '');
          }}
        >
          {recipient.email ? t('dispatchUi.dialog.fixEmail') : t('dispatchUi.dialog.addEmail')}
        </Button>
      ) : (
        <ActionIcon
          size="sm"
          variant="subtle"
          color="gray"
          aria-label={t('dispatchUi.dialog.emailOf', { name: recipient.name })}
          onClick={(e) => {
            e.stopPropagation();
            setDraft(recipient.email ?? '');
          }}
        >
          <IconPencil size={13} />
        </ActionIcon>
      ))}
    </Group>
  );
}
