import { Table, UnstyledButton } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconSelector } from '@tabler/icons-react';
import type { TFunction } from 'i18next';
import { memo, type MouseEvent } from 'react';
import { Link } from 'react-router-dom';
import type { DocumentListItem, Locale } from '../../api/types';
import { RowCheckbox } from '../../components/RowCheckbox';
import { StatusBadge } from '../../components/StatusBadge';
import { formatDate, formatDateTime, formatMoney } from '../../lib/format';
import { modifiersOf, type ClickModifiers } from '../dispatch/selection';
import type { Sort } from './filter';

export type RowClick = (id: number, modifiers: ClickModifiers, additive: boolean) => void;

const stop = (e: MouseEvent) => e.stopPropagation();
// Shift-click would otherwise select the text between the rows.
const noTextSelection = (e: MouseEvent) => {
  if (e.shiftKey) e.preventDefault();
};

/**
 * One document row. Memoised and built from plain elements: a selection change re-renders only
 * the rows whose state changed, and a page of rows costs a few milliseconds, not a second.
 * Long texts stay on one line and are cut with "…"; the full text is in the title (hover).
 */
export const DocumentRow = memo(function DocumentRow({ d, selected, locale, t, onClick, receivables = false }: { d: DocumentListItem; selected: boolean; locale: Locale; t: TFunction; onClick: RowClick; receivables?: boolean }) {
  const number = d.number ?? t('dispatchUi.draftNumber');
  const sentAt = d.lastSentAt ? formatDateTime(d.lastSentAt, locale) : null;
  const sentTitle = sentAt ? (d.lastSentTo ? `${sentAt} · ${d.lastSentTo}` : sentAt) : undefined;
  return (
    <tr aria-selected={selected} data-document={d.number ?? d.id} onMouseDown={noTextSelection} onClick={(e) => onClick(d.id, modifiersOf(e), false)}>
      <td onClick={stop}>
        <RowCheckbox
          label={t('dispatchUi.evaluations.selectRow', { number, customer: d.customerName })}
          checked={selected}
          onChange={(e) => onClick(d.id, { ctrl: false, shift: e.nativeEvent instanceof MouseEvent && e.nativeEvent.shiftKey }, true)}
        />
      </td>
      <td className="cut" title={number}>
        <Link to={`/documents/${d.id}`} className="table-link" onClick={stop}>
          {number}
        </Link>
      </td>
      <td className="cut">{t(`documents.type.${d.type}`)}</td>
      <td>{formatDate(d.issueDate, locale)}</td>
      <td className="cut" title={d.customerName}>
        {d.customerName}
      </td>
      <td className="cut" title={d.customerEmail ?? undefined}>
        {d.customerEmail ?? <span className="dimmed">—</span>}
      </td>
      <td>{d.invoiceByPost ? t('dispatchUi.yes') : ''}</td>
      <td className="money">{formatMoney(d.grossCents, locale)}</td>
      {receivables && <td>{formatDate(d.dueDate, locale)}</td>}
      {receivables && <td className="money">{d.openCents === null ? '' : formatMoney(d.openCents, locale)}</td>}
      <td>
        <StatusBadge status={d.status} />
      </td>
      <td className="cut" title={sentTitle}>
        {sentAt ? (
          <>
            {sentAt}
            {d.lastSentTo && <span className="dimmed"> · {d.lastSentTo}</span>}
          </>
        ) : (
          <span className="dimmed">{t('dispatchUi.evaluations.notSent')}</span>
        )}
      </td>
    </tr>
  );
});

/** The header row: the "all matching" box and the sortable column titles (memoised: selection changes of rows leave it alone). */
export const DocumentsHeader = memo(function DocumentsHeader(props: {
  t: TFunction;
  sort: Sort;
  order: 'asc' | 'desc';
  onSort: (key: Sort) => void;
  allLabel: string;
  checked: boolean;
  indeterminate: boolean;
  disabled: boolean;
  onToggleAll: () => void;
  /** the columns "fällig am" and "offen", shown while the payment filter is set */
  receivables?: boolean;
}) {
  const { t, sort, order } = props;
  const sortHeader = (key: Sort, label: string, align: 'left' | 'right' = 'left') => (
    <Table.Th ta={align} aria-sort={sort === key ? (order === 'asc' ? 'ascending' : 'descending') : undefined}>
      <UnstyledButton onClick={() => props.onSort(key)} className="sort-button" data-align={align}>
        <span className="cut">{label}</span>
        {sort === key ? order === 'asc' ? <IconArrowUp size={13} aria-hidden /> : <IconArrowDown size={13} aria-hidden /> : <IconSelector size={13} color="var(--mantine-color-gray-5)" aria-hidden />}
      </UnstyledButton>
    </Table.Th>
  );
  return (
    <Table.Thead>
      <Table.Tr>
        <Table.Th>
          <RowCheckbox label={props.allLabel} title={props.allLabel} checked={props.checked} indeterminate={props.indeterminate} disabled={props.disabled} onChange={props.onToggleAll} />
        </Table.Th>
        {sortHeader('number', t('dispatchUi.col.number'))}
        <Table.Th>{t('dispatchUi.col.type')}</Table.Th>
        {sortHeader('issueDate', t('dispatchUi.col.date'))}
        {sortHeader('customer', t('dispatchUi.col.customer'))}
        <Table.Th>{t('dispatchUi.col.email')}</Table.Th>
        <Table.Th title={t('dispatchUi.col.byPost')}>{t('dispatchUi.col.byPostShort')}</Table.Th>
        {sortHeader('total', t('dispatchUi.col.total'), 'right')}
        {props.receivables && sortHeader('dueDate', t('receivables.filter.dueDate'))}
        {props.receivables && <Table.Th ta="right">{t('receivables.filter.openColumn')}</Table.Th>}
        {sortHeader('status', t('dispatchUi.col.status'))}
        {sortHeader('lastSentAt', t('dispatchUi.col.lastSent'))}
      </Table.Tr>
    </Table.Thead>
  );
});
