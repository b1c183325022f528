import { Alert, Button, Center, Group, Paper, PasswordInput, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconAlertCircle, IconClock } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { useSession } from '../auth/session';
import { errorMessage } from '../lib/errors';
import { useLocale, usePageTitle } from '../lib/hooks';
import { usePrefetchAfterLogin } from '../lib/prefetch';

/** Only paths inside the app are followed after login (no open redirect). */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/customers';
}

export function LoginPage() {
  const { t } = useTranslation();
  const { state, login, changeLocale } = useSession();
  const locale = useLocale();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get('next'));
  usePrefetchAfterLogin();
  usePageTitle(t('login.submit'));

  if (state.status === 'authenticated') return <Navigate to={next} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email.trim(), password);
      navigate(next, { replace: true });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center mih="100vh" bg="gray.0" p="md">
      <Paper component="main" withBorder shadow="sm" p="xl" w={400} maw="100%">
        <form onSubmit={(e) => void submit(e)} noValidate>
          <Stack>
            <div>
              <Title order={1} size="h2" c="indigo.7">
                Faktura
              </Title>
              <Text c="dimmed" size="sm">
                {t('login.subtitle')}
              </Text>
            </div>
            {params.get('expired') === '1' && !error && (
              <Alert color="yellow" icon={<IconClock size={18} aria-hidden />} role="status">
                {t('login.expired')}
              </Alert>
            )}
            {error !== null && (
              <Alert color="red" icon={<IconAlertCircle size={18} aria-hidden />} role="alert">
                {errorMessage(t, error)}
              </Alert>
            )}
            <TextInput label={t('login.email')} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} autoFocus />
            <PasswordInput label={t('login.password')} autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
            <Button type="submit" loading={busy} fullWidth>
              {t('login.submit')}
            </Button>
            <Group justify="center">
              <SegmentedControl
                size="xs"
                aria-label={t('nav.language')}
                value={locale}
                onChange={(v) => void changeLocale(v === 'en' ? 'en' : 'de')}
                data={[
                  { value: 'de', label: 'Deutsch' },
                  { value: 'en', label: 'English' },
                ]}
              />
            </Group>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
