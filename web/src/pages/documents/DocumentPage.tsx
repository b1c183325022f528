import { Alert, Anchor, Badge, Button, Grid, Group, Paper, Select, Skeleton, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCheck, IconDeviceFloppy, IconFileCode, IconFileTypePdf, IconLock, IconReceiptRefund, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { computeTotals, quantityToMilli } from '../../../../src/domain/document.ts';
import { api } from '../../api/client';
import type { Customer, DocumentInput, FaktDocument, Locale } from '../../api/types';
import { ConfirmModal } from '../../components/ConfirmModal';
import { CustomerPicker } from '../../components/CustomerPicker';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { StatusBadge } from '../../components/StatusBadge';
import { generalError } from '../../lib/errors';
import { formatDate, formatDateTime, formatMoney, formatQuantity, todayIso } from '../../lib/format';
import { useFieldErrors, useLocale } from '../../lib/hooks';
import { emptyLine, lineToForm, liveTotals, parseLine, type LineForm } from '../../lib/lines';
import { LinesEditor } from './LinesEditor';
import { SendHistory } from './SendHistory';
import { PaymentsPanel } from '../receivables/PaymentsPanel';
import { TotalsPanel } from './TotalsPanel';

interface HeaderForm {
  type: 'invoice' | 'quote';
  customerId: number | null;
  language: Locale;
  issueDate: string;
  serviceDate: string;
  paymentTermsDays: string;
  introText: string;
  closingText: string;
}

const HEADER_FIELDS = ['customerId', 'language', 'issueDate', 'serviceDate', 'paymentTermsDays', 'introText', 'closingText'];

export function DocumentPage() {
  const { id } = useParams();
  const documentId = id ? Number(id) : null;
  const document = useQuery({ queryKey: ['document', documentId], queryFn: () => api.get<FaktDocument>(`/api/documents/${documentId}`), enabled: documentId !== null });
  if (documentId !== null && document.isPending) return <Skeleton h={400} />;
  if (document.error) return <ErrorAlert error={document.error} />;
  if (document.data && document.data.status !== 'draft') return <FinalDocument key={document.data.id} doc={document.data} />;
  return <DraftEditor key={document.data?.id ?? 'new'} doc={document.data ?? null} />;
}

function DraftEditor({ doc }: { doc: FaktDocument | null }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const customerFromUrl = Number(params.get('customerId') ?? '') || null;
  const [header, setHeader] = useState<HeaderForm>(() =>
    doc
      ? {
          type: doc.type === 'quote' ? 'quote' : 'invoice',
          customerId: doc.customerId,
          language: doc.language,
          issueDate: doc.issueDate,
          serviceDate: doc.serviceDate ?? '',
          paymentTermsDays: String(doc.paymentTermsDays),
          introText: doc.introText ?? '',
          closingText: doc.closingText ?? '',
        }
      : { type: params.get('type') === 'quote' ? 'quote' : 'invoice', customerId: customerFromUrl, language: locale, issueDate: todayIso(), serviceDate: '', paymentTermsDays: '', introText: '', closingText: '' },
  );
  const [lines, setLines] = useState<LineForm[]>(() => (doc ? doc.lines.map((l) => lineToForm(l, locale)) : [emptyLine()]));
  const [showAllProblems, setShowAllProblems] = useState(false);
  const [confirmFinalize, setConfirmFinalize] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [savedId, setSavedId] = useState<number | null>(doc?.id ?? null);

  const { totals, lineNet } = useMemo(() => liveTotals(lines), [lines]);
  const set = <K extends keyof HeaderForm>(key: K, value: HeaderForm[K]) => setHeader((h) => ({ ...h, [key]: value }));

  const buildInput = (): DocumentInput | undefined => {
    const parsed = lines.map(parseLine);
    if (parsed.some((p) => p.api === undefined) || header.customerId === null) {
      setShowAllProblems(true);
      return undefined;
    }
    const days = header.paymentTermsDays.trim() === '' ? undefined : Number(header.paymentTermsDays);
    return {
      ...(savedId === null ? { type: header.type } : {}),
      customerId: header.customerId,
      language: header.language,
      issueDate: header.issueDate || todayIso(),
      serviceDate: header.serviceDate || null,
      ...(days !== undefined && Number.isFinite(days) ? { paymentTermsDays: days } : {}),
      introText: header.introText.trim() || null,
      closingText: header.closingText.trim() || null,
      lines: parsed.flatMap((p) => (p.api ? [p.api] : [])),
    };
  };

  const save = useMutation({
    mutationFn: (input: DocumentInput) => (savedId === null ? api.post<FaktDocument>('/api/documents', input) : api.patch<FaktDocument>(`/api/documents/${savedId}`, input)),
    onSuccess: (saved) => {
      setSavedId(saved.id);
      queryClient.setQueryData(['document', saved.id], saved);
      void queryClient.invalidateQueries({ queryKey: ['documents'] });
    },
  });
  // GoBD: a date in the future or long ago is asked about before it is archived for good (the server checks the same).
  const issueDateOff = issueDateWarning(header.issueDate || todayIso());
  const finalize = useMutation({
    mutationFn: (docId: number) => api.post<FaktDocument>(`/api/documents/${docId}/finalize`, { confirmIssueDate: issueDateOff !== null }),
    onSuccess: (final) => {
      setConfirmFinalize(false);
      queryClient.setQueryData(['document', final.id], final);
      void queryClient.invalidateQueries({ queryKey: ['documents'] });
      notifications.show({ color: 'green', icon: <IconLock size={16} />, message: t('documents.finalized', { number: final.number ?? '' }) });
      navigate(`/documents/${final.id}`, { replace: true });
    },
    onError: () => setConfirmFinalize(false),
  });
  const remove = useMutation({
    mutationFn: (docId: number) => api.send('DELETE', `/api/documents/${docId}`),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['documents'] });
      notifications.show({ color: 'green', message: t('documents.deleted') });
      navigate(header.customerId ? `/customers/${header.customerId}?tab=documents` : '/documents');
    },
  });

  const onSave = async (thenFinalize: boolean) => {
    const input = buildInput();
    if (!input) return;
    try {
      const saved = await save.mutateAsync(input);
      if (thenFinalize) setConfirmFinalize(true);
      else {
        notifications.show({ color: 'green', icon: <IconCheck size={16} />, message: t('documents.savedDraft') });
        if (doc === null) navigate(`/documents/${saved.id}`, { replace: true });
      }
    } catch {
      // shown next to the fields
    }
  };

  const errors = useFieldErrors(save.error);
  const shownFields = [...HEADER_FIELDS, ...Object.keys(errors).filter((f) => f.startsWith('lines'))];
  const general = generalError(t, save.error, shownFields);
  const typeLabel = t(`documents.type.${header.type}`);

  return (
    <>
      <PageHeader
        title={savedId === null ? t('documents.newTitle', { type: typeLabel }) : t('documents.draftTitle', { type: typeLabel })}
        description={t('documents.draftDescription')}
        actions={<StatusBadge status="draft" />}
      />
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void onSave(false);
        }}
      >
        <Stack>
          {general && <ErrorAlert error={save.error} />}
          <ErrorAlert error={finalize.error ?? remove.error} />
          <Paper withBorder p="md">
            <Grid>
              {savedId === null && (
                <Grid.Col span={{ base: 12, sm: 3 }}>
                  <Select
                    label={t('documents.fields.type')}
                    allowDeselect={false}
                    data={[
                      { value: 'invoice', label: t('documents.type.invoice') },
                      { value: 'quote', label: t('documents.type.quote') },
                    ]}
                    value={header.type}
                    onChange={(v) => set('type', v === 'quote' ? 'quote' : 'invoice')}
                  />
                </Grid.Col>
              )}
              <Grid.Col span={{ base: 12, sm: savedId === null ? 6 : 9 }}>
                <CustomerPicker
                  value={header.customerId}
                  onChange={(v) => set('customerId', v)}
                  required
                  error={errors['customerId'] ?? (showAllProblems && header.customerId === null ? t('documents.customerRequired') : undefined)}
                />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 3 }}>
                <Select
                  label={t('documents.fields.language')}
                  description={t('documents.languageHint')}
                  allowDeselect={false}
                  data={[
                    { value: 'de', label: 'Deutsch' },
                    { value: 'en', label: 'English' },
                  ]}
                  value={header.language}
                  onChange={(v) => set('language', v === 'en' ? 'en' : 'de')}
                />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 4 }}>
                <TextInput type="date" label={t('documents.fields.issueDate')} value={header.issueDate} onChange={(e) => set('issueDate', e.currentTarget.value)} error={errors['issueDate']} />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 4 }}>
                <TextInput type="date" label={t('documents.fields.serviceDate')} description={t('documents.serviceDateHint')} value={header.serviceDate} onChange={(e) => set('serviceDate', e.currentTarget.value)} error={errors['serviceDate']} />
              </Grid.Col>
              {header.type === 'invoice' && (
                <Grid.Col span={{ base: 12, sm: 4 }}>
                  <TextInput
                    label={t('documents.fields.paymentTermsDays')}
                    description={t('documents.paymentTermsHint')}
                    inputMode="numeric"
                    value={header.paymentTermsDays}
                    onChange={(e) => set('paymentTermsDays', e.currentTarget.value)}
                    error={errors['paymentTermsDays']}
                  />
                </Grid.Col>
              )}
              <Grid.Col span={12}>
                <Textarea label={t('documents.fields.introText')} autosize minRows={2} value={header.introText} onChange={(e) => set('introText', e.currentTarget.value)} error={errors['introText']} />
              </Grid.Col>
            </Grid>
          </Paper>
          <Paper withBorder p="md">
            <Title order={3} size="h5" mb="xs">
              {t('documents.lines')}
            </Title>
            <LinesEditor lines={lines} onChange={setLines} lineNet={lineNet} serverErrors={errors} showAllProblems={showAllProblems} />
          </Paper>
          <TotalsPanel totals={totals} />
          <Paper withBorder p="md">
            <Textarea label={t('documents.fields.closingText')} autosize minRows={2} value={header.closingText} onChange={(e) => set('closingText', e.currentTarget.value)} error={errors['closingText']} />
          </Paper>
          <Group>
            <Button type="submit" variant="light" loading={save.isPending && !confirmFinalize} leftSection={<IconDeviceFloppy size={16} aria-hidden />}>
              {t('documents.saveDraft')}
            </Button>
            <Button onClick={() => void onSave(true)} leftSection={<IconLock size={16} aria-hidden />} loading={finalize.isPending}>
              {t('documents.finalize')}
            </Button>
            {savedId !== null && (
              <Button component="a" variant="default" href={`/api/documents/${savedId}/pdf`} target="_blank" rel="noopener" leftSection={<IconFileTypePdf size={16} aria-hidden />}>
                {t('documents.previewPdf')}
              </Button>
            )}
            {savedId !== null && (
              <Button variant="subtle" color="red" leftSection={<IconTrash size={16} aria-hidden />} onClick={() => setConfirmDelete(true)}>
                {t('documents.deleteDraft')}
              </Button>
            )}
          </Group>
        </Stack>
      </form>
      <ConfirmModal
        opened={confirmFinalize}
        title={t('documents.finalizeTitle', { type: typeLabel })}
        confirmLabel={t('documents.finalizeConfirm')}
        loading={finalize.isPending}
        onClose={() => setConfirmFinalize(false)}
        onConfirm={() => savedId !== null && finalize.mutate(savedId)}
      >
        <Text>{t('documents.finalizeText', { total: formatMoney(totals.grossCents, locale) })}</Text>
        {issueDateOff && (
          <Alert color="orange" variant="light" data-testid="issue-date-warning">
            {t(issueDateOff === 'future' ? 'documents.issueDateFuture' : 'documents.issueDateLongAgo')}
          </Alert>
        )}
        <Alert color="yellow" variant="light" icon={<IconLock size={16} aria-hidden />}>
          {t('documents.finalizeImmutable')}
        </Alert>
      </ConfirmModal>
      <ConfirmModal
        opened={confirmDelete}
        title={t('documents.deleteDraft')}
        confirmLabel={t('common.delete')}
        color="red"
        loading={remove.isPending}
        onClose={() => setConfirmDelete(false)}
        onConfirm={() => savedId !== null && remove.mutate(savedId)}
      >
        <Text>{t('documents.deleteDraftText')}</Text>
      </ConfirmModal>
    </>
  );
}

/** A final (or cancelled) document: read only (GoBD), with its PDF, its credit note and its send history. */
function FinalDocument({ doc }: { doc: FaktDocument }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [confirmCancel, setConfirmCancel] = useState(false);
  const customer = useQuery({ queryKey: ['customer', doc.customerId], queryFn: () => api.get<Customer>(`/api/customers/${doc.customerId}`) });
  const totals = useMemo(
    () =>
      computeTotals(
        doc.lines.map((l) => ({
          description: l.description,
          quantityMilli: quantityToMilli(l.quantity),
          unit: l.unit,
          unitPriceCents: l.unitPriceCents,
          vatRate: l.vatRate,
          vatCategory: l.vatCategory,
          exemptionReason: l.exemptionReason,
          discountBasisPoints: Math.round(l.discountPercent * 100),
        })),
      ),
    [doc],
  );
  const cancel = useMutation({
    mutationFn: () => api.post<{ invoice: FaktDocument; creditNote: FaktDocument }>(`/api/documents/${doc.id}/cancel`),
    onSuccess: (result) => {
      setConfirmCancel(false);
      queryClient.setQueryData(['document', result.invoice.id], result.invoice);
      queryClient.setQueryData(['document', result.creditNote.id], result.creditNote);
      void queryClient.invalidateQueries({ queryKey: ['documents'] });
      notifications.show({ color: 'green', message: t('documents.cancelled', { number: result.creditNote.number ?? '' }) });
      navigate(`/documents/${result.creditNote.id}`);
    },
    onError: () => setConfirmCancel(false),
  });
  const typeLabel = t(`documents.type.${doc.type}`);

  return (
    <>
      <PageHeader
        title={`${typeLabel} ${doc.number ?? ''}`}
        description={
          customer.data ? (
            <Anchor component={Link} to={`/customers/${doc.customerId}?tab=documents`}>
              {customer.data.displayName} ({customer.data.number})
            </Anchor>
          ) : undefined
        }
        actions={
          <>
            <StatusBadge status={doc.status} />
            <Button component="a" href={`/api/documents/${doc.id}/pdf`} target="_blank" rel="noopener" leftSection={<IconFileTypePdf size={16} aria-hidden />} data-testid="open-pdf">
              {t('documents.openPdf')}
            </Button>
            {doc.status !== 'draft' && doc.type !== 'quote' && customer.data?.leitwegId && (
              <Button component="a" variant="default" href={`/api/documents/${doc.id}/xrechnung.xml`} download leftSection={<IconFileCode size={16} aria-hidden />} data-testid="download-xrechnung">
                {t('documents.downloadXRechnung')}
              </Button>
            )}
            {doc.type === 'invoice' && doc.status === 'final' && (
              <Button variant="light" color="red" leftSection={<IconReceiptRefund size={16} aria-hidden />} onClick={() => setConfirmCancel(true)}>
                {t('documents.cancel')}
              </Button>
            )}
          </>
        }
      />
      <Stack>
        <ErrorAlert error={cancel.error} />
        <Alert color="gray" variant="light" icon={<IconLock size={16} aria-hidden />}>
          {t('documents.immutableNote', { date: formatDateTime(doc.finalizedAt, locale) })}
        </Alert>
        {doc.cancelledByDocumentId !== null && (
          <Alert color="red" variant="light">
            {t('documents.cancelledBy')}{' '}
            <Anchor component={Link} to={`/documents/${doc.cancelledByDocumentId}`}>
              {t('documents.openCreditNote')}
            </Anchor>
          </Alert>
        )}
        {doc.cancelsDocumentId !== null && (
          <Alert color="blue" variant="light">
            {t('documents.cancels')}{' '}
            <Anchor component={Link} to={`/documents/${doc.cancelsDocumentId}`}>
              {t('documents.openInvoice')}
            </Anchor>
          </Alert>
        )}
        <Paper withBorder p="md">
          <Grid>
            <Info label={t('documents.fields.number')} value={doc.number ?? '—'} />
            <Info label={t('documents.fields.issueDate')} value={formatDate(doc.issueDate, locale)} />
            <Info label={t('documents.fields.serviceDate')} value={formatDate(doc.serviceDate, locale) || '—'} />
            {doc.type === 'invoice' && <Info label={t('documents.fields.dueDate')} value={formatDate(doc.dueDate, locale) || '—'} />}
            <Info label={t('documents.fields.language')} value={doc.language === 'en' ? 'English' : 'Deutsch'} />
            <Info
              label={t('documents.fields.lastSent')}
              value={doc.lastSentAt ? `${formatDateTime(doc.lastSentAt, locale)}${doc.lastSentTo ? ` · ${doc.lastSentTo}` : ''}` : t('documents.notSent')}
            />
          </Grid>
          {doc.introText && (
            <Text mt="md" className="preview-body">
              {doc.introText}
            </Text>
          )}
        </Paper>
        <Paper withBorder p="md">
          <Table.ScrollContainer minWidth={700}>
            <Table aria-label={t('documents.lines')} striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>#</Table.Th>
                  <Table.Th>{t('documents.lineFields.description')}</Table.Th>
                  <Table.Th ta="right">{t('documents.lineFields.quantity')}</Table.Th>
                  <Table.Th ta="right">{t('documents.lineFields.unitPrice')}</Table.Th>
                  <Table.Th ta="right">{t('documents.lineFields.vatRate')}</Table.Th>
                  <Table.Th ta="right">{t('documents.lineFields.net')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {doc.lines.map((l) => (
                  <Table.Tr key={l.position}>
                    <Table.Td>{l.position}</Table.Td>
                    <Table.Td>
                      <Text size="sm" className="preview-body">
                        {l.description}
                      </Text>
                      {l.exemptionReason && (
                        <Text size="xs" c="dimmed">
                          {l.exemptionReason}
                        </Text>
                      )}
                      {l.discountPercent > 0 && (
                        <Badge size="xs" variant="light">
                          {t('documents.discountBadge', { percent: formatQuantity(l.discountPercent, locale) })}
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td ta="right">
                      {formatQuantity(l.quantity, locale)} {l.unit}
                    </Table.Td>
                    <Table.Td ta="right" className="money">
                      {formatMoney(l.unitPriceCents, locale)}
                    </Table.Td>
                    <Table.Td ta="right">{l.vatCategory === 'S' ? `${l.vatRate} %` : t(`documents.vatCategories.${l.vatCategory}`)}</Table.Td>
                    <Table.Td ta="right" className="money">
                      {formatMoney(l.netCents, locale)}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
        <TotalsPanel totals={totals} />
        {doc.closingText && (
          <Paper withBorder p="md">
            <Text className="preview-body">{doc.closingText}</Text>
          </Paper>
        )}
        {doc.type === 'invoice' && doc.status !== 'draft' && <PaymentsPanel documentId={doc.id} />}
        <SendHistory documentId={doc.id} />
      </Stack>
      <ConfirmModal
        opened={confirmCancel}
        title={t('documents.cancelTitle', { number: doc.number ?? '' })}
        confirmLabel={t('documents.cancelConfirm')}
        color="red"
        loading={cancel.isPending}
        onClose={() => setConfirmCancel(false)}
        onConfirm={() => cancel.mutate()}
      >
        <Text>{t('documents.cancelText')}</Text>
      </ConfirmModal>
    </>
  );
}

function Info({ label, value }: { label: string; value: string }) {
  return (
    <Grid.Col span={{ base: 6, sm: 4, md: 2 }}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" fw={500}>
        {value}
      </Text>
    </Grid.Col>
  );
}

const ISSUE_DATE_PAST_DAYS = 30;

function issueDateWarning(issueDate: string): 'future' | 'past' | null {
  const today = todayIso();
  if (issueDate > today) return 'future';
  const limit = new Date(`${today}T00:00:00Z`);
  limit.setUTCDate(limit.getUTCDate() - ISSUE_DATE_PAST_DAYS);
  return issueDate < limit.toISOString().slice(0, 10) ? 'past' : null;
}
