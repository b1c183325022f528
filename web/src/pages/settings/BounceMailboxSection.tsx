import { Alert, Button, Checkbox, Grid, Group, NumberInput, Paper, PasswordInput, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconCircleCheck, IconCircleX, IconPlugConnected } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import type { ImapSettingsView, ImapTestOutcome, SecurityMode } from '../../api/types';
import { errorMessage } from '../../lib/errors';

/** The bounce mailbox (Postfach für Rückläufer, IMAP) as the mail settings form holds it. */
export interface ImapFormState {
  enabled: boolean;
  host: string;
  port: number | string;
  security: SecurityMode;
  user: string;
  /** empty: keep the stored password */
  password: string;
  acceptSelfSigned: boolean;
  folder: string;
  processedFolder: string;
  sentFolder: string;
  verp: boolean;
  saveSentCopy: boolean;
  dailyDigest: boolean;
}

export const EMPTY_IMAP: ImapFormState = {
  enabled: false, host: '', port: 993, security: 'tls', user: '', password: '', acceptSelfSigned: false, folder: 'INBOX', processedFolder: 'Faktura/Verarbeitet', sentFolder: '', verp: false, saveSentCopy: false, dailyDigest: false,
};

export function imapToForm(s: ImapSettingsView | null): ImapFormState {
  if (!s) return EMPTY_IMAP;
  return { enabled: true, host: s.host, port: s.port, security: s.security, user: s.user, password: '', acceptSelfSigned: s.acceptSelfSigned, folder: s.folder, processedFolder: s.processedFolder, sentFolder: s.sentFolder ?? '', verp: s.verp, saveSentCopy: s.saveSentCopy, dailyDigest: s.dailyDigest };
}

export function imapToInput(f: ImapFormState) {
  if (!f.enabled) return null;
  return {
    host: f.host.trim(),
    port: typeof f.port === 'number' ? f.port : Number(f.port),
    security: f.security,
    user: f.user.trim(),
    ...(f.password !== '' ? { password: f.password } : {}),
    acceptSelfSigned: f.acceptSelfSigned,
    folder: f.folder.trim(),
    processedFolder: f.processedFolder.trim(),
    sentFolder: f.sentFolder.trim() || null,
    verp: f.verp,
    saveSentCopy: f.saveSentCopy,
    dailyDigest: f.dailyDigest,
  };
}

export const IMAP_FIELDS = ['imap.host', 'imap.port', 'imap.user', 'imap.password', 'imap.folder', 'imap.processedFolder', 'imap.sentFolder'];

/**
 * Einstellungen → SMTP Postausgangsserver → Postfach für Rückläufer: where bounces arrive, so that
 * Faktura can mark the deliveries and the customers' addresses by itself.
 */
export function BounceMailboxSection(props: {
  value: ImapFormState;
  onChange: (value: ImapFormState) => void;
  saved: ImapSettingsView | null;
  errors: Record<string, string>;
  /** the whole settings form as the API takes it, for the connection test */
  settingsForTest: () => unknown;
}) {
  const { t } = useTranslation();
  const f = props.value;
  const set = <K extends keyof ImapFormState>(key: K, value: ImapFormState[K]) => props.onChange({ ...f, [key]: value });
  const test = useMutation({ mutationFn: () => api.post<ImapTestOutcome>('/api/settings/mail/imap-test', { settings: props.settingsForTest() }) });
  return (
    <Paper withBorder p="md">
      <Title order={3} size="h5" mb={4}>
        {t('mail.imap.title')}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t('mail.imap.hint')}
      </Text>
      <Checkbox label={t('mail.imap.enabled')} checked={f.enabled} onChange={(e) => set('enabled', e.currentTarget.checked)} mb="sm" />
      {f.enabled && (
        <Stack gap="sm">
          <Grid>
            <Grid.Col span={{ base: 12, sm: 8 }}>
              <TextInput label={t('mail.fields.host')} placeholder="imap.example.de" required value={f.host} onChange={(e) => set('host', e.currentTarget.value)} error={props.errors['imap.host']} />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 4 }}>
              <NumberInput label={t('mail.fields.port')} min={1} max={65535} required value={f.port} onChange={(v) => set('port', v)} error={props.errors['imap.port']} />
            </Grid.Col>
            <Grid.Col span={12}>
              <Text size="sm" fw={500} mb={4} id="imap-security-label">
                {t('mail.fields.security')}
              </Text>
              <SegmentedControl
                aria-labelledby="imap-security-label"
                value={f.security}
                onChange={(v) => set('security', v === 'none' ? 'none' : v === 'starttls' ? 'starttls' : 'tls')}
                data={[
                  { value: 'tls', label: t('mail.imap.securityTls') },
                  { value: 'starttls', label: t('mail.imap.securityStarttls') },
                  { value: 'none', label: t('mail.security.none') },
                ]}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <TextInput label={t('mail.fields.user')} autoComplete="off" required value={f.user} onChange={(e) => set('user', e.currentTarget.value)} error={props.errors['imap.user']} />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <PasswordInput
                label={t('mail.fields.password')}
                autoComplete="new-password"
                placeholder={props.saved?.passwordSet ? t('mail.passwordSetPlaceholder') : ''}
                description={props.saved?.passwordSet ? t('mail.passwordSet') : t('mail.passwordNotSet')}
                value={f.password}
                onChange={(e) => set('password', e.currentTarget.value)}
                error={props.errors['imap.password']}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <TextInput label={t('mail.imap.folder')} value={f.folder} onChange={(e) => set('folder', e.currentTarget.value)} error={props.errors['imap.folder']} />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <TextInput label={t('mail.imap.processedFolder')} description={t('mail.imap.processedFolderHint')} value={f.processedFolder} onChange={(e) => set('processedFolder', e.currentTarget.value)} error={props.errors['imap.processedFolder']} />
            </Grid.Col>
          </Grid>
          <Checkbox label={t('mail.fields.acceptSelfSigned')} description={t('mail.acceptSelfSignedHint')} checked={f.acceptSelfSigned} onChange={(e) => set('acceptSelfSigned', e.currentTarget.checked)} />
          <Checkbox label={t('mail.imap.verp')} description={t('mail.imap.verpHint')} checked={f.verp} onChange={(e) => set('verp', e.currentTarget.checked)} />
          <Group>
            <Button variant="light" leftSection={<IconPlugConnected size={16} aria-hidden />} loading={test.isPending} disabled={f.host.trim() === ''} onClick={() => test.mutate()}>
              {t('mail.imap.test')}
            </Button>
          </Group>
          <div aria-live="polite">
            {test.data && <ImapVerdict outcome={test.data} />}
            {test.error !== null && (
              <Alert color="red" role="alert">
                {errorMessage(t, test.error)}
              </Alert>
            )}
          </div>
        </Stack>
      )}
    </Paper>
  );
}

function ImapVerdict({ outcome }: { outcome: ImapTestOutcome }) {
  const { t } = useTranslation();
  const ok = outcome.result === 'ok';
  const certificate = outcome.certificateProblem ? t(`mail.certificate.${outcome.certificateProblem}`, { defaultValue: '' }) : '';
  return (
    <Alert color={ok ? 'green' : 'red'} icon={ok ? <IconCircleCheck size={18} aria-hidden /> : <IconCircleX size={18} aria-hidden />} title={ok ? t('mail.results.okTitle') : t('mail.results.failedTitle')} data-testid="imap-verdict" data-result={outcome.result}>
      <Text size="sm">{t(`mail.imap.results.${outcome.result}`, { defaultValue: t('mail.results.failed') })}</Text>
      {certificate && <Text size="sm">{certificate}</Text>}
      {ok && (
        <Text size="xs" mt={4}>
          {t('mail.imap.messages', { count: outcome.messages ?? 0 })} · {outcome.processedFolderExists ? t('mail.imap.processedExists') : t('mail.imap.processedCreated')}
        </Text>
      )}
      <Text size="xs" c="dimmed" mt={4}>
        {t('mail.duration', { ms: outcome.durationMs })}
      </Text>
    </Alert>
  );
}
