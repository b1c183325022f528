import { Alert, Button, Checkbox, Grid, Group, Paper, Select, Skeleton, Stack, Tabs, Text, TextInput, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAddressBook, IconCash, IconCheck, IconFilePlus, IconFileText, IconSettings, IconTrash } from '@tabler/icons-react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { api, query } from '../../api/client';
import type { Customer, CustomerInput, DocumentListItem, Page } from '../../api/types';
import { ConfirmModal } from '../../components/ConfirmModal';
import { DocumentsTable } from '../../components/DocumentsTable';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { useUnsavedChanges } from '../../components/UnsavedChanges';
import { fieldErrors, generalError } from '../../lib/errors';
import { SendHistory } from '../documents/SendHistory';
import { CountrySelect } from '../../components/CountrySelect';
import { EmailBounceNotice } from './EmailBounceNotice';
import { CustomerAccount } from '../receivables/CustomerAccount';
import { useFieldErrors } from '../../lib/hooks';

const SALUTATIONS = ['Herr', 'Frau', 'Divers', 'Firma'] as const;

interface FormState {
  number: string;
  salutation: string;
  firstName: string;
  lastName: string;
  companyName: string;
  street: string;
  postcode: string;
  city: string;
  country: string;
  email: string;
  vatId: string;
  leitwegId: string;
  invoiceByPost: boolean;
  language: 'de' | 'en';
  emailConsentAt: string;
  notes: string;
}

const EMPTY: FormState = { number: '', salutation: '', firstName: '', lastName: '', companyName: '', street: '', postcode: '', city: '', country: 'DE', email: '', vatId: '', leitwegId: '', invoiceByPost: false, language: 'de', emailConsentAt: '', notes: '' };

function toForm(c: Customer): FormState {
  return {
    number: c.number,
    salutation: c.salutation ?? '',
    firstName: c.firstName ?? '',
    lastName: c.lastName ?? '',
    companyName: c.companyName ?? '',
    street: c.street ?? '',
    postcode: c.postcode ?? '',
    city: c.city ?? '',
    country: c.country,
    email: c.email ?? '',
    vatId: c.vatId ?? '',
    leitwegId: c.leitwegId ?? '',
    invoiceByPost: c.invoiceByPost,
    language: c.language,
    emailConsentAt: c.emailConsentAt ?? '',
    notes: c.notes ?? '',
  };
}

const orNull = (s: string) => (s.trim() === '' ? null : s.trim());

function toInput(f: FormState): CustomerInput {
  return {
    ...(f.number.trim() ? { number: f.number.trim() } : {}),
    salutation: orNull(f.salutation),
    firstName: orNull(f.firstName),
    lastName: orNull(f.lastName),
    companyName: orNull(f.companyName),
    street: orNull(f.street),
    postcode: orNull(f.postcode),
    city: orNull(f.city),
    country: f.country.trim().toUpperCase() || 'DE',
    email: orNull(f.email),
    vatId: orNull(f.vatId),
    leitwegId: orNull(f.leitwegId),
    invoiceByPost: f.invoiceByPost,
    language: f.language,
    emailConsentAt: orNull(f.emailConsentAt),
    notes: orNull(f.notes),
  };
}

const ADMIN_FIELDS = ['invoiceByPost', 'emailConsentAt', 'notes'];
const CUSTOMER_FIELDS = ['number', 'salutation', 'firstName', 'lastName', 'companyName', 'street', 'postcode', 'city', 'country', 'email', 'vatId', 'leitwegId', 'language'];

/** Kunde → tabs "Kunde" and "Administration" as in the reference, plus the customer's documents. */
export function CustomerPage() {
  const { id } = useParams();
  const customerId = id ? Number(id) : null;
  const isNew = customerId === null;
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'customer';
  const setTab = (value: string | null) => setParams(value && value !== 'customer' ? { tab: value } : {}, { replace: true });
  const [form, setForm] = useState<FormState>(EMPTY);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [docPage, setDocPage] = useState(1);

  const customer = useQuery({
    queryKey: ['customer', customerId],
    queryFn: () => api.get<Customer>(`/api/customers/${customerId}`),
    enabled: !isNew,
  });
  useEffect(() => {
    if (customer.data) setForm(toForm(customer.data));
  }, [customer.data]);

  const documents = useQuery({
    queryKey: ['documents', { customerId, page: docPage }],
    queryFn: () => api.get<Page<DocumentListItem>>(`/api/documents${query({ customerId: customerId ?? undefined, page: docPage, pageSize: 10, sort: 'issueDate', order: 'desc' })}`),
    enabled: !isNew,
    placeholderData: keepPreviousData,
  });

  // Unsaved: what would be sent differs from what is stored (or from an empty form).
  const dirty = JSON.stringify(toInput(form)) !== JSON.stringify(toInput(customer.data ? toForm(customer.data) : EMPTY));
  const { guard, leaveWithoutAsking } = useUnsavedChanges(dirty);

  const save = useMutation({
    mutationFn: (input: CustomerInput) => (isNew ? api.post<Customer>('/api/customers', input) : api.patch<Customer>(`/api/customers/${customerId}`, input)),
    onSuccess: (saved) => {
      queryClient.setQueryData(['customer', saved.id], saved);
      void queryClient.invalidateQueries({ queryKey: ['customers'] });
      notifications.show({ color: 'green', icon: <IconCheck size={16} />, message: t('customers.saved', { name: saved.displayName }) });
      if (isNew) {
        leaveWithoutAsking();
        navigate(`/customers/${saved.id}${tab !== 'customer' ? `?tab=${tab}` : ''}`, { replace: true });
      }
    },
    onError: (error) => {
      // Show the tab where the first invalid field is.
      const errors = Object.keys(fieldErrors(t, error));
      if (errors.some((f) => ADMIN_FIELDS.includes(f)) && !errors.some((f) => CUSTOMER_FIELDS.includes(f))) setTab('administration');
      else if (errors.some((f) => CUSTOMER_FIELDS.includes(f))) setTab('customer');
    },
  });
  const remove = useMutation({
    mutationFn: () => api.send('DELETE', `/api/customers/${customerId}`),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['customers'] });
      notifications.show({ color: 'green', message: t('customers.deleted') });
      leaveWithoutAsking();
      navigate('/customers');
    },
    onError: () => setConfirmDelete(false),
  });

  const errors = useFieldErrors(save.error);
  const general = generalError(t, save.error, [...CUSTOMER_FIELDS, ...ADMIN_FIELDS]);
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((f) => ({ ...f, [key]: value }));
  const text = (key: Exclude<keyof FormState, 'invoiceByPost' | 'language'>) => ({
    value: form[key],
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => set(key, e.currentTarget.value),
    error: errors[key],
  });

  if (!isNew && customer.isPending) return <Skeleton h={300} />;
  if (!isNew && customer.error) return <ErrorAlert error={customer.error} />;

  const title = isNew ? t('customers.newTitle') : `${customer.data?.displayName || t('customers.unnamed')}`;

  return (
    <>
      <PageHeader
        title={title}
        description={isNew ? t('customers.newDescription') : t('customers.numberLabel', { number: customer.data?.number ?? '' })}
        actions={
          !isNew && (
            <>
              <Button component={Link} to={`/documents/new?customerId=${customerId}&type=invoice`} variant="light" leftSection={<IconFilePlus size={16} aria-hidden />}>
                {t('documents.newInvoice')}
              </Button>
              <Button variant="subtle" color="red" leftSection={<IconTrash size={16} aria-hidden />} onClick={() => setConfirmDelete(true)}>
                {t('common.delete')}
              </Button>
            </>
          )
        }
      />
      <form
        noValidate
        aria-label={title}
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(toInput(form));
        }}
      >
        <Stack>
          {general && <ErrorAlert error={save.error} />}
          {remove.error !== null && <ErrorAlert error={remove.error} />}
          <Tabs value={tab} onChange={setTab} keepMounted>
            <Tabs.List>
              <Tabs.Tab value="customer" leftSection={<IconAddressBook size={16} aria-hidden />}>
                {t('customers.tabs.customer')}
              </Tabs.Tab>
              <Tabs.Tab value="administration" leftSection={<IconSettings size={16} aria-hidden />}>
                {t('customers.tabs.administration')}
              </Tabs.Tab>
              {!isNew && (
                <Tabs.Tab value="documents" leftSection={<IconFileText size={16} aria-hidden />}>
                  {t('customers.tabs.documents')}
                  {documents.data ? ` (${documents.data.total})` : ''}
                </Tabs.Tab>
              )}
              {!isNew && (
                <Tabs.Tab value="account" leftSection={<IconCash size={16} aria-hidden />}>
                  {t('receivables.account.tab')}
                </Tabs.Tab>
              )}
            </Tabs.List>

            <Tabs.Panel value="customer" pt="md">
              <Paper withBorder p="md">
                <Grid>
                  <Grid.Col span={{ base: 12, sm: 4 }}>
                    <TextInput label={t('customers.fields.number')} description={isNew ? t('customers.numberHint') : undefined} {...text('number')} />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 4 }}>
                    <Select
                      label={t('customers.fields.salutation')}
                      data={SALUTATIONS.map((s) => ({ value: s, label: t(`customers.salutations.${s}`) }))}
                      value={form.salutation || null}
                      onChange={(v) => set('salutation', v ?? '')}
                      clearable
                      error={errors['salutation']}
                    />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 4 }} />
                  <Grid.Col span={{ base: 12, sm: 6 }}>
                    <TextInput label={t('customers.fields.firstName')} autoComplete="off" {...text('firstName')} />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 6 }}>
                    <TextInput label={t('customers.fields.lastName')} autoComplete="off" {...text('lastName')} />
                  </Grid.Col>
                  <Grid.Col span={12}>
                    <TextInput label={t('customers.fields.companyName')} description={t('customers.nameHint')} {...text('companyName')} />
                  </Grid.Col>
                  <Grid.Col span={12}>
                    <TextInput label={t('customers.fields.street')} {...text('street')} />
                  </Grid.Col>
                  <Grid.Col span={{ base: 4, sm: 3 }}>
                    <TextInput label={t('customers.fields.postcode')} {...text('postcode')} />
                  </Grid.Col>
                  <Grid.Col span={{ base: 8, sm: 6 }}>
                    <TextInput label={t('customers.fields.city')} {...text('city')} />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 3 }}>
                    <CountrySelect label={t('customers.fields.country')} value={form.country} onChange={(value) => set('country', value)} error={errors['country']} />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 8 }}>
                    <TextInput label={t('customers.fields.email')} type="email" autoComplete="off" {...text('email')} />
                    {customer.data && <EmailBounceNotice customer={customer.data} />}
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 4 }}>
                    <TextInput label={t('customers.fields.vatId')} {...text('vatId')} />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 4 }}>
                    <Select
                      label={t('customers.fields.language')}
                      description={t('customers.languageHint')}
                      allowDeselect={false}
                      data={[
                        { value: 'de', label: t('customers.languages.de') },
                        { value: 'en', label: t('customers.languages.en') },
                      ]}
                      value={form.language}
                      onChange={(value) => set('language', value === 'en' ? 'en' : 'de')}
                      error={errors['language']}
                    />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 6 }}>
                    <TextInput label={t('customers.fields.leitwegId')} description={t('customers.leitwegIdHint')} placeholder="04011000-1234512345-06" {...text('leitwegId')} />
                  </Grid.Col>
                </Grid>
              </Paper>
            </Tabs.Panel>

            <Tabs.Panel value="administration" pt="md">
              <Paper withBorder p="md">
                <Stack>
                  <Checkbox
                    label={t('customers.fields.invoiceByPost')}
                    description={t('customers.invoiceByPostHint')}
                    checked={form.invoiceByPost}
                    onChange={(e) => set('invoiceByPost', e.currentTarget.checked)}
                    error={errors['invoiceByPost']}
                  />
                  {form.invoiceByPost && form.email && (
                    <Alert color="blue" variant="light">
                      {t('customers.byPostWithEmail')}
                    </Alert>
                  )}
                  <TextInput type="date" label={t('customers.fields.emailConsentAt')} description={t('customers.emailConsentHint')} w={260} {...text('emailConsentAt')} />
                  <Textarea label={t('customers.fields.notes')} autosize minRows={4} maxRows={12} {...text('notes')} />
                </Stack>
              </Paper>
            </Tabs.Panel>

            {!isNew && (
              <Tabs.Panel value="documents" pt="md">
                <Paper withBorder p="md">
                  <Group justify="space-between" mb="sm">
                    <Text size="sm" c="dimmed">
                      {t('customers.documentsHint')}
                    </Text>
                    <Group gap="xs">
                      <Button component={Link} size="xs" variant="light" to={`/documents/new?customerId=${customerId}&type=invoice`}>
                        {t('documents.newInvoice')}
                      </Button>
                      <Button component={Link} size="xs" variant="light" to={`/documents/new?customerId=${customerId}&type=quote`}>
                        {t('documents.newQuote')}
                      </Button>
                    </Group>
                  </Group>
                  <ErrorAlert error={documents.error} />
                  <DocumentsTable
                    records={documents.data?.items ?? []}
                    total={documents.data?.total ?? 0}
                    page={docPage}
                    pageSize={10}
                    fetching={documents.isFetching}
                    onPageChange={setDocPage}
                    noRecordsText={t('customers.noDocuments')}
                    expansion={{ expandable: (d) => d.status !== 'draft', render: (d) => <SendHistory documentId={d.id} compact /> }}
                  />
                </Paper>
              </Tabs.Panel>
            )}
            {customerId !== null && tab === 'account' && (
              <Tabs.Panel value="account" pt="md">
                <CustomerAccount customerId={customerId} />
              </Tabs.Panel>
            )}
          </Tabs>
          {tab !== 'documents' && tab !== 'account' && (
            <Group>
              <Button type="submit" loading={save.isPending} leftSection={<IconCheck size={16} aria-hidden />}>
                {t('common.save')}
              </Button>
              <Button variant="default" component={Link} to="/customers">
                {isNew ? t('common.cancel') : t('customers.backToList')}
              </Button>
            </Group>
          )}
        </Stack>
      </form>
      <ConfirmModal
        opened={confirmDelete}
        title={t('customers.deleteTitle')}
        confirmLabel={t('common.delete')}
        color="red"
        loading={remove.isPending}
        onConfirm={() => remove.mutate()}
        onClose={() => setConfirmDelete(false)}
      >
        <Text>{t('customers.deleteText', { name: customer.data?.displayName ?? '' })}</Text>
      </ConfirmModal>
      {guard}
    </>
  );
}
