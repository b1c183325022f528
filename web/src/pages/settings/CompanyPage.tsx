import { Button, Checkbox, FileButton, Grid, Group, Image, Paper, Skeleton, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCheck, IconPhoto, IconTrash, IconUpload } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import type { Company } from '../../api/types';
import { CountrySelect } from '../../components/CountrySelect';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { generalError } from '../../lib/errors';
import { useFieldErrors } from '../../lib/hooks';

type TextKey = Exclude<keyof Company, 'paymentTermsDays' | 'embedEInvoice' | 'hasLogo' | 'smallBusiness'>;
interface FormState {
  texts: Partial<Record<TextKey, string>>;
  paymentTermsDays: string;
  embedEInvoice: boolean;
  smallBusiness: boolean;
}

const TEXT_KEYS: TextKey[] = [
  'name', 'street', 'postcode', 'city', 'country', 'vatId', 'taxNumber', 'iban', 'bic', 'bankName', 'email', 'phone', 'website',
  'managingDirector', 'registerCourt', 'registerNumber', 'invoiceNumberPattern', 'quoteNumberPattern', 'creditNoteNumberPattern', 'emailFooter',
  'contactName', 'contactPhone', 'contactEmail',
];
const REQUIRED: TextKey[] = ['name', 'street', 'postcode', 'city', 'country', 'invoiceNumberPattern', 'quoteNumberPattern', 'creditNoteNumberPattern'];

function toForm(c: Company): FormState {
  const texts: Partial<Record<TextKey, string>> = {};
  for (const k of TEXT_KEYS) texts[k] = c[k] ?? '';
  return { texts, paymentTermsDays: String(c.paymentTermsDays), embedEInvoice: c.embedEInvoice, smallBusiness: c.smallBusiness };
}

/** Firma: letterhead and legal data (§14 Abs. 4 UStG), logo and number patterns. */
export function CompanyPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const company = useQuery({ queryKey: ['company'], queryFn: () => api.get<Company>('/api/company') });
  const [form, setForm] = useState<FormState | null>(null);
  const [logoVersion, setLogoVersion] = useState(0);
  useEffect(() => {
    if (company.data) setForm(toForm(company.data));
  }, [company.data]);

  const save = useMutation({
    mutationFn: (f: FormState) => {
      const body: Record<string, string | number | boolean | null> = {};
      for (const k of TEXT_KEYS) {
        const value = (f.texts[k] ?? '').trim();
        body[k] = REQUIRED.includes(k) ? value : value || null;
      }
      body['paymentTermsDays'] = Number(f.paymentTermsDays);
      body['embedEInvoice'] = f.embedEInvoice;
      body['smallBusiness'] = f.smallBusiness;
      return api.put<Company>('/api/company', body);
    },
    onSuccess: (saved) => {
      queryClient.setQueryData(['company'], saved);
      notifications.show({ color: 'green', icon: <IconCheck size={16} />, message: t('company.saved') });
    },
  });
  const uploadLogo = useMutation({
    mutationFn: async (file: File) => api.send('PUT', '/api/company/logo', undefined, { raw: { body: await file.arrayBuffer(), contentType: file.type === 'image/png' ? 'image/png' : 'image/jpeg' } }),
    onSuccess: () => {
      setLogoVersion((v) => v + 1);
      void queryClient.invalidateQueries({ queryKey: ['company'] });
      notifications.show({ color: 'green', message: t('company.logoUploaded') });
    },
  });
  const removeLogo = useMutation({
    mutationFn: () => api.send('DELETE', '/api/company/logo'),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['company'] }),
  });

  const errors = useFieldErrors(save.error);
  if (company.error) return <ErrorAlert error={company.error} />;
  if (!form || !company.data) return <Skeleton h={400} />;
  const general = generalError(t, save.error, [...TEXT_KEYS, 'paymentTermsDays']);
  const field = (key: TextKey, span: number, extra: { description?: string; required?: boolean } = {}) => (
    <Grid.Col span={{ base: 12, sm: span }}>
      <TextInput
        label={t(`company.fields.${key}`)}
        value={form.texts[key] ?? ''}
        onChange={(e) => {
          const value = e.currentTarget.value;
          setForm((f) => (f ? { ...f, texts: { ...f.texts, [key]: value } } : f));
        }}
        error={errors[key]}
        required={extra.required ?? REQUIRED.includes(key)}
        description={extra.description}
      />
    </Grid.Col>
  );

  return (
    <>
      <PageHeader title={t('company.title')} description={t('company.description')} />
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(form);
        }}
      >
        <Stack>
          {general && <ErrorAlert error={save.error} />}
          <Paper withBorder p="md">
            <Title order={3} size="h5" mb="sm">
              {t('company.sections.letterhead')}
            </Title>
            <Grid>
              {field('name', 12)}
              {field('street', 12)}
              {field('postcode', 3)}
              {field('city', 6)}
              <Grid.Col span={{ base: 12, sm: 3 }}>
                <CountrySelect
                  label={t('company.fields.country')}
                  value={form.texts.country ?? 'DE'}
                  onChange={(value) => setForm((f) => (f ? { ...f, texts: { ...f.texts, country: value } } : f))}
                  error={errors['country']}
                  required
                />
              </Grid.Col>
              {field('email', 4)}
              {field('phone', 4)}
              {field('website', 4)}
            </Grid>
          </Paper>
          <Paper withBorder p="md">
            <Title order={3} size="h5" mb="sm">
              {t('company.sections.logo')}
            </Title>
            <Group align="center">
              {company.data.hasLogo ? (
                <Image src={`/api/company/logo?v=${logoVersion}`} alt={t('company.logoAlt')} h={64} w="auto" fit="contain" />
              ) : (
                <Group gap={6} c="dimmed">
                  <IconPhoto size={20} aria-hidden />
                  <Text size="sm">{t('company.noLogo')}</Text>
                </Group>
              )}
              <FileButton onChange={(file) => file && uploadLogo.mutate(file)} accept="image/png,image/jpeg">
                {(props) => (
                  <Button {...props} variant="light" leftSection={<IconUpload size={16} aria-hidden />} loading={uploadLogo.isPending}>
                    {t('company.uploadLogo')}
                  </Button>
                )}
              </FileButton>
              {company.data.hasLogo && (
                <Button variant="subtle" color="red" leftSection={<IconTrash size={16} aria-hidden />} onClick={() => removeLogo.mutate()} loading={removeLogo.isPending}>
                  {t('company.removeLogo')}
                </Button>
              )}
            </Group>
            <Text size="xs" c="dimmed" mt={6}>
              {t('company.logoHint')}
            </Text>
            <ErrorAlert error={uploadLogo.error ?? removeLogo.error} />
          </Paper>
          <Paper withBorder p="md">
            <Title order={3} size="h5" mb="sm">
              {t('company.sections.legal')}
            </Title>
            <Grid>
              {field('taxNumber', 6, { description: t('company.taxIdHint') })}
              {field('vatId', 6)}
              {field('managingDirector', 4)}
              {field('registerCourt', 4)}
              {field('registerNumber', 4)}
              {field('iban', 6)}
              {field('bic', 3)}
              {field('bankName', 3)}
            </Grid>
          </Paper>
          <Paper withBorder p="md">
            <Title order={3} size="h5" mb="sm">
              {t('company.sections.numbers')}
            </Title>
            <Grid>
              {field('invoiceNumberPattern', 4)}
              {field('quoteNumberPattern', 4)}
              {field('creditNoteNumberPattern', 4)}
              <Grid.Col span={12}>
                <Text size="xs" c="dimmed">
                  {t('company.patternHint')}
                </Text>
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 4 }}>
                <TextInput
                  label={t('company.fields.paymentTermsDays')}
                  inputMode="numeric"
                  value={form.paymentTermsDays}
                  onChange={(e) => {
                    const value = e.currentTarget.value;
                    setForm((f) => (f ? { ...f, paymentTermsDays: value } : f));
                  }}
                  error={errors['paymentTermsDays']}
                />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 8 }} pt={34}>
                <Checkbox
                  label={t('company.fields.embedEInvoice')}
                  checked={form.embedEInvoice}
                  onChange={(e) => {
                    const checked = e.currentTarget.checked;
                    setForm((f) => (f ? { ...f, embedEInvoice: checked } : f));
                  }}
                />
              </Grid.Col>
            </Grid>
          </Paper>
          <Paper withBorder p="md">
            <Title order={3} size="h5" mb="sm">
              {t('company.sections.einvoice')}
            </Title>
            <Grid>
              {field('contactName', 4, { description: t('company.contactHint') })}
              {field('contactPhone', 4)}
              {field('contactEmail', 4)}
              <Grid.Col span={12}>
                <Checkbox
                  label={t('company.fields.smallBusiness')}
                  description={t('company.smallBusinessHint')}
                  checked={form.smallBusiness}
                  onChange={(e) => {
                    const checked = e.currentTarget.checked;
                    setForm((f) => (f ? { ...f, smallBusiness: checked } : f));
                  }}
                />
              </Grid.Col>
            </Grid>
          </Paper>
          <Paper withBorder p="md">
            <Textarea
              label={t('company.fields.emailFooter')}
              description={t('company.emailFooterHint')}
              autosize
              minRows={3}
              value={form.texts.emailFooter ?? ''}
              onChange={(e) => {
                const value = e.currentTarget.value;
                setForm((f) => (f ? { ...f, texts: { ...f.texts, emailFooter: value } } : f));
              }}
              error={errors['emailFooter']}
            />
          </Paper>
          <Group>
            <Button type="submit" loading={save.isPending} leftSection={<IconCheck size={16} aria-hidden />}>
              {t('common.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </>
  );
}
