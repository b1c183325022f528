import { Alert, Badge, Button, Group, Menu, Pagination, Paper, Select, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconChevronDown, IconDotsVertical, IconFilePlus, IconFileSpreadsheet, IconPrinter, IconSend, IconX } from '@tabler/icons-react';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { useCallback, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api, query } from '../../api/client';
import type { DocumentListItem, Page } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { errorMessage } from '../../lib/errors';
import { useLocale } from '../../lib/hooks';
import { postForBlob, saveBlob } from '../dispatch/api';
import type { DispatchSelection, DispatchView } from '../dispatch/types';
import { EVALUATIONS_KEY, FilterPanel } from './FilterPanel';
import { DocumentRow, DocumentsHeader, type RowClick } from './EvaluationsTable';
import { filterBody, filterQuery, formFromParams, formToParams, isSort, type FilterForm, type Sort } from './filter';
import { allMatching, clickDocument, isSelected as isSelectedIn, noSelection, selectedCount as countSelected, selectionBody as bodyOf, type EvaluationSelection } from './selection';

const PAGE_SIZES = ['50', '100', '250', '500'];

/** Auswertungen → Rechnungen, Angebote: filter, Laden, select (also everything matching), Mehr-Menü. */
export function EvaluationsPage() {
  const { t } = useTranslation();
  const locale = useLocale();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const applied = useMemo(() => formFromParams(params), [params]);
  const loaded = params.has('loaded');
  const paramsRef = useRef(params);
  paramsRef.current = params;
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);
  const pageSize = PAGE_SIZES.includes(params.get('pageSize') ?? '') ? Number(params.get('pageSize')) : 100;
  const sortParam = params.get('sort');
  const sort: Sort = isSort(sortParam) ? sortParam : 'issueDate';
  const order = params.get('order') === 'asc' ? 'asc' : 'desc';
  const [selection, setSelection] = useState<EvaluationSelection>(noSelection);
  const number = (n: number) => n.toLocaleString(locale === 'de' ? 'de-DE' : 'en-GB');

  const body = useMemo(() => filterBody(applied), [applied]);
  // "fällig am" and "offen" while the list is about receivables (filter Zahlung set)
  const receivables = applied.payment !== '';
  // A selection belongs to the filter it was made under: another filter (also by the browser's
  // back button or an edited address) starts with nothing selected.
  const filterKey = JSON.stringify(body);
  const [selectionFilter, setSelectionFilter] = useState(filterKey);
  if (selectionFilter !== filterKey) {
    setSelectionFilter(filterKey);
    setSelection(noSelection());
  }
  const list = useQuery({
    queryKey: [...EVALUATIONS_KEY, body, page, pageSize, sort, order],
    queryFn: () => api.get<Page<DocumentListItem>>(`/api/documents${query({ ...filterQuery(body), page, pageSize, sort, order })}`),
    enabled: loaded,
    placeholderData: keepPreviousData,
  });
  const rows = list.data?.items ?? [];
  const total = list.data?.total ?? 0;
  const selectedCount = countSelected(selection, total);
  const excludedCount = selection.mode === 'allMatching' ? selection.excluded.size : 0;
  const isSelected = (id: number) => isSelectedIn(selection, id);

  const setParam = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    setParams(next);
  };

  const refetchRef = useRef(list.refetch);
  refetchRef.current = list.refetch;
  const load = useCallback(
    (form: FilterForm) => {
      setSelection(noSelection());
      const next = new URLSearchParams(formToParams(form));
      for (const k of ['pageSize', 'sort', 'order']) {
        const v = paramsRef.current.get(k);
        if (v) next.set(k, v);
      }
      setParams(next);
      void refetchRef.current();
    },
    [setParams],
  );

  /** A click on a row or its check box; in "all matching" unticking a row excludes just that row. Stable, so the memoised rows stay untouched. */
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const onRowClick = useCallback<RowClick>((id, modifiers, additive) => setSelection((prev) => clickDocument(prev, rowsRef.current, id, modifiers, additive)), []);

  const selectionBody = (): DispatchSelection | null => bodyOf(selection, body);
  const createDispatch = useMutation({
    mutationFn: (sel: DispatchSelection) => api.post<DispatchView & { existing: boolean; added: number }>('/api/dispatches', sel),
    onSuccess: (dispatch) => {
      // An open draft already held these invoices (e.g. the back button and the same click again):
      // the server opened it instead of a second copy; say so.
      if (dispatch.existing) notifications.show({ color: 'orange', message: t('dispatchUi.evaluations.existingDraft', { id: dispatch.id, added: dispatch.added }) });
      navigate(`/dispatch/${dispatch.id}`);
    },
  });
  const print = useMutation({
    mutationFn: (sel: DispatchSelection) => postForBlob('/api/documents/print', sel),
    onSuccess: (blob) => {
      const url = URL.createObjectURL(blob);
      if (!window.open(url, '_blank')) saveBlob(blob, t('dispatchUi.evaluations.printFile'));
    },
    onError: (error) => notifications.show({ color: 'red', message: errorMessage(t, error) }),
  });
  // Generated by the server (streamed, in the user's language and time zone): the browser only saves it.
  const exportFile = useMutation({
    mutationFn: async (format: 'csv' | 'xlsx') => {
      const sel = selectionBody();
      if (!sel) return;
      const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      const blob = await postForBlob(`/api/documents/export${query({ format, sort, order, locale, ...(timeZone ? { tz: timeZone } : {}) })}`, sel);
      saveBlob(blob, t(format === 'csv' ? 'dispatchUi.evaluations.csvFile' : 'dispatchUi.evaluations.xlsxFile'));
    },
    onError: (error) => notifications.show({ color: 'red', message: errorMessage(t, error) }),
  });

  const headerChecked = selection.mode === 'allMatching' && excludedCount === 0 && total > 0;
  const headerIndeterminate = !headerChecked && selectedCount > 0;
  const headerRef = useRef({ headerChecked, headerIndeterminate });
  headerRef.current = { headerChecked, headerIndeterminate };
  const onToggleAll = useCallback(() => setSelection(headerRef.current.headerChecked || headerRef.current.headerIndeterminate ? noSelection() : allMatching()), []);
  const onSort = useCallback(
    (key: Sort) => {
      const current = paramsRef.current;
      const next = new URLSearchParams(current);
      const currentSort = current.get('sort') ?? 'issueDate';
      next.set('sort', key);
      next.set('order', currentSort === key && current.get('order') !== 'asc' ? 'asc' : 'desc');
      next.delete('page');
      setParams(next);
    },
    [setParams],
  );

  return (
    <>
      <PageHeader
        title={t('dispatchUi.evaluations.title')}
        description={t('dispatchUi.evaluations.description')}
        actions={
          <Button component={Link} to="/documents/new?type=invoice" leftSection={<IconFilePlus size={16} aria-hidden />}>
            {t('documents.newInvoice')}
          </Button>
        }
      />
      <FilterPanel initial={applied} onLoad={load} />

      <ErrorAlert error={list.error ?? createDispatch.error} />

      <Paper withBorder p="md">
        <Group justify="space-between" mb="sm" role="toolbar" aria-label={t('dispatchUi.evaluations.toolbar')} className="evaluations-toolbar">
          <Group gap="xs">
            <Badge size="lg" tt="none" variant={selectedCount > 0 ? 'filled' : 'light'} color={selectedCount > 0 ? 'indigo' : 'gray'} data-testid="evaluation-selection" aria-live="polite">
              {t('dispatchUi.evaluations.selected', { count: selectedCount, formatted: number(selectedCount) })}
            </Badge>
            {loaded && list.isSuccess && (
              <Text size="sm" c="dimmed" data-testid="evaluation-total">
                {t('dispatchUi.evaluations.found', { count: total, formatted: number(total) })}
              </Text>
            )}
            {selectedCount > 0 && (
              <Button size="compact-sm" variant="subtle" leftSection={<IconX size={14} aria-hidden />} onClick={() => setSelection(noSelection())}>
                {t('dispatchUi.evaluations.clearSelection')}
              </Button>
            )}
          </Group>
          <Menu position="bottom-end" withinPortal shadow="md">
            <Menu.Target>
              <Button variant="default" leftSection={<IconDotsVertical size={16} aria-hidden />} rightSection={<IconChevronDown size={14} aria-hidden />} loading={createDispatch.isPending || print.isPending || exportFile.isPending}>
                {t('dispatchUi.evaluations.more')}
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item
                leftSection={<IconSend size={16} aria-hidden />}
                disabled={selectedCount === 0}
                onClick={() => {
                  const sel = selectionBody();
                  if (sel) createDispatch.mutate(sel);
                }}
              >
                {t('dispatchUi.evaluations.sendSelected')}
              </Menu.Item>
              <Menu.Item
                leftSection={<IconPrinter size={16} aria-hidden />}
                disabled={selectedCount === 0}
                onClick={() => {
                  const sel = selectionBody();
                  if (sel) print.mutate(sel);
                }}
              >
                {t('dispatchUi.evaluations.printSelected')}
              </Menu.Item>
              <Menu.Item leftSection={<IconFileSpreadsheet size={16} aria-hidden />} disabled={selectedCount === 0} onClick={() => exportFile.mutate('csv')}>
                {t('dispatchUi.evaluations.exportCsv')}
              </Menu.Item>
              <Menu.Item leftSection={<IconFileSpreadsheet size={16} aria-hidden />} disabled={selectedCount === 0} onClick={() => exportFile.mutate('xlsx')}>
                {t('dispatchUi.evaluations.exportXlsx')}
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>

        {selection.mode === 'allMatching' && (
          <Alert color="indigo" variant="light" mb="sm" p="xs" data-testid="all-matching">
            <Group gap="xs">
              <Text size="sm">
                {excludedCount === 0
                  ? t('dispatchUi.evaluations.allMatchingSelected', { count: total, formatted: number(total) })
                  : t('dispatchUi.evaluations.allMatchingExcept', { count: excludedCount, formatted: number(excludedCount), total: number(total) })}
              </Text>
              <Button size="compact-sm" variant="subtle" onClick={() => setSelection(noSelection())}>
                {t('dispatchUi.evaluations.clearSelection')}
              </Button>
            </Group>
          </Alert>
        )}

        {!loaded ? (
          <Text c="dimmed" ta="center" py="xl">
            {t('dispatchUi.evaluations.notLoaded')}
          </Text>
        ) : (
          <>
            <Table.ScrollContainer minWidth={760}>
              <Table layout="fixed" className="list-table" aria-label={t('dispatchUi.evaluations.title')} aria-busy={list.isFetching} style={{ opacity: list.isFetching && list.isPlaceholderData ? 0.6 : 1 }}>
                <colgroup>
                  <col className="col-check" />
                  <col style={{ width: '7.875rem' }} />
                  <col style={{ width: '5.75rem' }} />
                  <col style={{ width: '6rem' }} />
                  <col />
                  <col />
                  <col style={{ width: '3.25rem' }} />
                  <col style={{ width: '6.5rem' }} />
                  {receivables && <col style={{ width: '6.75rem' }} />}
                  {receivables && <col style={{ width: '6.5rem' }} />}
                  <col style={{ width: '8.5rem' }} />
                  <col />
                </colgroup>
                <DocumentsHeader
                  t={t}
                  sort={sort}
                  order={order}
                  onSort={onSort}
                  allLabel={t('dispatchUi.evaluations.selectAllMatching', { count: total, formatted: number(total) })}
                  checked={headerChecked}
                  indeterminate={headerIndeterminate}
                  disabled={total === 0}
                  onToggleAll={onToggleAll}
                  receivables={receivables}
                />
                <tbody className="list-rows">
                  {rows.map((d) => (
                    <DocumentRow key={d.id} d={d} selected={isSelected(d.id)} locale={locale} t={t} onClick={onRowClick} receivables={receivables} />
                  ))}
                </tbody>
              </Table>
            </Table.ScrollContainer>
            {list.isSuccess && rows.length === 0 && (
              <Text c="dimmed" ta="center" py="lg">
                {t('dispatchUi.evaluations.noMatch')}
              </Text>
            )}
            <Group justify="space-between" mt="sm">
              <Group gap="xs">
                <Text size="xs" c="dimmed">
                  {t('dispatchUi.evaluations.selectHelp')}
                </Text>
              </Group>
              <Group gap="xs">
                <Select size="xs" w={90} aria-label={t('dispatchUi.evaluations.pageSize')} data={PAGE_SIZES} value={String(pageSize)} allowDeselect={false} onChange={(v) => setParam({ pageSize: v, page: null })} />
                {total > pageSize && <Pagination size="sm" total={Math.ceil(total / pageSize)} value={page} onChange={(p) => setParam({ page: String(p) })} />}
              </Group>
            </Group>
          </>
        )}
      </Paper>
    </>
  );
}
