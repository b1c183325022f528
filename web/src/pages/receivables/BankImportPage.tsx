import { Alert, Anchor, Button, Checkbox, Collapse, FileInput, Group, Paper, Select, SimpleGrid, Skeleton, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCheck, IconFileImport, IconX } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { parseMoneyToCents } from '../../../../src/domain/money.ts';
import { api, query } from '../../api/client';
import type { DocumentListItem, Page } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { formatDate, formatMoney } from '../../lib/format';
import { useLocale } from '../../lib/hooks';
import type { BankCandidateView, BankEntryView, ImportStatementReport } from './types';

const REVIEW_KEY = ['bank', 'review'] as const;
const FORMATS = ['auto', 'camt053', 'csv'] as const;
type Format = (typeof FORMATS)[number];
const isFormat = (v: string | null): v is Format => FORMATS.some((f) => f === v);
const MAPPING = ['date', 'amount', 'text', 'name', 'iban'] as const;
type MappingField = (typeof MAPPING)[number];

/** Zahlungseingänge: import a bank statement, then confirm or reject what could not be matched for sure. */
export function BankImportPage() {
  const { t } = useTranslation();
  const locale = useLocale();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<Format>('auto');
  const [showMapping, setShowMapping] = useState(false);
  const [mapping, setMapping] = useState<Record<MappingField, string>>({ date: '', amount: '', text: '', name: '', iban: '' });
  const review = useQuery({ queryKey: REVIEW_KEY, queryFn: () => api.get<{ items: BankEntryView[] }>('/api/bank/entries?status=review') });

  const upload = useMutation({
    mutationFn: async (f: File) => {
      const params = query({ format, fileName: f.name, ...Object.fromEntries(MAPPING.map((m) => [`${m}Column`, mapping[m]])) });
      const contentType = /\.xml$/i.test(f.name) || f.type.includes('xml') ? 'application/xml' : 'text/csv';
      return api.post<ImportStatementReport>(`/api/bank/statements${params}`, undefined, { raw: { body: await f.arrayBuffer(), contentType } });
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: REVIEW_KEY });
      void queryClient.invalidateQueries({ queryKey: ['documents'] });
      void queryClient.invalidateQueries({ queryKey: ['document'] });
      void queryClient.invalidateQueries({ queryKey: ['customer'] });
    },
  });
  const report = upload.data;

  return (
    <>
      <PageHeader title={t('receivables.bank.title')} description={t('receivables.bank.description')} />
      <Stack>
        <Paper withBorder p="md">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (file) upload.mutate(file);
            }}
          >
            <Stack gap="sm">
              <Group align="flex-end" wrap="wrap">
                <FileInput label={t('receivables.bank.file')} placeholder={t('receivables.bank.filePlaceholder')} accept=".xml,.csv,.txt,application/xml,text/csv" value={file} onChange={setFile} clearable style={{ flex: '1 1 280px' }} data-testid="statement-file" />
                <Select label={t('receivables.bank.format')} data={FORMATS.map((f) => ({ value: f, label: t(`receivables.bank.formats.${f}`) }))} value={format} onChange={(v) => isFormat(v) && setFormat(v)} allowDeselect={false} w={200} />
                <Button type="submit" disabled={!file} loading={upload.isPending} leftSection={<IconFileImport size={16} aria-hidden />}>
                  {t('receivables.bank.import')}
                </Button>
              </Group>
              <Anchor component="button" type="button" size="sm" onClick={() => setShowMapping((v) => !v)}>
                {t('receivables.bank.mapping')}
              </Anchor>
              <Collapse expanded={showMapping}>
                <Text size="xs" c="dimmed" mb={4}>
                  {t('receivables.bank.mappingHint')}
                </Text>
                <SimpleGrid cols={{ base: 1, sm: 5 }}>
                  {MAPPING.map((m) => (
                    <TextInput key={m} label={t(`receivables.bank.columns.${m}`)} value={mapping[m]} onChange={(e) => setMapping({ ...mapping, [m]: e.currentTarget.value })} size="xs" />
                  ))}
                </SimpleGrid>
              </Collapse>
              <ErrorAlert error={upload.error} />
              {report && (
                <Alert color={report.review > 0 ? 'yellow' : 'green'} data-testid="import-result">
                  <Text size="sm">{t('receivables.bank.result', { booked: report.booked, review: report.review, duplicates: report.duplicates, ignored: report.ignored })}</Text>
                  {report.alreadyImported && <Text size="sm">{t('receivables.bank.alreadyImported')}</Text>}
                  {report.payments.length > 0 && (
                    <Group gap="xs" mt={4} data-testid="booked-payments">
                      <Text size="sm">{t('receivables.bank.bookedOn')}</Text>
                      {report.payments.map((p) => (
                        <Anchor key={`${p.entryId}-${p.documentId}`} component={Link} to={`/documents/${p.documentId}`} size="sm">
                          {p.number} ({formatMoney(p.amountCents, locale)})
                        </Anchor>
                      ))}
                    </Group>
                  )}
                </Alert>
              )}
            </Stack>
          </form>
        </Paper>
        <Title order={3}>{t('receivables.bank.review')}</Title>
        {review.isPending ? (
          <Skeleton h={120} />
        ) : review.error ? (
          <ErrorAlert error={review.error} />
        ) : review.data.items.length === 0 ? (
          <Text c="dimmed" data-testid="review-empty">
            {t('receivables.bank.reviewEmpty')}
          </Text>
        ) : (
          review.data.items.map((entry) => <ReviewCard key={entry.id} entry={entry} />)
        )}
      </Stack>
    </>
  );
}

function ReviewCard({ entry }: { entry: BankEntryView }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const queryClient = useQueryClient();
  const [candidates, setCandidates] = useState<BankCandidateView[]>(entry.candidates);
  const [amounts, setAmounts] = useState<Map<number, string>>(() => new Map(entry.proposal.map((a) => [a.documentId, formatAmount(a.amountCents)])));
  const [number, setNumber] = useState('');
  const [notFound, setNotFound] = useState<string | null>(null);

  const done = (message: string) => {
    notifications.show({ color: 'green', message });
    void queryClient.invalidateQueries({ queryKey: REVIEW_KEY });
    void queryClient.invalidateQueries({ queryKey: ['documents'] });
    void queryClient.invalidateQueries({ queryKey: ['document'] });
    void queryClient.invalidateQueries({ queryKey: ['customer'] });
  };
  const allocations = [...amounts.entries()].map(([documentId, text]) => ({ documentId, amountCents: parseMoneyToCents(text) ?? 0 }));
  const assigned = allocations.reduce((s, a) => s + a.amountCents, 0);
  const confirm = useMutation({ mutationFn: () => api.post<BankEntryView>(`/api/bank/entries/${entry.id}/confirm`, { allocations }), onSuccess: () => done(t('receivables.bank.confirmed')) });
  const reject = useMutation({ mutationFn: () => api.post<BankEntryView>(`/api/bank/entries/${entry.id}/reject`), onSuccess: () => done(t('receivables.bank.rejected')) });

  const toggle = (c: BankCandidateView, on: boolean) => {
    const next = new Map(amounts);
    if (on) next.set(c.documentId, formatAmount(Math.min(c.openCents, Math.max(0, entry.amountCents - assigned)) || c.openCents));
    else next.delete(c.documentId);
    setAmounts(next);
  };
  const addByNumber = async () => {
    const wanted = number.trim();
    if (!wanted) return;
    const found = await api.get<Page<DocumentListItem>>(`/api/documents${query({ q: wanted, type: 'invoice', status: 'final', open: true, pageSize: 5 })}`);
    const hit = found.items.find((d) => d.number?.toLowerCase() === wanted.toLowerCase());
    if (!hit) {
      setNotFound(t('receivables.bank.invoiceNotFound', { number: wanted }));
      return;
    }
    setNotFound(null);
    setNumber('');
    const candidate: BankCandidateView = { documentId: hit.id, number: hit.number, customerId: hit.customerId, customerName: hit.customerName, issueDate: hit.issueDate, dueDate: hit.dueDate, grossCents: hit.grossCents, openCents: hit.openCents ?? 0 };
    if (!candidates.some((c) => c.documentId === hit.id)) setCandidates([...candidates, candidate]);
    toggle(candidate, true);
  };
  const reason = entry.matchCode?.replace(/^bank\.match\./, '') ?? 'none';

  return (
    <Paper withBorder p="md" data-testid="review-entry" data-entry={entry.id}>
      <Stack gap="xs">
        <Group justify="space-between" align="flex-start">
          <Stack gap={0}>
            <Text fw={600}>
              {entry.counterpartyName ?? '—'} · <span className="money">{formatMoney(entry.amountCents, locale)}</span>
            </Text>
            <Text size="sm" c="dimmed">
              {formatDate(entry.bookingDate, locale)}
              {entry.counterpartyIban ? ` · ${entry.counterpartyIban}` : ''}
            </Text>
          </Stack>
          <Text size="sm" c="orange" fw={500}>
            {t(`receivables.bank.reason.${reason}`)}
          </Text>
        </Group>
        <Text size="sm">
          <Text span c="dimmed">
            {t('receivables.bank.remittance')}:{' '}
          </Text>
          {entry.remittance ?? '—'}
        </Text>
        {candidates.length > 0 && (
          <Table verticalSpacing={2} aria-label={t('receivables.bank.assign')}>
            <Table.Tbody>
              {candidates.map((c) => (
                <Table.Tr key={c.documentId}>
                  <Table.Td w={30}>
                    <Checkbox aria-label={c.number ?? ''} checked={amounts.has(c.documentId)} onChange={(e) => toggle(c, e.currentTarget.checked)} />
                  </Table.Td>
                  <Table.Td>
                    <Anchor component={Link} to={`/documents/${c.documentId}`} size="sm">
                      {c.number}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{c.customerName}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c="dimmed">
                      {t('receivables.bank.openAmount', { amount: formatMoney(c.openCents, locale) })}
                    </Text>
                  </Table.Td>
                  <Table.Td w={140}>
                    {amounts.has(c.documentId) && (
                      <TextInput size="xs" aria-label={`${t('receivables.payments.amount')} ${c.number ?? ''}`} value={amounts.get(c.documentId) ?? ''} onChange={(e) => setAmounts(new Map(amounts).set(c.documentId, e.currentTarget.value))} />
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <Group align="flex-end" gap="xs">
          <TextInput size="xs" label={t('receivables.bank.invoiceNumber')} value={number} onChange={(e) => setNumber(e.currentTarget.value)} error={notFound} w={220} />
          <Button size="xs" variant="default" onClick={() => void addByNumber()}>
            {t('receivables.bank.addInvoice')}
          </Button>
        </Group>
        <ErrorAlert error={confirm.error ?? reject.error} />
        <Group justify="space-between">
          <Text size="sm" c={assigned === entry.amountCents ? 'green' : 'dimmed'}>
            {t('receivables.bank.sum', { assigned: formatMoney(assigned, locale), amount: formatMoney(entry.amountCents, locale) })}
          </Text>
          <Group gap="xs">
            <Button size="xs" variant="default" color="gray" leftSection={<IconX size={14} aria-hidden />} loading={reject.isPending} onClick={() => reject.mutate()}>
              {t('receivables.bank.reject')}
            </Button>
            <Button size="xs" leftSection={<IconCheck size={14} aria-hidden />} disabled={assigned !== entry.amountCents || allocations.length === 0} loading={confirm.isPending} onClick={() => confirm.mutate()}>
              {t('receivables.bank.confirm')}
            </Button>
          </Group>
        </Group>
      </Stack>
    </Paper>
  );
}

/** Cents as an editable German-style amount: 11900 → "119,00". */
function formatAmount(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)},${String(abs % 100).padStart(2, '0')}`;
}
