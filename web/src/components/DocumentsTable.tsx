import { ActionIcon, Anchor, Text } from '@mantine/core';
import { IconHistory } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';
import { DataTable, type DataTableColumn } from 'mantine-datatable';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import type { DocumentListItem } from '../api/types';
import { formatDate, formatDateTime, formatMoney } from '../lib/format';
import { useLocale } from '../lib/hooks';
import { StatusBadge } from './StatusBadge';

/** A compact, server-paged list of documents (used on the customer page), optionally with an expandable detail per row (the send history). */
export function DocumentsTable(props: {
  records: DocumentListItem[];
  total: number;
  page: number;
  pageSize: number;
  fetching: boolean;
  onPageChange: (page: number) => void;
  showCustomer?: boolean;
  noRecordsText: string;
  /** the content shown below a row when its history button is pressed */
  expansion?: { render: (d: DocumentListItem) => ReactNode; expandable: (d: DocumentListItem) => boolean };
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const navigate = useNavigate();
  const [expanded, setExpanded] = useState<number[]>([]);
  const expansion = props.expansion;
  const columns: DataTableColumn<DocumentListItem>[] = [
    {
      accessor: 'number',
      title: t('documents.fields.number'),
      render: (d) => (
        <Anchor component={Link} to={`/documents/${d.id}`} onClick={(e) => e.stopPropagation()} style={{ whiteSpace: "nowrap" }}>
          {d.number ?? t('documents.draftNumber')}
        </Anchor>
      ),
    },
    { accessor: 'type', title: t('documents.fields.type'), render: (d) => t(`documents.type.${d.type}`) },
    { accessor: 'issueDate', title: t('documents.fields.issueDate'), render: (d) => formatDate(d.issueDate, locale) },
    ...(props.showCustomer ? [{ accessor: 'customerName', title: t('documents.fields.customer') } satisfies DataTableColumn<DocumentListItem>] : []),
    { accessor: 'grossCents', title: t('documents.fields.total'), textAlign: 'right', render: (d) => <span className="money">{formatMoney(d.grossCents, locale)}</span> },
    { accessor: 'status', title: t('documents.fields.status'), render: (d) => <StatusBadge status={d.status} /> },
    {
      accessor: 'lastSentAt',
      title: t('documents.fields.lastSent'),
      render: (d) =>
        d.lastSentAt ? (
          <Text size="sm">
            {formatDateTime(d.lastSentAt, locale)}
            {d.lastSentTo ? ` · ${d.lastSentTo}` : ''}
          </Text>
        ) : (
          <Text size="sm" c="dimmed">
            {t('documents.notSent')}
          </Text>
        ),
    },
    ...(expansion
      ? [
          {
            accessor: 'history',
            title: t('documents.sendHistory.column'),
            textAlign: 'center',
            width: 80,
            render: (d) => {
              if (!expansion.expandable(d)) return null;
              const open = expanded.includes(d.id);
              const number = d.number ?? t('documents.draftNumber');
              const label = open ? t('documents.sendHistory.hide', { number }) : t('documents.sendHistory.show', { number });
              return (
                <ActionIcon
                  variant={open ? 'filled' : 'subtle'}
                  aria-label={label}
                  title={label}
                  aria-expanded={open}
                  onClick={(e) => {
                    e.stopPropagation();
                    setExpanded((ids) => (open ? ids.filter((x) => x !== d.id) : [...ids, d.id]));
                  }}
                >
                  <IconHistory size={16} aria-hidden />
                </ActionIcon>
              );
            },
          } satisfies DataTableColumn<DocumentListItem>,
        ]
      : []),
  ];
  return (
    <DataTable<DocumentListItem>
      aria-label={t('documents.title')}
      minHeight={props.records.length === 0 ? 150 : undefined}
      striped
      highlightOnHover
      records={props.records}
      totalRecords={props.total}
      page={props.page}
      recordsPerPage={props.pageSize}
      onPageChange={props.onPageChange}
      paginationText={({ from, to, totalRecords }) => t('common.paginationText', { from, to, total: totalRecords })}
      fetching={props.fetching}
      noRecordsText={props.noRecordsText}
      onRowClick={({ record }) => navigate(`/documents/${record.id}`)}
      columns={columns}
      {...(expansion
        ? {
            rowExpansion: {
              trigger: 'never',
              allowMultiple: true,
              expanded: { recordIds: expanded, onRecordIdsChange: (ids: unknown[]) => setExpanded(ids.filter((x): x is number => typeof x === 'number')) },
              content: ({ record }) => <div style={{ padding: 'var(--mantine-spacing-xs) var(--mantine-spacing-md)' }}>{expansion.render(record)}</div>,
            },
          }
        : {})}
    />
  );
}
