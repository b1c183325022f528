import { ActionIcon, Alert, Badge, Button, Grid, Group, List, Modal, Paper, Progress, SegmentedControl, Skeleton, Stack, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconArrowBackUp, IconCheck, IconDownload, IconEye, IconMailForward, IconPrinter, IconRefresh, IconSearch, IconSend, IconTrash, IconX } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { DataTable } from 'mantine-datatable';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { ApiError, api } from '../../api/client';
import { DELIVERY_STATES, type Dispatch, type DispatchPreview, type Page, type Recipient, type RecipientIssue, type Template } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { errorMessage } from '../../lib/errors';
import { formatDate, formatDateTime, formatMoney } from '../../lib/format';
import { useLocale } from '../../lib/hooks';
import { TemplateSearch } from './TemplateSearch';

const STATE_COLORS: Record<string, string> = { queued: 'gray', sending: 'blue', sent: 'green', retrying: 'yellow', failed: 'red', uncertain: 'orange', cancelled: 'gray' };

/** Versandauftrag: the send dialog of the reference, then live progress and the result. */
export function DispatchPage() {
  const { id } = useParams();
  const dispatchId = Number(id);
  const queryClient = useQueryClient();
  const dispatch = useQuery({ queryKey: ['dispatch', dispatchId], queryFn: () => api.get<Dispatch>(`/api/dispatches/${dispatchId}`) });
  // Live progress (Server-Sent Events); reopening the page of a running dispatch shows it again.
  useEffect(() => {
    const status = dispatch.data?.status;
    if (status !== 'sending' && status !== 'paused') return;
    const source = new EventSource(`/api/dispatches/${dispatchId}/events`);
    source.addEventListener('progress', (event) => {
      const view: Dispatch = JSON.parse(event.data);
      queryClient.setQueryData(['dispatch', dispatchId], view);
    });
    source.addEventListener('end', () => {
      source.close();
      void queryClient.invalidateQueries({ queryKey: ['dispatch', dispatchId] });
      void queryClient.invalidateQueries({ queryKey: ['recipients', dispatchId] });
    });
    return () => source.close();
  }, [dispatch.data?.status, dispatchId, queryClient]);

  if (dispatch.isPending) return <Skeleton h={400} />;
  if (dispatch.error) return <ErrorAlert error={dispatch.error} />;
  return dispatch.data.status === 'draft' ? <DraftDispatch dispatch={dispatch.data} /> : <RunningDispatch dispatch={dispatch.data} />;
}

function IssueBadges({ issues }: { issues: RecipientIssue[] }) {
  const { t } = useTranslation();
  const locale = useLocale();
  if (issues.length === 0) return (
      <Badge color="green" variant="light" tt="none" maw="none" styles={{ label: { overflow: 'visible', textOverflow: 'clip' } }}>
        {t('dispatch.ready')}
      </Badge>
    );
  return (
    <Group gap={4}>
      {issues.map((issue) => {
        const sent = Array.isArray(issue.meta?.['sent']) ? issue.meta['sent'] : [];
        const first: unknown = sent[0];
        const at = typeof first === 'object' && first !== null && 'at' in first && typeof first.at === 'string' ? formatDate(first.at, locale) : '';
        return (
          <Badge key={issue.code} color={issue.severity === 'blocking' ? 'red' : 'yellow'} variant="light" maw="none" styles={{ label: { overflow: 'visible', textOverflow: 'clip' } }} leftSection={issue.severity === 'blocking' ? <IconX size={12} aria-hidden /> : <IconAlertTriangle size={12} aria-hidden />} tt="none">
            {t(`dispatch.issues.${issue.code}`, { date: at, defaultValue: issue.code })}
          </Badge>
        );
      })}
    </Group>
  );
}

function DraftDispatch({ dispatch }: { dispatch: Dispatch }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const queryClient = useQueryClient();
  const [view, setView] = useState<'active' | 'removed'>('active');
  const [page, setPage] = useState(1);
  const [selected, setSelected] = useState<Recipient[]>([]);
  const anchor = useRef<number | null>(null);
  const [searching, setSearching] = useState(false);
  const [incomplete, setIncomplete] = useState<ApiError | null>(null);
  const [previewFor, setPreviewFor] = useState<number | null>(null);
  const [editing, setEditing] = useState<{ customerId: number; email: string } | null>(null);
  const pageSize = 50;

  const recipients = useQuery({
    queryKey: ['recipients', dispatch.id, view, page],
    queryFn: () => api.get<Page<Recipient>>(`/api/dispatches/${dispatch.id}/recipients?view=${view}&page=${page}&pageSize=${pageSize}`),
  });
  const template = useQuery({ queryKey: ['template', dispatch.templateId], queryFn: () => api.get<Template>(`/api/templates/${dispatch.templateId ?? 0}`), enabled: dispatch.templateId !== null });
  // The message text as the first (or the marked) recipient will read it.
  const previewCustomer = selected[0]?.customerId;
  const rendered = useQuery({
    queryKey: ['dispatch-preview', dispatch.id, previewCustomer ?? null, dispatch.templateId, dispatch.recipients.active],
    queryFn: () => api.get<DispatchPreview>(`/api/dispatches/${dispatch.id}/preview${previewCustomer === undefined ? '' : `?customerId=${previewCustomer}`}`),
    enabled: dispatch.templateId !== null,
    retry: false,
  });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['dispatch', dispatch.id] });
    void queryClient.invalidateQueries({ queryKey: ['recipients', dispatch.id] });
    setSelected([]);
  };
  const update = useMutation({ mutationFn: (patch: { templateId?: number; mode?: string }) => api.patch<Dispatch>(`/api/dispatches/${dispatch.id}`, patch), onSuccess: refresh });
  const remove = useMutation({ mutationFn: (customerIds: number[]) => api.post<unknown>(`/api/dispatches/${dispatch.id}/recipients/remove`, { customerIds }), onSuccess: refresh });
  const restore = useMutation({ mutationFn: (customerIds: number[]) => api.post<unknown>(`/api/dispatches/${dispatch.id}/recipients/restore`, { customerIds }), onSuccess: refresh });
  const removeIneligible = useMutation({ mutationFn: () => api.post<unknown>(`/api/dispatches/${dispatch.id}/recipients/remove-ineligible`), onSuccess: refresh });
  const fixAddress = useMutation({
    mutationFn: (input: { customerId: number; email: string }) => api.patch<unknown>(`/api/dispatches/${dispatch.id}/recipients/${input.customerId}`, { email: input.email }),
    onSuccess: () => {
      setEditing(null);
      refresh();
    },
  });
  const send = useMutation({
    mutationFn: () => api.post<Dispatch>(`/api/dispatches/${dispatch.id}/send`, {}),
    onSuccess: (view) => queryClient.setQueryData(['dispatch', dispatch.id], view),
    onError: (error) => {
      if (error instanceof ApiError && error.code === 'dispatch.incomplete') setIncomplete(error);
    },
  });
  const test = useMutation({
    mutationFn: (customerId: number | null) => api.post<{ to: string }>(`/api/dispatches/${dispatch.id}/test`, customerId === null ? {} : { customerId }),
    onSuccess: (result) => notifications.show({ color: 'green', message: t('dispatch.testSent', { to: result.to }) }),
  });

  const records = recipients.data?.items ?? [];
  const postCustomers = records.filter((r) => r.invoiceByPost && !r.removed);
  const onRowClick = (record: Recipient, event: React.MouseEvent) => {
    // As in a desktop app: Ctrl-click toggles, Shift-click selects a range, a plain click selects one row.
    const index = records.findIndex((r) => r.customerId === record.customerId);
    if (event.shiftKey && anchor.current !== null) {
      const from = records.findIndex((r) => r.customerId === anchor.current);
      setSelected(records.slice(Math.min(from, index), Math.max(from, index) + 1));
      return;
    }
    anchor.current = record.customerId;
    if (event.ctrlKey || event.metaKey) setSelected((prev) => (prev.some((r) => r.customerId === record.customerId) ? prev.filter((r) => r.customerId !== record.customerId) : [...prev, record]));
    else setSelected([record]);
  };
  const blockingCount = records.filter((r) => r.issues.some((i) => i.severity === 'blocking')).length;
  const busy = update.isPending || remove.isPending || restore.isPending || removeIneligible.isPending;

  return (
    <>
      <PageHeader
        title={t('dispatch.title', { id: dispatch.id })}
        description={t('dispatch.draftDescription')}
        actions={
          <Button size="md" leftSection={<IconSend size={18} aria-hidden />} loading={send.isPending} onClick={() => send.mutate()}>
            {t('dispatch.send')}
          </Button>
        }
      />
      <Grid>
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Paper withBorder p="md" h="100%">
            <Group align="flex-end" gap="xs">
              <TextInput
                label={t('dispatch.template')}
                readOnly
                value={template.data?.name ?? ''}
                placeholder={t('dispatch.noTemplateChosen')}
                style={{ flex: 1 }}
                error={incomplete?.details.some((d) => d.code === 'dispatch.templateMissing') && dispatch.templateId === null ? t('errors.dispatch.templateMissing') : undefined}
                onClick={() => setSearching(true)}
              />
              <Tooltip label={t('dispatch.searchTemplate')}>
                <ActionIcon size={36} variant="light" aria-label={t('dispatch.searchTemplate')} onClick={() => setSearching(true)} mb={incomplete && dispatch.templateId === null ? 22 : 0}>
                  <IconSearch size={18} />
                </ActionIcon>
              </Tooltip>
            </Group>
            <Text size="sm" fw={500} mt="md" mb={4} id="mode-label">
              {t('dispatch.mode')}
            </Text>
            <SegmentedControl
              aria-labelledby="mode-label"
              value={dispatch.mode}
              onChange={(mode) => update.mutate({ mode })}
              data={[
                { value: 'perCustomer', label: t('dispatch.modes.perCustomer') },
                { value: 'perDocument', label: t('dispatch.modes.perDocument') },
              ]}
            />
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Paper withBorder p="md" bg="gray.0" h="100%" aria-label={t('dispatch.messageText')} role="region">
            <Text size="xs" c="dimmed" mb={4}>
              {t('dispatch.messageText')}
            </Text>
            {template.data ? (
              <>
                {rendered.data && (
                  <Text size="xs" c="dimmed">
                    {t('dispatch.renderedFor', { name: rendered.data.to.name })}
                  </Text>
                )}
                <Text size="sm" fw={600}>
                  {rendered.data?.subject ?? template.data.subject}
                </Text>
                <pre className="preview-body" style={{ maxHeight: 160, overflow: 'auto', fontSize: 13 }} data-testid="dispatch-template-text">
                  {rendered.data?.text ?? template.data.body}
                </pre>
              </>
            ) : (
              <Text size="sm" c="dimmed">
                {t('dispatch.chooseTemplateHint')}
              </Text>
            )}
          </Paper>
        </Grid.Col>
      </Grid>
      <ErrorAlert error={update.error ?? remove.error ?? restore.error ?? removeIneligible.error ?? fixAddress.error ?? test.error ?? (send.error instanceof ApiError && send.error.code === 'dispatch.incomplete' ? null : send.error)} />
      <Paper withBorder p="md" mt="md">
        <Group justify="space-between" mb="sm" role="toolbar" aria-label={t('dispatch.recipients')}>
          <Group gap="xs">
            <SegmentedControl
              size="xs"
              value={view}
              onChange={(v) => {
                setView(v === 'removed' ? 'removed' : 'active');
                setPage(1);
                setSelected([]);
              }}
              data={[
                { value: 'active', label: t('dispatch.viewActive', { count: dispatch.recipients.active }) },
                { value: 'removed', label: t('dispatch.viewRemoved', { count: dispatch.recipients.removed }) },
              ]}
            />
            <Badge variant="light" tt="none" data-testid="recipient-selection">{t('dispatch.selected', { count: selected.length })}</Badge>
          </Group>
          <Group gap="xs">
            {view === 'active' ? (
              <>
                <Button size="xs" variant="light" color="red" leftSection={<IconTrash size={14} aria-hidden />} disabled={selected.length === 0} loading={remove.isPending} onClick={() => remove.mutate(selected.map((r) => r.customerId))}>
                  {t('dispatch.remove')}
                </Button>
                <Button size="xs" color="red" leftSection={<IconTrash size={14} aria-hidden />} loading={removeIneligible.isPending} onClick={() => removeIneligible.mutate()}>
                  {t('dispatch.removeIneligible')}
                </Button>
              </>
            ) : (
              <Button size="xs" variant="light" leftSection={<IconArrowBackUp size={14} aria-hidden />} disabled={selected.length === 0} onClick={() => restore.mutate(selected.map((r) => r.customerId))}>
                {t('dispatch.restore')}
              </Button>
            )}
            <Button size="xs" variant="default" leftSection={<IconEye size={14} aria-hidden />} disabled={dispatch.templateId === null} onClick={() => setPreviewFor(selected[0]?.customerId ?? records.find((r) => r.eligible)?.customerId ?? null)}>
              {t('dispatch.preview')}
            </Button>
            <Button size="xs" variant="default" leftSection={<IconMailForward size={14} aria-hidden />} disabled={dispatch.templateId === null} loading={test.isPending} onClick={() => test.mutate(selected[0]?.customerId ?? null)}>
              {t('dispatch.testToMe')}
            </Button>
            {postCustomers.length > 0 && (
              <Button size="xs" variant="default" component="a" href={`/api/dispatches/${dispatch.id}/print`} leftSection={<IconPrinter size={14} aria-hidden />}>
                {t('dispatch.printForPost')}
              </Button>
            )}
          </Group>
        </Group>
        {view === 'active' && blockingCount > 0 && (
          <Alert color="red" variant="light" mb="sm" p="xs" icon={<IconAlertTriangle size={16} aria-hidden />}>
            {t('dispatch.blockingHint', { count: blockingCount })}
          </Alert>
        )}
        <DataTable<Recipient>
          aria-label={t('dispatch.recipients')}
          idAccessor="customerId"
          minHeight={records.length ? undefined : 160}
          striped
          highlightOnHover
          fetching={recipients.isFetching || busy}
          records={records}
          totalRecords={recipients.data?.total ?? 0}
          page={page}
          recordsPerPage={pageSize}
          onPageChange={setPage}
          paginationText={({ from, to, totalRecords }) => t('common.paginationText', { from, to, total: totalRecords })}
          noRecordsText={view === 'active' ? t('dispatch.noRecipients') : t('dispatch.noneRemoved')}
          selectedRecords={selected}
          onSelectedRecordsChange={setSelected}
          getRecordSelectionCheckboxProps={(r) => ({ 'aria-label': t('dispatch.selectRecipient', { name: r.name }) })}
          allRecordsSelectionCheckboxProps={{ 'aria-label': t('dispatch.selectAllRecipients') }}
          onRowClick={({ record, event }) => onRowClick(record, event)}
          rowStyle={(r) => (r.issues.some((i) => i.severity === 'blocking') ? { backgroundColor: 'var(--mantine-color-red-0)' } : undefined)}
          textSelectionDisabled
          columns={[
            { accessor: 'name', title: t('documents.fields.customer'), render: (r) => <Text size="sm" fw={500}>{r.name}</Text> },
            {
              accessor: 'email',
              title: t('customers.fields.email'),
              render: (r) =>
                editing?.customerId === r.customerId ? (
                  <form
                    onSubmit={(e) => {
                      e.preventDefault();
                      fixAddress.mutate(editing);
                    }}
                    onClick={(e) => e.stopPropagation()}
                  >
                    <Group gap={4} wrap="nowrap">
                      <TextInput size="xs" aria-label={t('dispatch.emailOf', { name: r.name })} value={editing.email} onChange={(e) => setEditing({ customerId: r.customerId, email: e.currentTarget.value })} autoFocus error={fixAddress.error ? errorMessage(t, fixAddress.error) : undefined} />
                      <ActionIcon type="submit" size="sm" aria-label={t('common.save')} loading={fixAddress.isPending}>
                        <IconCheck size={14} />
                      </ActionIcon>
                    </Group>
                  </form>
                ) : (
                  <Group gap={4} wrap="nowrap">
                    <Text size="sm" c={r.email ? undefined : 'dimmed'}>
                      {r.email ?? '—'}
                    </Text>
                    {view === 'active' && (
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        onClick={(e) => {
                          e.stopPropagation();
                          setEditing({ customerId: r.customerId, email: r.email ?? '' });
                        }}
                      >
                        {r.email ? t('dispatch.editEmail') : t('dispatch.addEmail')}
                      </Button>
                    )}
                  </Group>
                ),
            },
            { accessor: 'invoiceByPost', title: t('customers.fields.invoiceByPost'), width: 150, render: (r) => (r.invoiceByPost ? t('common.yes') : '') },
            { accessor: 'documents', title: t('customers.tabs.documents'), render: (r) => r.documents.map((d) => d.number ?? t('documents.draftNumber')).join(', ') },
            { accessor: 'totalCents', title: t('documents.fields.total'), textAlign: 'right', render: (r) => <span className="money">{formatMoney(r.totalCents, locale)}</span> },
            { accessor: 'issues', title: t('dispatch.notes'), width: 280, render: (r) => <IssueBadges issues={r.issues} /> },
          ]}
        />
      </Paper>
      <TemplateSearch
        opened={searching}
        onClose={() => setSearching(false)}
        onChoose={(tpl) => {
          setSearching(false);
          update.mutate({ templateId: tpl.id });
        }}
      />
      <IncompleteModal error={incomplete} onClose={() => setIncomplete(null)} onChooseTemplate={() => { setIncomplete(null); setSearching(true); }} onRemoveIneligible={() => { setIncomplete(null); removeIneligible.mutate(); }} />
      <PreviewModal dispatchId={dispatch.id} customerId={previewFor} onClose={() => setPreviewFor(null)} />
    </>
  );
}

/** Unvollständigkeitshinweis: what is missing, with buttons to fix it; nothing was sent. */
function IncompleteModal({ error, onClose, onChooseTemplate, onRemoveIneligible }: { error: ApiError | null; onClose: () => void; onChooseTemplate: () => void; onRemoveIneligible: () => void }) {
  const { t } = useTranslation();
  const details = error?.details ?? [];
  const count = (meta: Record<string, unknown> | undefined) => (Array.isArray(meta?.['customerIds']) ? meta['customerIds'].length : 0);
  return (
    <Modal opened={error !== null} onClose={onClose} title={<Text fw={700}>{t('dispatch.incompleteTitle')}</Text>} centered size="lg">
      <Stack>
        <Text size="sm">{t('dispatch.incompleteText')}</Text>
        <List spacing={4} size="sm" data-testid="incomplete-list">
          {details.map((d) => (
            <List.Item key={d.code}>{t(`dispatch.incomplete.${d.code}`, { count: count(d.meta), defaultValue: errorMessage(t, new ApiError(422, d.code, d.message)) })}</List.Item>
          ))}
        </List>
        <Group justify="flex-end">
          {details.some((d) => d.code === 'dispatch.templateMissing') && (
            <Button variant="light" leftSection={<IconSearch size={16} aria-hidden />} onClick={onChooseTemplate}>
              {t('dispatch.searchTemplate')}
            </Button>
          )}
          {details.some((d) => d.code.startsWith('recipient.')) && (
            <Button color="red" variant="light" leftSection={<IconTrash size={16} aria-hidden />} onClick={onRemoveIneligible}>
              {t('dispatch.removeIneligible')}
            </Button>
          )}
          <Button onClick={onClose}>{t('common.close')}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function PreviewModal({ dispatchId, customerId, onClose }: { dispatchId: number; customerId: number | null; onClose: () => void }) {
  const { t } = useTranslation();
  const preview = useQuery({
    queryKey: ['dispatch-preview', dispatchId, customerId],
    queryFn: () => api.get<DispatchPreview>(`/api/dispatches/${dispatchId}/preview${customerId === null ? '' : `?customerId=${customerId}`}`),
    enabled: customerId !== null,
    retry: false,
  });
  return (
    <Modal opened={customerId !== null} onClose={onClose} size="lg" title={<Text fw={600}>{t('dispatch.preview')}</Text>}>
      <ErrorAlert error={preview.error} />
      {preview.data && (
        <Stack gap="xs">
          <Text size="sm">
            <b>{t('inbox.to')}:</b> {preview.data.to.name} &lt;{preview.data.to.email ?? '—'}&gt;
          </Text>
          <Text size="sm">
            <b>{t('templates.fields.subject')}:</b> {preview.data.subject}
          </Text>
          <Paper withBorder bg="gray.0" p="sm">
            <pre className="preview-body">{preview.data.text}</pre>
          </Paper>
          <Group gap="xs">
            {preview.data.attachments.map((a) => (
              <Badge key={a.documentId} variant="light" tt="none">
                {a.filename}
              </Badge>
            ))}
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

/** After Senden: live progress, counts per state, then the result with retry and the report. */
function RunningDispatch({ dispatch }: { dispatch: Dispatch }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const queryClient = useQueryClient();
  const d = dispatch.deliveries;
  const done = d.sent + d.failed + d.uncertain + d.cancelled;
  const percent = d.total === 0 ? 100 : Math.round((done / d.total) * 100);
  const finished = dispatch.status === 'completed' || dispatch.status === 'cancelled';
  const [view, setView] = useState<'all' | 'active'>('active');
  const recipients = useQuery({
    queryKey: ['recipients', dispatch.id, 'result', view],
    queryFn: () => api.get<Page<Recipient>>(`/api/dispatches/${dispatch.id}/recipients?view=${view}&pageSize=200`),
    refetchInterval: finished ? false : 2000,
  });
  const retry = useMutation({
    mutationFn: () => api.post<Dispatch>(`/api/dispatches/${dispatch.id}/retry`, { includeUncertain: false }),
    onSuccess: (view) => queryClient.setQueryData(['dispatch', dispatch.id], view),
  });
  const cancel = useMutation({ mutationFn: () => api.post<Dispatch>(`/api/dispatches/${dispatch.id}/cancel`), onSuccess: (view) => queryClient.setQueryData(['dispatch', dispatch.id], view) });
  const resolve = useMutation({
    mutationFn: (input: { deliveryId: number; outcome: 'sent' | 'failed' }) => api.post<Dispatch>(`/api/dispatches/${dispatch.id}/deliveries/${input.deliveryId}/resolve`, { outcome: input.outcome }),
    onSuccess: (view) => {
      queryClient.setQueryData(['dispatch', dispatch.id], view);
      void recipients.refetch();
    },
  });
  return (
    <>
      <PageHeader
        title={t('dispatch.title', { id: dispatch.id })}
        description={t(`dispatch.status.${dispatch.status}`)}
        actions={
          <>
            {!finished && (
              <Button variant="default" color="red" onClick={() => cancel.mutate()} loading={cancel.isPending}>
                {t('dispatch.cancelRest')}
              </Button>
            )}
            {d.failed > 0 && (
              <Button leftSection={<IconRefresh size={16} aria-hidden />} onClick={() => retry.mutate()} loading={retry.isPending}>
                {t('dispatch.retryFailed', { count: d.failed })}
              </Button>
            )}
            <Button component="a" href={`/api/dispatches/${dispatch.id}/report.csv`} variant="light" leftSection={<IconDownload size={16} aria-hidden />}>
              {t('dispatch.reportCsv')}
            </Button>
          </>
        }
      />
      <ErrorAlert error={retry.error ?? cancel.error ?? resolve.error} />
      {dispatch.status === 'paused' && (
        <Alert color="orange" mb="md" title={t('dispatch.paused')}>
          {dispatch.pausedMessage ?? ''}
        </Alert>
      )}
      <Paper withBorder p="md" mb="md">
        <Group justify="space-between" mb={6}>
          <Title order={3} size="h5">
            {finished ? t('dispatch.resultTitle') : t('dispatch.progressTitle')}
          </Title>
          <Text size="sm" data-testid="dispatch-progress-text">
            {t('dispatch.progress', { done, total: d.total })}
          </Text>
        </Group>
        <Progress value={percent} size="xl" animated={!finished} aria-label={t('dispatch.progressTitle')} color={d.failed > 0 ? 'orange' : 'green'} />
        <Group gap="xs" mt="sm" data-testid="dispatch-counts">
          {DELIVERY_STATES.filter((s) => d[s] > 0).map((s) => (
            <Badge key={s} color={STATE_COLORS[s]} variant="light" size="lg" tt="none" data-state={s}>
              {t(`dispatch.states.${s}`)}: {d[s]}
            </Badge>
          ))}
          {dispatch.recipients.removed > 0 && (
            <Badge color="gray" variant="outline" size="lg" tt="none">
              {t('dispatch.states.removed')}: {dispatch.recipients.removed}
            </Badge>
          )}
        </Group>
      </Paper>
      <Paper withBorder p="md">
        <SegmentedControl
          size="xs"
          mb="sm"
          value={view}
          onChange={(v) => setView(v === 'all' ? 'all' : 'active')}
          data={[
            { value: 'active', label: t('dispatch.viewActive', { count: dispatch.recipients.active }) },
            { value: 'all', label: t('dispatch.viewAll', { count: dispatch.recipients.total }) },
          ]}
        />
        <DataTable<Recipient>
          aria-label={t('dispatch.recipients')}
          idAccessor="customerId"
          minHeight={recipients.data?.items.length ? undefined : 120}
          striped
          records={recipients.data?.items ?? []}
          noRecordsText={t('dispatch.noRecipients')}
          columns={[
            { accessor: 'name', title: t('documents.fields.customer') },
            { accessor: 'email', title: t('customers.fields.email'), render: (r) => r.email ?? '—' },
            { accessor: 'documents', title: t('customers.tabs.documents'), render: (r) => r.documents.map((doc) => doc.number).join(', ') },
            {
              accessor: 'deliveries',
              title: t('dispatch.state'),
              render: (r) =>
                r.removed ? (
                  <Badge color="gray" variant="outline" tt="none">
                    {t('dispatch.states.removed')}
                  </Badge>
                ) : (
                  <Stack gap={2}>
                    {r.deliveries.map((del) => (
                      <Group key={del.id} gap={6} wrap="nowrap">
                        <Badge color={STATE_COLORS[del.state]} variant="light" tt="none">
                          {t(`dispatch.states.${del.state}`)}
                        </Badge>
                        {del.sentAt && <Text size="xs">{formatDateTime(del.sentAt, locale)}</Text>}
                        {del.error && (
                          <Text size="xs" c="red">
                            {del.error}
                          </Text>
                        )}
                        {del.state === 'uncertain' && (
                          <>
                            <Button size="compact-xs" variant="light" onClick={() => resolve.mutate({ deliveryId: del.id, outcome: 'sent' })}>
                              {t('dispatch.markSent')}
                            </Button>
                            <Button size="compact-xs" variant="light" color="orange" onClick={() => resolve.mutate({ deliveryId: del.id, outcome: 'failed' })}>
                              {t('dispatch.markNotSent')}
                            </Button>
                          </>
                        )}
                      </Group>
                    ))}
                  </Stack>
                ),
            },
          ]}
        />
        <Group mt="md">
          <Button component={Link} to="/dispatches" variant="default">
            {t('dispatch.toHistory')}
          </Button>
        </Group>
      </Paper>
    </>
  );
}
