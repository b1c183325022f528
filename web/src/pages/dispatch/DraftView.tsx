import { ActionIcon, Alert, Badge, Button, Grid, Group, Pagination, Paper, SegmentedControl, Stack, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconArrowBackUp, IconEye, IconMailForward, IconPrinter, IconRepeat, IconSearch, IconSend, IconTrash, IconTrashX, IconX } from '@tabler/icons-react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { ApiError, api } from '../../api/client';
import type { Template } from '../../api/types';
import { useUser } from '../../auth/session';
import { ConfirmModal } from '../../components/ConfirmModal';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useLocale } from '../../lib/hooks';
import { ViewTabs } from '../../components/ViewTabs';
import { IncompleteNotice } from './IncompleteNotice';
import { PreviewModal } from './PreviewModal';
import { RecipientsTable } from './RecipientsTable';
import { RenderedPreview } from './RenderedPreview';
import { TemplatePicker } from './TemplatePicker';
import { dispatchKey, newIdempotencyKey, recipientsKey } from './api';
import { isBlocked } from './issues';
import { emptySelection, retainRows, type RowSelection } from './selection';
import type { DispatchMode, DispatchView, RecipientIssueCode, RecipientPage } from './types';

type View = 'active' | 'ineligible' | 'removed';
/** The order the removal's reasons are named in: the customer's own first, then the documents'. */
const REASON_ORDER: readonly RecipientIssueCode[] = ['emailMissing', 'emailInvalid', 'invoiceByPost', 'documentNotFinal', 'documentCancelled', 'documentInActiveDispatch', 'alreadySent'];
const PAGE_SIZE = 100;

/**
 * The send dialog (Versandauftrag, "Senden aller selektierten Rechnungen"): every customer with
 * a selected document, why any of them cannot be e-mailed, the Dokumentvorlage with its text top
 * right, preview and test, and Senden. Whether a recipient may be e-mailed is the server's
 * verdict (issues); this screen shows it and offers the fixes.
 */
export function DraftView({ dispatch }: { dispatch: DispatchView }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const { isAdmin } = useUser();
  const queryClient = useQueryClient();
  const [view, setView] = useState<View>('active');
  const [page, setPage] = useState(1);
  const [selection, setSelection] = useState<RowSelection<number>>(emptySelection);
  const [picking, setPicking] = useState(false);
  const [previewFor, setPreviewFor] = useState<number | 'first' | null>(null);
  const [incomplete, setIncomplete] = useState<ApiError | null>(null);
  const [discarding, setDiscarding] = useState(false);
  // The header box marked every recipient of the view (all pages): a page change keeps them marked.
  const [markedAll, setMarkedAll] = useState(false);
  const navigate = useNavigate();
  // One key per dialog: a double click or a repeated request cannot start the dispatch twice.
  const idempotencyKey = useRef(newIdempotencyKey());

  const recipients = useQuery({
    queryKey: [...recipientsKey(dispatch.id), view, page],
    queryFn: () => api.get<RecipientPage>(`/api/dispatches/${dispatch.id}/recipients?view=${view === 'removed' ? 'removed' : 'active'}&page=${page}&pageSize=${PAGE_SIZE}`),
    placeholderData: keepPreviousData,
    enabled: view !== 'ineligible',
  });
  // Issues are computed by the server; this view lists every active recipient that has one.
  const ineligible = useQuery({
    queryKey: [...recipientsKey(dispatch.id), 'ineligible', view === 'ineligible' ? page : 1],
    queryFn: () => api.get<RecipientPage>(`/api/dispatches/${dispatch.id}/recipients?view=ineligible&page=${view === 'ineligible' ? page : 1}&pageSize=${PAGE_SIZE}`),
    placeholderData: keepPreviousData,
  });
  const template = useQuery({
    queryKey: ['dispatch-ui', 'template', dispatch.templateId],
    queryFn: () => api.get<Template>(`/api/templates/${dispatch.templateId ?? 0}`),
    enabled: dispatch.templateId !== null,
  });

  const shown = view === 'ineligible' ? ineligible.data : recipients.data;
  const rows = shown?.items ?? [];
  // Counted by the server over the whole dispatch (exact at any size); the page of flagged
  // recipients only knows its first PAGE_SIZE.
  const blockedCount = dispatch.blockedRecipients ?? (ineligible.data?.items ?? []).filter(isBlocked).length;
  const warnings = (ineligible.data?.items ?? []).filter((r) => !isBlocked(r)).length;

  useEffect(() => {
    if (!markedAll) setSelection((s) => retainRows(s, rows.map((r) => r.customerId)));
  }, [rows, markedAll]);
  const changeSelection = (next: RowSelection<number>) => {
    setMarkedAll(false);
    setSelection(next);
  };
  const markAll = useMutation({
    mutationFn: () => api.get<{ customerIds: number[] }>(`/api/dispatches/${dispatch.id}/recipient-ids?view=${view}`),
    onSuccess: (result) => {
      setMarkedAll(true);
      setSelection({ selected: new Set(result.customerIds), anchor: null });
    },
  });

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: dispatchKey(dispatch.id) });
  };
  const update = useMutation({
    mutationFn: (patch: { templateId?: number; mode?: DispatchMode }) => api.patch<DispatchView>(`/api/dispatches/${dispatch.id}`, patch),
    onSuccess: (next) => {
      queryClient.setQueryData(dispatchKey(dispatch.id), next);
    },
  });
  const remove = useMutation({
    mutationFn: (customerIds: number[]) => api.post<{ removed: number }>(`/api/dispatches/${dispatch.id}/recipients/remove`, { customerIds }),
    onSuccess: async (result) => {
      changeSelection(emptySelection());
      notifications.show({ message: t('dispatchUi.dialog.removed', { count: result.removed }) });
      await refresh();
    },
  });
  const removeIneligible = useMutation({
    mutationFn: () => api.post<{ removedCustomerIds: number[]; excludedDocumentIds: number[]; reasons: Partial<Record<RecipientIssueCode, number>> }>(`/api/dispatches/${dispatch.id}/recipients/remove-ineligible`),
    onSuccess: async (result) => {
      changeSelection(emptySelection());
      // Which reasons, how many: "7 ohne E-Mail, 8 per Post, 29 bereits versendet".
      const reasons = REASON_ORDER.filter((code) => (result.reasons[code] ?? 0) > 0)
        .map((code) => t(`dispatchUi.reasons.${code}`, { count: result.reasons[code] }))
        .join(', ');
      notifications.show({ message: t('dispatchUi.dialog.removedIneligible', { count: result.removedCustomerIds.length, documents: result.excludedDocumentIds.length, reasons }) });
      if (view === 'ineligible') setView('active');
      await refresh();
    },
  });
  const resend = useMutation({
    mutationFn: (customerIds: number[]) => api.post<{ changed: number }>(`/api/dispatches/${dispatch.id}/recipients/resend`, { customerIds }),
    onSuccess: async (_result, customerIds) => {
      changeSelection(emptySelection());
      notifications.show({ color: 'orange', message: t('dispatchUi.dialog.resendMarked', { count: customerIds.length }) });
      await refresh();
    },
  });
  const discard = useMutation({
    mutationFn: () => api.send('DELETE', `/api/dispatches/${dispatch.id}`),
    onSuccess: async () => {
      notifications.show({ message: t('dispatchUi.dialog.discarded', { id: dispatch.id }) });
      await queryClient.invalidateQueries({ queryKey: ['dispatch-ui', 'history'] });
      navigate('/dispatches');
    },
  });
  const restore = useMutation({
    mutationFn: (customerIds: number[]) => api.post<{ restored: number }>(`/api/dispatches/${dispatch.id}/recipients/restore`, { customerIds }),
    onSuccess: async (result) => {
      changeSelection(emptySelection());
      notifications.show({ message: t('dispatchUi.dialog.restored', { count: result.restored }) });
      await refresh();
    },
  });
  const test = useMutation({
    mutationFn: (customerId: number | null) => api.post<{ to: string }>(`/api/dispatches/${dispatch.id}/test`, customerId === null ? {} : { customerId }),
    onSuccess: (result) => notifications.show({ color: 'green', message: t('dispatchUi.preview.testSent', { to: result.to }) }),
  });
  const send = useMutation({
    mutationFn: () => api.post<DispatchView>(`/api/dispatches/${dispatch.id}/send`, {}, { headers: { 'idempotency-key': idempotencyKey.current } }),
    onSuccess: (next) => {
      queryClient.setQueryData(dispatchKey(dispatch.id), next);
    },
    onError: (error) => {
      if (error instanceof ApiError && error.code === 'dispatch.incomplete') setIncomplete(error);
    },
  });
  const fixAddress = async (customerId: number, email: string) => {
    await api.patch<unknown>(`/api/dispatches/${dispatch.id}/recipients/${customerId}`, { email });
    notifications.show({ color: 'green', message: t('dispatchUi.dialog.emailSaved') });
    await refresh();
  };

  const selected = [...selection.selected];
  const busy = remove.isPending || removeIneligible.isPending || restore.isPending || resend.isPending;
  const printHref = `/api/dispatches/${dispatch.id}/print`;
  const hasPostCustomers = (ineligible.data?.items ?? []).some((r) => r.invoiceByPost) || (view === 'removed' && rows.some((r) => r.invoiceByPost));
  const sendError = send.error instanceof ApiError && send.error.code === 'dispatch.incomplete' ? null : send.error;
  const firstSelected = selected[0] ?? null;

  const views = [
    { value: 'active', label: t('dispatchUi.dialog.viewActive', { count: dispatch.recipients.active }) },
    { value: 'ineligible', label: t('dispatchUi.dialog.viewIneligible', { count: ineligible.data?.total ?? 0 }) },
    { value: 'removed', label: t('dispatchUi.dialog.viewRemoved', { count: dispatch.recipients.removed }) },
  ];
  const changeView = (next: string) => {
    setView(next === 'removed' ? 'removed' : next === 'ineligible' ? 'ineligible' : 'active');
    setPage(1);
    changeSelection(emptySelection());
  };

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2}>{t('dispatchUi.dialog.title', { id: dispatch.id })}</Title>
          <Text c="dimmed" size="sm">
            {t('dispatchUi.dialog.subtitle', { count: dispatch.recipients.active })}
          </Text>
        </div>
        <Group gap="xs">
          <Button size="md" variant="default" color="red" leftSection={<IconX size={18} aria-hidden />} onClick={() => setDiscarding(true)}>
            {t('dispatchUi.dialog.discard')}
          </Button>
          <Button size="md" leftSection={<IconSend size={18} aria-hidden />} loading={send.isPending} onClick={() => send.mutate()}>
            {t('dispatchUi.dialog.send')}
          </Button>
        </Group>
      </Group>

      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Paper withBorder p="md" h="100%">
            <Group align="flex-end" gap={6} wrap="nowrap">
              <TextInput
                label={t('dispatchUi.template.field')}
                description={t('dispatchUi.template.kindHint')}
                readOnly
                value={template.data?.name ?? ''}
                placeholder={t('dispatchUi.template.notChosen')}
                style={{ flex: 1 }}
                onClick={() => setPicking(true)}
                error={incomplete?.details.some((d) => d.code === 'dispatch.templateMissing') && dispatch.templateId === null ? t('dispatchUi.template.required') : undefined}
              />
              <Tooltip label={t('dispatchUi.template.magnifier')}>
                <ActionIcon size={36} variant="filled" aria-label={t('dispatchUi.template.magnifier')} onClick={() => setPicking(true)} mb={incomplete && dispatch.templateId === null ? 22 : 0}>
                  <IconSearch size={18} />
                </ActionIcon>
              </Tooltip>
            </Group>
            <Text size="sm" fw={500} mt="md" mb={4} id="dispatch-mode-label">
              {t('dispatchUi.mode.label')}
            </Text>
            <SegmentedControl
              aria-labelledby="dispatch-mode-label"
              value={dispatch.mode}
              disabled={update.isPending}
              onChange={(mode) => update.mutate({ mode: mode === 'perDocument' ? 'perDocument' : 'perCustomer' })}
              data={[
                { value: 'perCustomer', label: t('dispatchUi.mode.perCustomer') },
                { value: 'perDocument', label: t('dispatchUi.mode.perDocument') },
              ]}
            />
            <Text size="xs" c="dimmed" mt={4}>
              {t(dispatch.mode === 'perCustomer' ? 'dispatchUi.mode.perCustomerHint' : 'dispatchUi.mode.perDocumentHint')}
            </Text>
            <Group gap="xs" mt="md">
              <Button variant="default" size="xs" leftSection={<IconEye size={14} aria-hidden />} disabled={dispatch.templateId === null} onClick={() => setPreviewFor(firstSelected ?? 'first')}>
                {t('dispatchUi.preview.button')}
              </Button>
              <Button variant="default" size="xs" leftSection={<IconMailForward size={14} aria-hidden />} disabled={dispatch.templateId === null} loading={test.isPending} onClick={() => test.mutate(firstSelected)}>
                {t('dispatchUi.preview.testToMe')}
              </Button>
            </Group>
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Paper withBorder p="md" bg="gray.0" h="100%" role="region" aria-label={t('dispatchUi.template.messageText')}>
            <Text size="xs" c="dimmed" mb={4}>
              {t('dispatchUi.template.messageText')}
            </Text>
            {dispatch.templateId !== null ? (
              <RenderedPreview dispatchId={dispatch.id} templateId={dispatch.templateId} source={template.data} testId="dispatch-message-text" height={170} />
            ) : (
              <Text size="sm" c="dimmed">
                {t('dispatchUi.template.chooseHint')}
              </Text>
            )}
          </Paper>
        </Grid.Col>
      </Grid>

      <ErrorAlert error={update.error ?? remove.error ?? removeIneligible.error ?? restore.error ?? resend.error ?? markAll.error ?? discard.error ?? test.error ?? sendError ?? recipients.error ?? ineligible.error} />

      <Paper withBorder p="md">
        <Group justify="space-between" mb="sm" gap="xs" role="toolbar" aria-label={t('dispatchUi.dialog.toolbar')}>
          <Group gap="xs">
            {/* Plain buttons: Mantine's SegmentedControl had to be re-mounted and re-measured whenever a count changed. */}
            <ViewTabs label={t('dispatchUi.dialog.toolbar')} value={view} onChange={changeView} data={views} />
            <Badge variant={selected.length ? 'filled' : 'light'} color={selected.length ? 'indigo' : 'gray'} size="lg" tt="none" data-testid="recipient-selection" aria-live="polite">
              {t('dispatchUi.dialog.selected', { count: selected.length })}
            </Badge>
          </Group>
          <Group gap="xs">
            {view === 'removed' ? (
              <Button size="xs" variant="light" leftSection={<IconArrowBackUp size={14} aria-hidden />} disabled={selected.length === 0} loading={restore.isPending} onClick={() => restore.mutate(selected)}>
                {t('dispatchUi.dialog.restore')}
              </Button>
            ) : (
              <>
                <Button size="xs" variant="light" color="red" leftSection={<IconTrash size={14} aria-hidden />} disabled={selected.length === 0} loading={remove.isPending} onClick={() => remove.mutate(selected)}>
                  {t('dispatchUi.dialog.remove')}
                </Button>
                <Tooltip label={t('dispatchUi.dialog.resendHint')} multiline w={280}>
                  <Button size="xs" variant="light" color="orange" leftSection={<IconRepeat size={14} aria-hidden />} disabled={selected.length === 0} loading={resend.isPending} onClick={() => resend.mutate(selected)}>
                    {t('dispatchUi.dialog.resend')}
                  </Button>
                </Tooltip>
                <Button
                  size="xs"
                  color="red"
                  leftSection={<IconTrashX size={14} aria-hidden />}
                  rightSection={
                    blockedCount > 0 ? (
                      <Badge size="sm" color="red" variant="white" data-testid="remove-ineligible-count">
                        {blockedCount.toLocaleString(locale === 'de' ? 'de-DE' : 'en-GB')}
                      </Badge>
                    ) : undefined
                  }
                  disabled={blockedCount === 0}
                  loading={removeIneligible.isPending}
                  onClick={() => removeIneligible.mutate()}
                >
                  {t('dispatchUi.dialog.removeIneligible')}
                </Button>
              </>
            )}
            {hasPostCustomers && (
              <Button size="xs" variant="default" component="a" href={printHref} target="_blank" leftSection={<IconPrinter size={14} aria-hidden />}>
                {t('dispatchUi.dialog.printPost')}
              </Button>
            )}
          </Group>
        </Group>
        {view !== 'removed' && blockedCount > 0 && (
          <Alert color="red" variant="light" mb="sm" p="xs" icon={<IconAlertTriangle size={16} aria-hidden />} data-testid="blocking-hint">
            {t('dispatchUi.dialog.blockingHint', { count: blockedCount })}
          </Alert>
        )}
        {view !== 'removed' && blockedCount === 0 && warnings > 0 && (
          <Alert color="yellow" variant="light" mb="sm" p="xs" icon={<IconAlertTriangle size={16} aria-hidden />}>
            {t('dispatchUi.dialog.resendHintCount', { count: warnings })}
          </Alert>
        )}
        <div style={{ opacity: busy || (shown === undefined) ? 0.6 : 1 }}>
          <RecipientsTable
            rows={rows}
            selection={selection}
            onSelectionChange={changeSelection}
            total={shown?.total ?? 0}
            onSelectAll={() => markAll.mutate()}
            editable={view !== 'removed'}
            onPreview={(id) => setPreviewFor(id)}
            onFixAddress={fixAddress}
          />
        </div>
        {shown && shown.items.length === 0 && (
          <Text c="dimmed" size="sm" ta="center" py="lg">
            {t(view === 'removed' ? 'dispatchUi.dialog.noneRemoved' : view === 'ineligible' ? 'dispatchUi.dialog.noneIneligible' : 'dispatchUi.dialog.noRecipients')}
          </Text>
        )}
        <Group justify="space-between" mt="sm">
          <Text size="xs" c="dimmed">
            {t('dispatchUi.dialog.selectHelp')}
          </Text>
          {(shown?.total ?? 0) > PAGE_SIZE && <Pagination size="sm" total={Math.ceil((shown?.total ?? 0) / PAGE_SIZE)} value={page} onChange={setPage} />}
        </Group>
      </Paper>

      <TemplatePicker
        dispatchId={dispatch.id}
        languages={dispatch.languages}
        opened={picking}
        currentId={dispatch.templateId}
        onClose={() => setPicking(false)}
        onChoose={(tpl) => {
          setPicking(false);
          update.mutate({ templateId: tpl.id });
        }}
      />
      <IncompleteNotice
        error={incomplete}
        isAdmin={isAdmin}
        busy={busy}
        printHref={printHref}
        onClose={() => setIncomplete(null)}
        onChooseTemplate={() => {
          setIncomplete(null);
          setPicking(true);
        }}
        onRemoveCustomers={(ids) => remove.mutate(ids, { onSuccess: () => setIncomplete(null) })}
        onResend={(ids) => resend.mutate(ids, { onSuccess: () => setIncomplete(null) })}
        onRemoveIneligible={() => removeIneligible.mutate(undefined, { onSuccess: () => setIncomplete(null) })}
        onShowIneligible={() => {
          setIncomplete(null);
          changeView('ineligible');
        }}
      />
      <ConfirmModal
        opened={discarding}
        title={t('dispatchUi.confirm.discardTitle', { id: dispatch.id })}
        confirmLabel={t('dispatchUi.confirm.discardConfirm')}
        color="red"
        loading={discard.isPending}
        onClose={() => setDiscarding(false)}
        onConfirm={() => discard.mutate()}
      >
        <Text size="sm">{t('dispatchUi.confirm.discardText', { count: dispatch.recipients.total })}</Text>
      </ConfirmModal>
      <PreviewModal dispatchId={dispatch.id} customerId={previewFor} onClose={() => setPreviewFor(null)} />
    </Stack>
  );
}
