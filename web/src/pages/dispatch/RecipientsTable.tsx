import { ActionIcon, Box, Button, Group, Table, TextInput } from '@mantine/core';
import { IconCheck, IconEye, IconPencil, IconX } from '@tabler/icons-react';
import type { TFunction } from 'i18next';
import { memo, useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../../lib/errors';
import { formatMoney } from '../../lib/format';
import { useLocale } from '../../lib/hooks';
import type { Locale } from '../../api/types';
import { RowCheckbox } from '../../components/RowCheckbox';
import { DocumentNumbers, IssueList, isBlocked } from './issues';
import { clickRow, dragRange, modifiersOf, type ClickModifiers, type RowSelection } from './selection';
import type { RecipientView } from './types';

/**
 * The send dialog's customer table. Rows select like a desktop list (click, Ctrl-click,
 * Shift-click; the check boxes add and remove single rows); blocking rows are tinted red.
 * Rows are memoised and get stable callbacks (through a ref), so a click re-renders only the
 * rows whose selection changed, not the whole page.
 */
export function RecipientsTable(props: {
  rows: RecipientView[];
  selection: RowSelection<number>;
  onSelectionChange: (next: RowSelection<number>) => void;
  editable: boolean;
  onPreview: (customerId: number) => void;
  onFixAddress: (customerId: number, email: string) => Promise<void>;
  /** recipients in this view on all pages; the header box marks them all */
  total: number;
  onSelectAll: () => void;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const ids = useMemo(() => props.rows.map((r) => r.customerId), [props.rows]);
  const count = props.selection.selected.size;
  const allMarked = props.total > 0 && count >= props.total;
  const latest = useRef({ props, ids });
  latest.current = { props, ids };
  // Strg + drag: where the drag started and what was marked then; a drag ends with the button.
  const drag = useRef<{ start: number; base: RowSelection<number>; moved: boolean } | null>(null);
  const suppressClick = useRef(false);
  useEffect(() => {
    const end = () => {
      // A drag that ends on its first row is followed by that row's click: it must not toggle it.
      // Ended elsewhere, no row gets a click; the flag is dropped after this event.
      suppressClick.current = drag.current?.moved ?? false;
      drag.current = null;
      setTimeout(() => {
        suppressClick.current = false;
      }, 0);
    };
    document.addEventListener('mouseup', end);
    return () => document.removeEventListener('mouseup', end);
  }, []);
  const actions = useMemo<RowActions>(
    () => ({
      click: (customerId, modifiers, additive) => {
        if (suppressClick.current) {
          suppressClick.current = false;
          return;
        }
        const { props: p, ids: rowIds } = latest.current;
        p.onSelectionChange(clickRow(p.selection, rowIds, customerId, modifiers, additive));
      },
      dragStart: (customerId) => {
        drag.current = { start: customerId, base: latest.current.props.selection, moved: false };
      },
      dragOver: (customerId) => {
        const d = drag.current;
        if (!d) return;
        d.moved = d.moved || customerId !== d.start;
        if (d.moved) latest.current.props.onSelectionChange(dragRange(d.base, latest.current.ids, d.start, customerId));
      },
      preview: (customerId) => latest.current.props.onPreview(customerId),
      fixAddress: (customerId, email) => latest.current.props.onFixAddress(customerId, email),
    }),
    [],
  );
  return (
    <Table.ScrollContainer minWidth={760}>
      <Table layout="fixed" aria-label={t('dispatchUi.dialog.recipients')} className="select-table list-table">
        <colgroup>
          <col className="col-check" />
          <col style={{ width: '22%' }} />
          <col style={{ width: '20%' }} />
          <col style={{ width: '3.25rem' }} />
          <col style={{ width: '8rem' }} />
          <col style={{ width: '6.5rem' }} />
          <col />
          <col style={{ width: '2.75rem' }} />
        </colgroup>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>
              <RowCheckbox
                label={t('dispatchUi.dialog.selectAll', { count: props.total })}
                checked={allMarked}
                indeterminate={count > 0 && !allMarked}
                onChange={() => (count > 0 ? props.onSelectionChange({ selected: new Set(), anchor: null }) : props.onSelectAll())}
              />
            </Table.Th>
            <Table.Th>{t('dispatchUi.col.customer')}</Table.Th>
            <Table.Th>{t('dispatchUi.col.email')}</Table.Th>
            <Table.Th title={t('dispatchUi.col.byPost')}>{t('dispatchUi.col.byPostShort')}</Table.Th>
            <Table.Th>{t('dispatchUi.col.documents')}</Table.Th>
            <Table.Th ta="right">{t('dispatchUi.col.total')}</Table.Th>
            <Table.Th>{t('dispatchUi.col.notes')}</Table.Th>
            <Table.Th>
              <span className="visually-hidden">{t('dispatchUi.preview.button')}</span>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <tbody className="list-rows">
          {props.rows.map((r) => (
            <RecipientRow key={r.customerId} r={r} selected={props.selection.selected.has(r.customerId)} editable={props.editable} t={t} locale={locale} actions={actions} />
          ))}
        </tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

interface RowActions {
  click: (customerId: number, modifiers: ClickModifiers, additive: boolean) => void;
  /** Strg + drag (the seed's "STRG-Taste + linke Maustaste gedrückt … nach unten ziehen") */
  dragStart: (customerId: number) => void;
  dragOver: (customerId: number) => void;
  preview: (customerId: number) => void;
  fixAddress: (customerId: number, email: string) => Promise<void>;
}

const stop = (e: MouseEvent) => e.stopPropagation();
// Shift-click would otherwise select the text between the rows, a Strg-drag the text under the pointer.
const noTextSelection = (e: MouseEvent) => {
  if (e.shiftKey || e.ctrlKey || e.metaKey) e.preventDefault();
};

/** One recipient: plain elements (a page of 100 rows in milliseconds); the name is cut with "…" and shown whole on hover. */
const RecipientRow = memo(function RecipientRow({ r, selected, editable, t, locale, actions }: { r: RecipientView; selected: boolean; editable: boolean; t: TFunction; locale: Locale; actions: RowActions }) {
  const blocked = isBlocked(r);
  const docs = r.documents.filter((d) => !d.excluded);
  const previewLabel = t('dispatchUi.preview.forRecipient', { name: r.name });
  return (
    <tr
      aria-selected={selected}
      data-blocked={blocked || undefined}
      data-customer={r.name}
      onMouseDown={(e) => {
        noTextSelection(e);
        if ((e.ctrlKey || e.metaKey) && e.button === 0) actions.dragStart(r.customerId);
      }}
      onMouseEnter={(e) => {
        if ((e.buttons & 1) !== 0) actions.dragOver(r.customerId);
      }}
      onClick={(e) => actions.click(r.customerId, modifiersOf(e), false)}
    >
      <td onClick={stop}>
        <RowCheckbox
          label={t('dispatchUi.dialog.selectRow', { name: r.name })}
          checked={selected}
          onChange={(e) => actions.click(r.customerId, { ctrl: false, shift: e.nativeEvent instanceof MouseEvent && e.nativeEvent.shiftKey }, true)}
        />
      </td>
      <td className="cut" title={r.name}>
        <span className="strong">{r.name}</span>
        <br />
        <span className="small dimmed">{r.customerNumber}</span>
      </td>
      <td className="cut-wrap">
        <EmailCell recipient={r} editable={editable} onSave={(email) => actions.fixAddress(r.customerId, email)} />
      </td>
      <td>{r.invoiceByPost ? <span className="strong text-red">{t('dispatchUi.yes')}</span> : <span className="dimmed">{t('dispatchUi.no')}</span>}</td>
      <td className="wrap">
        <DocumentNumbers numbers={docs.map((d) => d.number ?? t('dispatchUi.draftNumber'))} />
        {r.documents.length > docs.length && <div className="small dimmed">{t('dispatchUi.dialog.excludedDocs', { count: r.documents.length - docs.length })}</div>}
      </td>
      <td className="money">{formatMoney(r.totalCents, locale)}</td>
      <td className="wrap">
        <IssueList recipient={r} />
      </td>
      <td onClick={stop}>
        <button type="button" className="icon-button" aria-label={previewLabel} title={previewLabel} onClick={() => actions.preview(r.customerId)} disabled={r.removed}>
          <IconEye size={16} aria-hidden />
        </button>
      </td>
    </tr>
  );
});

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
          <TextInput size="xs" type="email" style={{ flex: 1, minWidth: 0 }} aria-label={t('dispatchUi.dialog.emailOf', { name: recipient.name })} value={draft} onChange={(e) => setDraft(e.currentTarget.value)} error={error} autoFocus />
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
    <div className="email-cell">
      <span className={recipient.email ? (addressProblem ? 'text-red' : undefined) : 'dimmed'} title={recipient.email ?? undefined}>
        {recipient.email ?? '—'}
      </span>
      {editable && !recipient.removed && (addressProblem ? (
        <Button
          size="compact-xs"
          variant="light"
          style={{ flex: 'none' }}
          onClick={(e) => {
            e.stopPropagation();
            setDraft(recipient.email ?? '');
          }}
        >
          {recipient.email ? t('dispatchUi.dialog.fixEmail') : t('dispatchUi.dialog.addEmail')}
        </Button>
      ) : (
        <button
          type="button"
          className="icon-button"
          aria-label={t('dispatchUi.dialog.emailOf', { name: recipient.name })}
          onClick={(e) => {
            e.stopPropagation();
            setDraft(recipient.email ?? '');
          }}
        >
          <IconPencil size={13} aria-hidden />
        </button>
      ))}
    </div>
  );
}
