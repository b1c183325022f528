import { Alert, Anchor, Badge, Button, Checkbox, Grid, Group, Menu, MultiSelect, Pagination, Paper, Select, Table, Text, TextInput, UnstyledButton } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconArrowDown, IconArrowUp, IconChevronDown, IconDotsVertical, IconFilePlus, IconFileSpreadsheet, IconPrinter, IconRefresh, IconSelector, IconSend, IconX } from '@tabler/icons-react';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api, query } from '../../api/client';
import type { DocumentListItem, Locale, Page } from '../../api/types';
import { CustomerPicker } from '../../components/CustomerPicker';
import { Email } from '../../components/Email';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { StatusBadge } from '../../components/StatusBadge';
import { errorMessage } from '../../lib/errors';
import { formatDate, formatDateTime, formatMoney } from '../../lib/format';
import { useLocale } from '../../lib/hooks';
import { postForBlob, saveBlob } from '../dispatch/api';
import { modifiersOf } from '../dispatch/selection';
import type { DispatchSelection, DispatchView } from '../dispatch/types';
import { DOC_STATUSES, DOC_TYPES, amountProblems, filterBody, filterQuery, formFromParams, formToParams, isSort, type FilterForm, type Sort } from './filter';
import { allMatching, clickDocument, isSelected as isSelectedIn, noSelection, selectedCount as countSelected, selectionBody as bodyOf, type EvaluationSelection } from './selection';

const PAGE_SIZES = ['50', '100', '250', '500'];

function csvCell(value: string | number): string {
  const s = String(value);
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[";\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csvOf(t: TFunction, locale: Locale, items: DocumentListItem[]): string {
  const head = ['number', 'type', 'date', 'customerNumber', 'customer', 'email', 'byPost', 'net', 'total', 'status', 'lastSent', 'lastSentTo'].map((k) => t(`dispatchUi.evaluations.csv.${k}`));
  const money = (cents: number) => (cents / 100).toFixed(2).replace('.', locale === 'de' ? ',' : '.');
  const lines = items.map((d) =>
    [d.number ?? '', t(`documents.type.${d.type}`), d.issueDate, d.customerNumber, d.customerName, d.customerEmail ?? '', d.invoiceByPost ? t('dispatchUi.yes') : t('dispatchUi.no'), money(d.netCents), money(d.grossCents), t(`documents.status.${d.status}`), d.lastSentAt ?? '', d.lastSentTo ?? '']
      .map(csvCell)
      .join(';'),
  );
  // BOM + semicolons: what German Excel opens correctly by double-click.
  return `\uFEFF${[head.map(csvCell).join(';'), ...lines].join('\r\n')}\r\n`;
}

/** Auswertungen → Rechnungen, Angebote: filter, Laden, select (also everything matching), Mehr-Menü. */
export function EvaluationsPage() {
  const { t } = useTranslation();
  const locale = useLocale();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const applied = useMemo(() => formFromParams(params), [params]);
  const loaded = params.has('loaded');
  const [form, setForm] = useState<FilterForm>(applied);
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);
  const pageSize = PAGE_SIZES.includes(params.get('pageSize') ?? '') ? Number(params.get('pageSize')) : 100;
  const sortParam = params.get('sort');
  const sort: Sort = isSort(sortParam) ? sortParam : 'issueDate';
  const order = params.get('order') === 'asc' ? 'asc' : 'desc';
  const [selection, setSelection] = useState<EvaluationSelection>(noSelection);
  const number = (n: number) => n.toLocaleString(locale === 'de' ? 'de-DE' : 'en-GB');

  const body = useMemo(() => filterBody(applied), [applied]);
  // A selection belongs to the filter it was made under: another filter (also by the browser's
  // back button or an edited address) starts with nothing selected.
  const filterKey = JSON.stringify(body);
  const [selectionFilter, setSelectionFilter] = useState(filterKey);
  if (selectionFilter !== filterKey) {
    setSelectionFilter(filterKey);
    setSelection(noSelection());
  }
  const list = useQuery({
    queryKey: ['dispatch-ui', 'evaluations', body, page, pageSize, sort, order],
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

  const problems = amountProblems(form);
  const load = (e: FormEvent) => {
    e.preventDefault();
    if (problems.length) return;
    setSelection(noSelection());
    const next = new URLSearchParams(formToParams(form));
    for (const k of ['pageSize', 'sort', 'order']) {
      const v = params.get(k);
      if (v) next.set(k, v);
    }
    setParams(next);
    void list.refetch();
  };

  /** A click on a row or its check box; in "all matching" unticking a row excludes just that row. */
  const click = (id: number, modifiers: { ctrl: boolean; shift: boolean }, additive: boolean) => {
    setSelection((prev) => clickDocument(prev, rows, id, modifiers, additive));
  };

  const selectionBody = (): DispatchSelection | null => bodyOf(selection, body);
  const createDispatch = useMutation({
    mutationFn: (sel: DispatchSelection) => api.post<DispatchView>('/api/dispatches', sel),
    onSuccess: (dispatch) => navigate(`/dispatch/${dispatch.id}`),
  });
  const print = useMutation({
    mutationFn: (sel: DispatchSelection) => postForBlob('/api/documents/print', sel),
    onSuccess: (blob) => {
      const url = URL.createObjectURL(blob);
      if (!window.open(url, '_blank')) saveBlob(blob, t('dispatchUi.evaluations.printFile'));
    },
    onError: (error) => notifications.show({ color: 'red', message: errorMessage(t, error) }),
  });
  const exportCsv = useMutation({
    mutationFn: async () => {
      let items: DocumentListItem[];
      if (selection.mode === 'ids') items = [...selection.items.values()];
      else {
        items = [];
        for (let p = 1, fetched = 0; fetched < total; p++) {
          const part = await api.get<Page<DocumentListItem>>(`/api/documents${query({ ...filterQuery(body), page: p, pageSize: 500, sort, order })}`);
          fetched += part.items.length;
          items.push(...part.items.filter((d) => !selection.excluded.has(d.id)));
          if (part.items.length === 0) break;
        }
      }
      saveBlob(new Blob([csvOf(t, locale, items)], { type: 'text/csv;charset=utf-8' }), t('dispatchUi.evaluations.csvFile'));
    },
    onError: (error) => notifications.show({ color: 'red', message: errorMessage(t, error) }),
  });

  const sortHeader = (key: Sort, label: string, align: 'left' | 'right' = 'left') => (
    <Table.Th ta={align} aria-sort={sort === key ? (order === 'asc' ? 'ascending' : 'descending') : undefined}>
      <UnstyledButton onClick={() => setParam({ sort: key, order: sort === key && order === 'desc' ? 'asc' : 'desc', page: null })} style={{ fontWeight: 600, fontSize: 'var(--mantine-font-size-sm)' }}>
        <Group gap={2} wrap="nowrap" justify={align === 'right' ? 'flex-end' : 'flex-start'}>
          {label}
          {sort === key ? order === 'asc' ? <IconArrowUp size={13} aria-hidden /> : <IconArrowDown size={13} aria-hidden /> : <IconSelector size={13} color="var(--mantine-color-gray-5)" aria-hidden />}
        </Group>
      </UnstyledButton>
    </Table.Th>
  );
  const headerChecked = selection.mode === 'allMatching' && excludedCount === 0 && total > 0;
  const headerIndeterminate = !headerChecked && selectedCount > 0;

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
      <Paper withBorder p="md" mb="md" component="form" onSubmit={load} aria-label={t('dispatchUi.evaluations.filter')}>
        <Grid gap="sm" align="flex-end">
          <Grid.Col span={{ base: 12, sm: 6, lg: 3 }}>
            <MultiSelect label={t('dispatchUi.evaluations.type')} placeholder={t('dispatchUi.evaluations.any')} data={DOC_TYPES.map((v) => ({ value: v, label: t(`documents.type.${v}`) }))} value={form.type} onChange={(v) => setForm({ ...form, type: DOC_TYPES.filter((x) => v.includes(x)) })} clearable />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 6, lg: 3 }}>
            <MultiSelect label={t('dispatchUi.evaluations.status')} placeholder={t('dispatchUi.evaluations.any')} data={DOC_STATUSES.map((v) => ({ value: v, label: t(`documents.status.${v}`) }))} value={form.status} onChange={(v) => setForm({ ...form, status: DOC_STATUSES.filter((x) => v.includes(x)) })} clearable />
          </Grid.Col>
          <Grid.Col span={{ base: 6, lg: 1.5 }}>
            <TextInput type="date" label={t('dispatchUi.evaluations.dateFrom')} value={form.dateFrom} onChange={(e) => setForm({ ...form, dateFrom: e.currentTarget.value })} />
          </Grid.Col>
          <Grid.Col span={{ base: 6, lg: 1.5 }}>
            <TextInput type="date" label={t('dispatchUi.evaluations.dateTo')} value={form.dateTo} onChange={(e) => setForm({ ...form, dateTo: e.currentTarget.value })} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 6, lg: 3 }}>
            <Select
              label={t('dispatchUi.evaluations.sent')}
              data={[
                { value: '', label: t('dispatchUi.evaluations.any') },
                { value: 'false', label: t('dispatchUi.evaluations.notSent') },
                { value: 'true', label: t('dispatchUi.evaluations.alreadySent') },
              ]}
              value={form.sent}
              allowDeselect={false}
              onChange={(v) => setForm({ ...form, sent: v === 'true' || v === 'false' ? v : '' })}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 6, lg: 3 }}>
            <CustomerPicker label={t('dispatchUi.evaluations.customer')} value={form.customerId} onChange={(customerId) => setForm({ ...form, customerId })} />
          </Grid.Col>
          <Grid.Col span={{ base: 6, lg: 1.5 }}>
            <TextInput label={t('dispatchUi.evaluations.amountMin')} inputMode="decimal" value={form.amountMin} onChange={(e) => setForm({ ...form, amountMin: e.currentTarget.value })} error={problems.includes('amountMin') ? t('dispatchUi.evaluations.amountInvalid') : undefined} />
          </Grid.Col>
          <Grid.Col span={{ base: 6, lg: 1.5 }}>
            <TextInput label={t('dispatchUi.evaluations.amountMax')} inputMode="decimal" value={form.amountMax} onChange={(e) => setForm({ ...form, amountMax: e.currentTarget.value })} error={problems.includes('amountMax') ? t('dispatchUi.evaluations.amountInvalid') : undefined} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 8, lg: 4 }}>
            <TextInput label={t('dispatchUi.evaluations.search')} placeholder={t('dispatchUi.evaluations.searchPlaceholder')} value={form.q} onChange={(e) => setForm({ ...form, q: e.currentTarget.value })} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 4, lg: 2 }}>
            <Button type="submit" fullWidth leftSection={<IconRefresh size={16} aria-hidden />} loading={list.isFetching}>
              {t('dispatchUi.evaluations.load')}
            </Button>
          </Grid.Col>
        </Grid>
      </Paper>

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
              <Button variant="default" leftSection={<IconDotsVertical size={16} aria-hidden />} rightSection={<IconChevronDown size={14} aria-hidden />} loading={createDispatch.isPending || print.isPending || exportCsv.isPending}>
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
              <Menu.Item leftSection={<IconFileSpreadsheet size={16} aria-hidden />} disabled={selectedCount === 0} onClick={() => exportCsv.mutate()}>
                {t('dispatchUi.evaluations.exportCsv')}
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
            <Table.ScrollContainer minWidth={960}>
              <Table highlightOnHover verticalSpacing={5} aria-label={t('dispatchUi.evaluations.title')} aria-busy={list.isFetching} style={{ opacity: list.isFetching && list.isPlaceholderData ? 0.6 : 1 }}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th w={36}>
                      <Checkbox
                        aria-label={t('dispatchUi.evaluations.selectAllMatching', { count: total, formatted: number(total) })}
                        title={t('dispatchUi.evaluations.selectAllMatching', { count: total, formatted: number(total) })}
                        checked={headerChecked}
                        indeterminate={headerIndeterminate}
                        disabled={total === 0}
                        onChange={() => setSelection(headerChecked || headerIndeterminate ? noSelection() : allMatching())}
                      />
                    </Table.Th>
                    {sortHeader('number', t('dispatchUi.col.number'))}
                    <Table.Th>{t('dispatchUi.col.type')}</Table.Th>
                    {sortHeader('issueDate', t('dispatchUi.col.date'))}
                    {sortHeader('customer', t('dispatchUi.col.customer'))}
                    <Table.Th>{t('dispatchUi.col.email')}</Table.Th>
                    <Table.Th>{t('dispatchUi.col.byPost')}</Table.Th>
                    {sortHeader('total', t('dispatchUi.col.total'), 'right')}
                    {sortHeader('status', t('dispatchUi.col.status'))}
                    {sortHeader('lastSentAt', t('dispatchUi.col.lastSent'))}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((d) => {
                    const selected = isSelected(d.id);
                    return (
                      <Table.Tr
                        key={d.id}
                        aria-selected={selected}
                        data-document={d.number ?? d.id}
                        onMouseDown={(e) => {
                          if (e.shiftKey) e.preventDefault();
                        }}
                        onClick={(e) => click(d.id, modifiersOf(e), false)}
                        style={{ cursor: 'default', background: selected ? 'var(--mantine-color-indigo-1)' : undefined }}
                      >
                        <Table.Td onClick={(e) => e.stopPropagation()}>
                          <Checkbox
                            aria-label={t('dispatchUi.evaluations.selectRow', { number: d.number ?? t('dispatchUi.draftNumber'), customer: d.customerName })}
                            checked={selected}
                            onChange={(e) => click(d.id, { ctrl: false, shift: e.nativeEvent instanceof MouseEvent && e.nativeEvent.shiftKey }, true)}
                          />
                        </Table.Td>
                        <Table.Td>
                          <Anchor component={Link} to={`/documents/${d.id}`} size="sm" onClick={(e) => e.stopPropagation()} style={{ whiteSpace: 'nowrap' }}>
                            {d.number ?? t('dispatchUi.draftNumber')}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>{t(`documents.type.${d.type}`)}</Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDate(d.issueDate, locale)}</Table.Td>
                        <Table.Td>{d.customerName}</Table.Td>
                        <Table.Td>
                          {d.customerEmail ? <Email address={d.customerEmail} /> : (
                            <Text span size="sm" c="dimmed">
                              —
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>{d.invoiceByPost ? t('dispatchUi.yes') : ''}</Table.Td>
                        <Table.Td ta="right">
                          <span className="money">{formatMoney(d.grossCents, locale)}</span>
                        </Table.Td>
                        <Table.Td>
                          <StatusBadge status={d.status} />
                        </Table.Td>
                        <Table.Td>
                          {d.lastSentAt ? (
                            <Text size="xs">
                              <span style={{ whiteSpace: 'nowrap' }}>{formatDateTime(d.lastSentAt, locale)}</span>
                              {d.lastSentTo ? <br /> : null}
                              {d.lastSentTo ? <Email address={d.lastSentTo} /> : null}
                            </Text>
                          ) : (
                            <Text size="xs" c="dimmed">
                              {t('dispatchUi.evaluations.notSent')}
                            </Text>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
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
