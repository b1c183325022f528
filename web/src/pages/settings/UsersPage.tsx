import { ActionIcon, Alert, Badge, Button, Code, CopyButton, Group, Modal, Paper, PasswordInput, Select, Stack, Switch, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCheck, IconCopy, IconKey, IconPlus, IconTrash, IconUserPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import type { ApiToken, CreatedApiToken, Locale, Role, User } from '../../api/types';
import { useUser } from '../../auth/session';
import { ConfirmModal } from '../../components/ConfirmModal';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { generalError } from '../../lib/errors';
import { formatDateTime } from '../../lib/format';
import { useFieldErrors, useLocale } from '../../lib/hooks';

const roleOf = (v: string | null): Role => (v === 'admin' ? 'admin' : 'staff');

/** Benutzer and API tokens (admin only; the API refuses staff anyway). */
export function UsersPage() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t('users.title')} description={t('users.description')} />
      <Stack gap="xl">
        <UsersSection />
        <TokensSection />
      </Stack>
    </>
  );
}

function UsersSection() {
  const { t } = useTranslation();
  const locale = useLocale();
  const { user: me } = useUser();
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const users = useQuery({ queryKey: ['users'], queryFn: () => api.get<{ items: User[] }>('/api/users') });
  const patch = useMutation({
    mutationFn: (input: { id: number; patch: Partial<{ role: Role; disabled: boolean }> }) => api.patch<User>(`/api/users/${input.id}`, input.patch),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['users'] }),
  });
  return (
    <Paper withBorder p="md">
      <Group justify="space-between" mb="sm">
        <Title order={3} size="h4">
          {t('users.usersTitle')}
        </Title>
        <Button leftSection={<IconUserPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
          {t('users.new')}
        </Button>
      </Group>
      <ErrorAlert error={users.error ?? patch.error} />
      <Table.ScrollContainer minWidth={600}>
        <Table striped aria-label={t('users.usersTitle')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('users.fields.name')}</Table.Th>
              <Table.Th>{t('users.fields.email')}</Table.Th>
              <Table.Th>{t('users.fields.role')}</Table.Th>
              <Table.Th>{t('users.fields.active')}</Table.Th>
              <Table.Th>{t('users.fields.createdAt')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(users.data?.items ?? []).map((u) => (
              <Table.Tr key={u.id}>
                <Table.Td>
                  {u.name || '—'} {u.id === me.id && <Badge size="xs" variant="light">{t('users.you')}</Badge>}
                </Table.Td>
                <Table.Td>{u.email}</Table.Td>
                <Table.Td>
                  <Select
                    aria-label={t('users.roleOf', { email: u.email })}
                    size="xs"
                    w={140}
                    allowDeselect={false}
                    data={[
                      { value: 'admin', label: t('roles.admin') },
                      { value: 'staff', label: t('roles.staff') },
                    ]}
                    value={u.role}
                    disabled={u.id === me.id}
                    onChange={(v) => patch.mutate({ id: u.id, patch: { role: roleOf(v) } })}
                  />
                </Table.Td>
                <Table.Td>
                  <Switch
                    aria-label={t('users.activeOf', { email: u.email })}
                    checked={!u.disabled}
                    disabled={u.id === me.id}
                    onChange={(e) => patch.mutate({ id: u.id, patch: { disabled: !e.currentTarget.checked } })}
                  />
                </Table.Td>
                <Table.Td>{formatDateTime(u.createdAt, locale)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <NewUserModal opened={creating} onClose={() => setCreating(false)} />
    </Paper>
  );
}

function NewUserModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<{ name: string; email: string; password: string; role: Role; locale: Locale }>({ name: '', email: '', password: '', role: 'staff', locale: 'de' });
  const create = useMutation({
    mutationFn: () => api.post<User>('/api/users', form),
    onSuccess: (user) => {
      void queryClient.invalidateQueries({ queryKey: ['users'] });
      notifications.show({ color: 'green', message: t('users.created', { email: user.email }) });
      setForm({ name: '', email: '', password: '', role: 'staff', locale: 'de' });
      onClose();
    },
  });
  const errors = useFieldErrors(create.error);
  const general = generalError(t, create.error, ['name', 'email', 'password', 'role']);
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={600}>{t('users.new')}</Text>}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Stack>
          {general && <ErrorAlert error={create.error} />}
          <TextInput label={t('users.fields.name')} value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} error={errors['name']} data-autofocus />
          <TextInput label={t('users.fields.email')} type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.currentTarget.value })} error={errors['email']} />
          <PasswordInput label={t('users.fields.password')} description={t('users.passwordHint')} required value={form.password} onChange={(e) => setForm({ ...form, password: e.currentTarget.value })} error={errors['password']} autoComplete="new-password" />
          <Group grow>
            <Select
              label={t('users.fields.role')}
              allowDeselect={false}
              data={[
                { value: 'staff', label: t('roles.staff') },
                { value: 'admin', label: t('roles.admin') },
              ]}
              value={form.role}
              onChange={(v) => setForm({ ...form, role: roleOf(v) })}
            />
            <Select
              label={t('users.fields.locale')}
              allowDeselect={false}
              data={[
                { value: 'de', label: 'Deutsch' },
                { value: 'en', label: 'English' },
              ]}
              value={form.locale}
              onChange={(v) => setForm({ ...form, locale: v === 'en' ? 'en' : 'de' })}
            />
          </Group>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={create.isPending}>
              {t('users.create')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function TokensSection() {
  const { t } = useTranslation();
  const locale = useLocale();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('staff');
  // yyyy-mm-dd from the date field; the token is valid through the end of that day (local time).
  const [expiresOn, setExpiresOn] = useState('');
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const tokens = useQuery({ queryKey: ['tokens'], queryFn: () => api.get<{ items: ApiToken[] }>('/api/tokens') });
  const create = useMutation({
    mutationFn: () => api.post<CreatedApiToken>('/api/tokens', { name: name.trim(), role, ...(expiresOn ? { expiresAt: new Date(`${expiresOn}T23:59:59`).toISOString() } : {}) }),
    onSuccess: (result) => {
      setCreated(result);
      setName('');
      setExpiresOn('');
      void queryClient.invalidateQueries({ queryKey: ['tokens'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: number) => api.send('DELETE', `/api/tokens/${id}`),
    onSuccess: () => {
      setRevoking(null);
      void queryClient.invalidateQueries({ queryKey: ['tokens'] });
    },
  });
  const errors = useFieldErrors(create.error);
  return (
    <Paper withBorder p="md">
      <Title order={3} size="h4">
        {t('tokens.title')}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t('tokens.description')}
      </Text>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Group align="flex-start" mb="md">
          <TextInput label={t('tokens.name')} placeholder={t('tokens.namePlaceholder')} value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors['name']} w={280} />
          <Select
            label={t('users.fields.role')}
            w={160}
            allowDeselect={false}
            data={[
              { value: 'staff', label: t('roles.staff') },
              { value: 'admin', label: t('roles.admin') },
            ]}
            value={role}
            onChange={(v) => setRole(roleOf(v))}
          />
          <TextInput type="date" label={t('tokens.expiresAt')} description={t('tokens.expiresAtHint')} value={expiresOn} onChange={(e) => setExpiresOn(e.currentTarget.value)} error={errors['expiresAt']} w={200} />
          <Button type="submit" mt={25} leftSection={<IconPlus size={16} aria-hidden />} loading={create.isPending}>
            {t('tokens.create')}
          </Button>
        </Group>
      </form>
      {create.error !== null && !errors['name'] && !errors['expiresAt'] && <ErrorAlert error={create.error} />}
      {created && (
        <Alert color="green" icon={<IconKey size={18} aria-hidden />} title={t('tokens.createdTitle')} mb="md" withCloseButton onClose={() => setCreated(null)} closeButtonLabel={t('common.close')}>
          <Text size="sm" mb={6}>
            {t('tokens.createdText')}
          </Text>
          <Group gap="xs" wrap="nowrap">
            <Code data-testid="new-token" style={{ wordBreak: 'break-all' }}>
              {created.token}
            </Code>
            <CopyButton value={created.token}>
              {({ copied, copy }) => (
                <Tooltip label={copied ? t('common.copied') : t('common.copy')}>
                  <ActionIcon variant="light" onClick={copy} aria-label={t('common.copy')}>
                    {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
                  </ActionIcon>
                </Tooltip>
              )}
            </CopyButton>
          </Group>
        </Alert>
      )}
      <ErrorAlert error={tokens.error ?? revoke.error} />
      {tokens.data && tokens.data.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('tokens.empty')}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={600}>
          <Table striped aria-label={t('tokens.title')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('tokens.name')}</Table.Th>
                <Table.Th>{t('tokens.prefix')}</Table.Th>
                <Table.Th>{t('users.fields.role')}</Table.Th>
                <Table.Th>{t('tokens.createdBy')}</Table.Th>
                <Table.Th>{t('tokens.createdAt')}</Table.Th>
                <Table.Th>{t('tokens.lastUsedAt')}</Table.Th>
                <Table.Th>{t('tokens.expiresAt')}</Table.Th>
                <Table.Th>
                  <span className="visually-hidden">{t('documents.lineFields.actions')}</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(tokens.data?.items ?? []).map((tok) => (
                <Table.Tr key={tok.id} c={tok.revokedAt ? 'dimmed' : undefined}>
                  <Table.Td>{tok.name}</Table.Td>
                  <Table.Td>
                    <Code>{tok.prefix}…</Code>
                  </Table.Td>
                  <Table.Td>{t(`roles.${tok.role}`)}</Table.Td>
                  <Table.Td>
                    {tok.createdBy.name}
                    {tok.createdBy.disabled && (
                      <Badge color="orange" variant="light" ml={6}>
                        {t('tokens.creatorDisabled')}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{formatDateTime(tok.createdAt, locale)}</Table.Td>
                  <Table.Td>{tok.lastUsedAt ? formatDateTime(tok.lastUsedAt, locale) : t('tokens.neverUsed')}</Table.Td>
                  <Table.Td>{tok.expiresAt ? formatDateTime(tok.expiresAt, locale) : t('tokens.noExpiry')}</Table.Td>
                  <Table.Td>
                    {tok.revokedAt ? (
                      <Badge color="gray" variant="light">
                        {t('tokens.revoked')}
                      </Badge>
                    ) : tok.expiresAt !== null && Date.parse(tok.expiresAt) <= Date.now() ? (
                      <Badge color="gray" variant="light">
                        {t('tokens.expired')}
                      </Badge>
                    ) : (
                      <Button size="xs" variant="subtle" color="red" leftSection={<IconTrash size={14} aria-hidden />} onClick={() => setRevoking(tok)}>
                        {t('tokens.revoke')}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ConfirmModal
        opened={revoking !== null}
        title={t('tokens.revokeTitle')}
        confirmLabel={t('tokens.revoke')}
        color="red"
        loading={revoke.isPending}
        onClose={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate(revoking.id)}
      >
        <Text>{t('tokens.revokeText', { name: revoking?.name ?? '' })}</Text>
      </ConfirmModal>
    </Paper>
  );
}
