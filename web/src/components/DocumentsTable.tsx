import { Anchor, Text } from '@mantine/core';
import { DataTable, type DataTableColumn } from 'mantine-datatable';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import type { DocumentListItem } from '../api/types';
import { formatDate, formatDateTime, formatMoney } from '../lib/format';
import { useLocale } from '../lib/hooks';
import { StatusBadge } from './StatusBadge';

/** A compact, server-paged list of documents (used on the customer page). */
export function DocumentsTable(props: {
  records: DocumentListItem[];
  total: number;
  page: number;
  pageSize: number;
  fetching: boolean;
  onPageChange: (page: number) => void;
  showCustomer?: boolean;
  noRecordsText: string;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const navigate = useNavigate();
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
    />
  );
}
