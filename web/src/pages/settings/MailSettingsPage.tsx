import { Accordion, Alert, Badge, Button, Checkbox, Code, Grid, Group, NumberInput, Paper, PasswordInput, SegmentedControl, Select, Skeleton, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconCheck, IconCircleCheck, IconCircleX, IconPlugConnected, IconSend } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import type { ConnectionTestOutcome, MailPreset, MailSettings, MailSettingsResponse, SecurityMode, TestMessageResult } from '../../api/types';
import { useUser } from '../../auth/session';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { useUnsavedChanges } from '../../components/UnsavedChanges';
import { errorMessage, generalError } from '../../lib/errors';
import { useFieldErrors, useLocale } from '../../lib/hooks';
import { itemsOf } from '../../lib/items';
import { DeliverabilityList } from './DeliverabilityList';
import { BounceMailboxSection, EMPTY_IMAP, IMAP_FIELDS, imapToForm, imapToInput, type ImapFormState } from './BounceMailboxSection';

interface FormState {
  preset: string | null;
  host: string;
  port: number | string;
  security: SecurityMode;
  user: string;
  /** empty: keep the stored password */
  password: string;
  acceptSelfSigned: boolean;
  fromName: string;
  fromEmail: string;
  replyTo: string;
  bccArchive: string;
  heloName: string;
  poolSize: number | string;
  ratePerMinute: number | string;
  ratePerDay: number | string;
  dkimEnabled: boolean;
  dkimDomain: string;
  dkimSelector: string;
  /** empty: keep the stored key */
  dkimKey: string;
}

const EMPTY: FormState = {
  preset: null, host: '', port: 587, security: 'starttls', user: '', password: '', acceptSelfSigned: false, fromName: '', fromEmail: '', replyTo: '', bccArchive: '', heloName: '',
  poolSize: 2, ratePerMinute: 60, ratePerDay: '', dkimEnabled: false, dkimDomain: '', dkimSelector: '', dkimKey: '',
};

function toForm(s: MailSettings): FormState {
  return {
    preset: s.preset, host: s.host, port: s.port, security: s.security, user: s.user ?? '', password: '', acceptSelfSigned: s.acceptSelfSigned, fromName: s.fromName, fromEmail: s.fromEmail,
    replyTo: s.replyTo ?? '', bccArchive: s.bccArchive ?? '', heloName: s.heloName ?? '', poolSize: s.poolSize, ratePerMinute: s.ratePerMinute, ratePerDay: s.ratePerDay ?? '',
    dkimEnabled: s.dkim !== null, dkimDomain: s.dkim?.domain ?? '', dkimSelector: s.dkim?.selector ?? '', dkimKey: '',
  };
}

const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));

function toInput(f: FormState, imap: ImapFormState) {
  return {
    imap: imapToInput(imap),
    preset: f.preset,
    host: f.host.trim(),
    port: num(f.port),
    security: f.security,
    user: f.user.trim() || null,
    ...(f.password !== '' ? { password: f.password } : {}),
    acceptSelfSigned: f.acceptSelfSigned,
    fromName: f.fromName.trim(),
    fromEmail: f.fromEmail.trim(),
    replyTo: f.replyTo.trim() || null,
    bccArchive: f.bccArchive.trim() || null,
    heloName: f.heloName.trim() || null,
    poolSize: num(f.poolSize),
    ratePerMinute: num(f.ratePerMinute),
    ratePerDay: f.ratePerDay === '' ? null : num(f.ratePerDay),
    dkim: f.dkimEnabled ? { domain: f.dkimDomain.trim(), selector: f.dkimSelector.trim(), ...(f.dkimKey.trim() ? { privateKey: f.dkimKey } : {}) } : null,
  };
}

const FIELDS = ['host', 'port', 'security', 'user', 'password', 'fromName', 'fromEmail', 'replyTo', 'bccArchive', 'heloName', 'poolSize', 'ratePerMinute', 'ratePerDay', 'dkim.domain', 'dkim.selector', 'dkim.privateKey', ...IMAP_FIELDS];

/** Einstellungen → SMTP Postausgangsserver. */
export function MailSettingsPage() {
  const { t } = useTranslation();
  const locale = useLocale();
  const { user } = useUser();
  const queryClient = useQueryClient();
  const settings = useQuery({
    queryKey: ['mail-settings'],
    queryFn: () => api.get<MailSettingsResponse>('/api/settings/mail'),
  });
  const presets = useQuery({ queryKey: ['mail-presets'], queryFn: async () => itemsOf<MailPreset>(await api.get<unknown>('/api/settings/mail/presets')), staleTime: Infinity });
  const [form, setForm] = useState<FormState>(EMPTY);
  const [imap, setImap] = useState<ImapFormState>(EMPTY_IMAP);
  const [testTo, setTestTo] = useState(user.email);
  const saved = settings.data?.configured ? settings.data : null;
  useEffect(() => {
    if (saved) setForm(toForm(saved));
    if (saved) setImap(imapToForm(saved.imap));
  }, [saved]);
  const { guard } = useUnsavedChanges(JSON.stringify(toInput(form, imap)) !== JSON.stringify(saved ? toInput(toForm(saved), imapToForm(saved.imap)) : toInput(EMPTY, EMPTY_IMAP)));

  const save = useMutation({
    mutationFn: (f: FormState) => api.put<MailSettings>('/api/settings/mail', toInput(f, imap)),
    onSuccess: (saved) => {
      queryClient.setQueryData(['mail-settings'], saved);
      notifications.show({ color: 'green', icon: <IconCheck size={16} />, message: t('mail.saved') });
    },
  });
  // Tests what is in the form, saved or not: the admin sees whether it works before saving.
  const test = useMutation({ mutationFn: () => api.post<ConnectionTestOutcome>('/api/settings/mail/test', { settings: toInput(form, imap) }) });
  const testMessage = useMutation({
    mutationFn: () => api.post<TestMessageResult>('/api/settings/mail/test-message', { to: testTo.trim(), language: locale }),
    onSuccess: (result) => {
      if (result.result === 'sent') notifications.show({ color: 'green', icon: <IconSend size={16} />, message: t('mail.testMessageSent', { to: testTo.trim() }) });
    },
  });

  // The stored password is used only for the server, port and user it was stored for (the server
  // enforces this too): another one must be typed in again.
  const storedPasswordApplies = Boolean(saved?.passwordSet) && saved !== null && form.host.trim().toLowerCase() === saved.host.toLowerCase() && Number(form.port) === saved.port && (form.user.trim() || null) === saved.user;
  const errors = useFieldErrors(save.error);
  const general = generalError(t, save.error, FIELDS);
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((f) => ({ ...f, [key]: value }));
  const text = (key: 'host' | 'user' | 'fromName' | 'fromEmail' | 'replyTo' | 'bccArchive' | 'heloName' | 'dkimDomain' | 'dkimSelector') => ({
    value: form[key],
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => set(key, e.currentTarget.value),
  });
  const applyPreset = (id: string | null) => {
    const preset = presets.data?.find((p) => p.id === id);
    if (!preset) return set('preset', id);
    setForm((f) => ({ ...f, preset: preset.id, host: preset.host || f.host, port: preset.port, security: preset.security, ratePerMinute: preset.ratePerMinute, ratePerDay: preset.ratePerDay ?? '', poolSize: preset.poolSize }));
  };
  const selectedPreset = presets.data?.find((p) => p.id === form.preset);

  if (settings.error) return <ErrorAlert error={settings.error} />;
  if (settings.isPending) return <Skeleton h={400} />;

  return (
    <>
      <PageHeader title={t('mail.title')} description={t('mail.description')} actions={saved ? <Badge color="green" variant="light">{t('mail.configured')}</Badge> : <Badge color="yellow" variant="light">{t('mail.notConfigured')}</Badge>} />
      <Grid>
        <Grid.Col span={{ base: 12, lg: 8 }}>
          <form
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate(form);
            }}
          >
            <Stack>
              {general && <ErrorAlert error={save.error} />}
              {(saved?.warnings ?? []).map((w) => (
                <Alert key={w} color="yellow" icon={<IconAlertTriangle size={18} aria-hidden />}>
                  {t(`mail.warnings.${w.replace(/^mailSettings\./, '')}`, { defaultValue: w })}
                </Alert>
              ))}
              <Paper withBorder p="md">
                <Title order={3} size="h5" mb="sm">
                  {t('mail.sections.server')}
                </Title>
                <Grid>
                  <Grid.Col span={12}>
                    <Select
                      label={t('mail.fields.preset')}
                      description={t('mail.presetHint')}
                      placeholder={t('mail.presetPlaceholder')}
                      data={(presets.data ?? []).map((p) => ({ value: p.id, label: p.name[locale] }))}
                      value={form.preset}
                      onChange={applyPreset}
                      clearable
                    />
                    {selectedPreset?.note && (
                      <Text size="xs" c="blue" mt={4}>
                        {t(`mail.presetNotes.${selectedPreset.note.code.replace(/^mailPreset\./, '')}`, { defaultValue: selectedPreset.note.message })}
                      </Text>
                    )}
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 8 }}>
                    <TextInput label={t('mail.fields.host')} placeholder="smtp.example.de" required {...text('host')} error={errors['host']} />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 4 }}>
                    <NumberInput label={t('mail.fields.port')} min={1} max={65535} required value={form.port} onChange={(v) => set('port', v)} error={errors['port']} allowDecimal={false} thousandSeparator="" />
                  </Grid.Col>
                  <Grid.Col span={12}>
                    <Text size="sm" fw={500} mb={4} id="security-label">
                      {t('mail.fields.security')}
                    </Text>
                    <SegmentedControl
                      aria-labelledby="security-label"
                      value={form.security}
                      onChange={(v) => set('security', v === 'none' ? 'none' : v === 'tls' ? 'tls' : 'starttls')}
                      data={[
                        { value: 'starttls', label: t('mail.security.starttls') },
                        { value: 'tls', label: t('mail.security.tls') },
                        { value: 'none', label: t('mail.security.none') },
                      ]}
                    />
                    <Text size="xs" c="dimmed" mt={4}>
                      {t(`mail.securityHint.${form.security}`)}
                    </Text>
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 6 }}>
                    <TextInput label={t('mail.fields.user')} autoComplete="off" {...text('user')} error={errors['user']} />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 6 }}>
                    <PasswordInput
                      label={t('mail.fields.password')}
                      autoComplete="new-password"
                      placeholder={storedPasswordApplies ? t('mail.passwordSetPlaceholder') : ''}
                      description={storedPasswordApplies ? t('mail.passwordSet') : saved?.passwordSet ? t('mail.passwordReenter') : t('mail.passwordNotSet')}
                      value={form.password}
                      onChange={(e) => set('password', e.currentTarget.value)}
                      error={errors['password']}
                    />
                  </Grid.Col>
                  <Grid.Col span={12}>
                    <Checkbox label={t('mail.fields.acceptSelfSigned')} description={t('mail.acceptSelfSignedHint')} checked={form.acceptSelfSigned} onChange={(e) => set('acceptSelfSigned', e.currentTarget.checked)} />
                  </Grid.Col>
                </Grid>
              </Paper>
              <Paper withBorder p="md">
                <Title order={3} size="h5" mb="sm">
                  {t('mail.sections.sender')}
                </Title>
                <Grid>
                  <Grid.Col span={{ base: 12, sm: 6 }}>
                    <TextInput label={t('mail.fields.fromName')} {...text('fromName')} error={errors['fromName']} />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 6 }}>
                    <TextInput label={t('mail.fields.fromEmail')} type="email" required {...text('fromEmail')} error={errors['fromEmail']} />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 6 }}>
                    <TextInput label={t('mail.fields.replyTo')} type="email" {...text('replyTo')} error={errors['replyTo']} />
                  </Grid.Col>
                  <Grid.Col span={{ base: 12, sm: 6 }}>
                    <TextInput label={t('mail.fields.bccArchive')} description={t('mail.bccHint')} type="email" {...text('bccArchive')} error={errors['bccArchive']} />
                  </Grid.Col>
                </Grid>
              </Paper>
              <Accordion variant="contained">
                <Accordion.Item value="advanced">
                  <Accordion.Control>{t('mail.sections.advanced')}</Accordion.Control>
                  <Accordion.Panel>
                    <Grid>
                      <Grid.Col span={{ base: 12, sm: 4 }}>
                        <NumberInput label={t('mail.fields.ratePerMinute')} description={t('mail.rateHint')} min={1} value={form.ratePerMinute} onChange={(v) => set('ratePerMinute', v)} error={errors['ratePerMinute']} allowDecimal={false} />
                      </Grid.Col>
                      <Grid.Col span={{ base: 12, sm: 4 }}>
                        <NumberInput label={t('mail.fields.ratePerDay')} description={t('mail.ratePerDayHint')} min={1} value={form.ratePerDay} onChange={(v) => set('ratePerDay', v)} error={errors['ratePerDay']} allowDecimal={false} />
                      </Grid.Col>
                      <Grid.Col span={{ base: 12, sm: 4 }}>
                        <NumberInput label={t('mail.fields.poolSize')} description={t('mail.poolHint')} min={1} max={20} value={form.poolSize} onChange={(v) => set('poolSize', v)} error={errors['poolSize']} allowDecimal={false} />
                      </Grid.Col>
                      <Grid.Col span={{ base: 12, sm: 6 }}>
                        <TextInput label={t('mail.fields.heloName')} description={t('mail.heloHint')} {...text('heloName')} error={errors['heloName']} />
                      </Grid.Col>
                      <Grid.Col span={12}>
                        <Checkbox label={t('mail.fields.dkim')} description={t('mail.dkimHint')} checked={form.dkimEnabled} onChange={(e) => set('dkimEnabled', e.currentTarget.checked)} />
                      </Grid.Col>
                      {form.dkimEnabled && (
                        <>
                          <Grid.Col span={{ base: 12, sm: 6 }}>
                            <TextInput label={t('mail.fields.dkimDomain')} {...text('dkimDomain')} error={errors['dkim.domain']} />
                          </Grid.Col>
                          <Grid.Col span={{ base: 12, sm: 6 }}>
                            <TextInput label={t('mail.fields.dkimSelector')} {...text('dkimSelector')} error={errors['dkim.selector']} />
                          </Grid.Col>
                          <Grid.Col span={12}>
                            <Textarea
                              label={t('mail.fields.dkimKey')}
                              description={saved?.dkim?.privateKeySet ? t('mail.passwordSet') : undefined}
                              placeholder={saved?.dkim?.privateKeySet ? t('mail.passwordSetPlaceholder') : '-----BEGIN PRIVATE KEY-----'}
                              autosize
                              minRows={3}
                              value={form.dkimKey}
                              onChange={(e) => set('dkimKey', e.currentTarget.value)}
                              error={errors['dkim.privateKey']}
                              styles={{ input: { fontFamily: 'monospace', fontSize: 12 } }}
                            />
                          </Grid.Col>
                        </>
                      )}
                    </Grid>
                  </Accordion.Panel>
                </Accordion.Item>
              </Accordion>
              <BounceMailboxSection value={imap} onChange={setImap} saved={saved?.imap ?? null} errors={errors} settingsForTest={() => toInput(form, imap)} />
              <Group>
                <Button type="submit" loading={save.isPending} leftSection={<IconCheck size={16} aria-hidden />}>
                  {t('common.save')}
                </Button>
              </Group>
            </Stack>
          </form>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 4 }}>
          <Stack>
            <Paper withBorder p="md">
              <Title order={3} size="h5" mb={4}>
                {t('mail.testTitle')}
              </Title>
              <Text size="sm" c="dimmed" mb="sm">
                {t('mail.testHint')}
              </Text>
              <Button fullWidth variant="light" leftSection={<IconPlugConnected size={16} aria-hidden />} loading={test.isPending} disabled={form.host.trim() === ''} onClick={() => test.mutate()}>
                {t('mail.testConnection')}
              </Button>
              {test.isPending && (
                <Text size="xs" c="dimmed" mt={6} role="status">
                  {t('mail.testing')}
                </Text>
              )}
              <div aria-live="polite">
                {test.data && <Verdict outcome={test.data} />}
                {test.error !== null && (
                  <Alert color="red" mt="sm" role="alert">
                    {errorMessage(t, test.error)}
                  </Alert>
                )}
              </div>
            </Paper>
            <Paper withBorder p="md">
              <Title order={3} size="h5" mb={4}>
                {t('mail.testMessageTitle')}
              </Title>
              <Text size="sm" c="dimmed" mb="sm">
                {t('mail.testMessageHint')}
              </Text>
              <form
                noValidate
                onSubmit={(e) => {
                  e.preventDefault();
                  testMessage.mutate();
                }}
              >
                <Stack gap="xs">
                  <TextInput label={t('mail.testMessageTo')} type="email" value={testTo} onChange={(e) => setTestTo(e.currentTarget.value)} />
                  <Button type="submit" variant="light" leftSection={<IconSend size={16} aria-hidden />} loading={testMessage.isPending} disabled={saved === null}>
                    {t('mail.sendTestMessage')}
                  </Button>
                </Stack>
              </form>
              <ErrorAlert error={testMessage.error} />
              {testMessage.data?.result === 'failed' && (
                <Alert color="red" mt="sm" role="alert" title={t('mail.testMessageFailed')}>
                  {testMessage.data.reply && (
                    <Text size="xs">
                      {t('mail.serverReply')} <Code>{testMessage.data.reply}</Code>
                    </Text>
                  )}
                </Alert>
              )}
              {testMessage.data?.result === 'sent' && (
                <Alert color="green" mt="sm" role="status" data-testid="test-message-sent">
                  {t('mail.testMessageSent', { to: testTo.trim() })}
                  {testMessage.data.reply && (
                    <Text size="xs" mt={4}>
                      {t('mail.serverReply')} <Code>{testMessage.data.reply}</Code>
                    </Text>
                  )}
                </Alert>
              )}
            </Paper>
          </Stack>
        </Grid.Col>
      </Grid>
      {guard}
    </>
  );
}

/** The connection test's verdict in plain words, with the server's own reply for the expert. */
function Verdict({ outcome }: { outcome: ConnectionTestOutcome }) {
  const { t } = useTranslation();
  const ok = outcome.result === 'ok';
  const certificate = outcome.certificateProblem ? t(`mail.certificate.${outcome.certificateProblem}`, { defaultValue: '' }) : '';
  return (
    <Alert mt="sm" color={ok ? 'green' : 'red'} icon={ok ? <IconCircleCheck size={18} aria-hidden /> : <IconCircleX size={18} aria-hidden />} title={ok ? t('mail.results.okTitle') : t('mail.results.failedTitle')} data-testid="connection-verdict" data-result={outcome.result}>
      <Text size="sm">{t(`mail.results.${outcome.result}`, { defaultValue: t('mail.results.failed') })}</Text>
      {certificate && <Text size="sm">{certificate}</Text>}
      {outcome.reply && (
        <Text size="xs" mt={4}>
          {t('mail.serverReply')} <Code>{outcome.reply}</Code>
        </Text>
      )}
      {outcome.deliverability && <DeliverabilityList report={outcome.deliverability} />}
      <Text size="xs" c="dimmed" mt={4}>
        {t('mail.duration', { ms: outcome.durationMs })}
      </Text>
    </Alert>
  );
}
