import { Alert, Button, Group, Modal, PasswordInput, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCheck } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import type { User } from '../../api/types';
import { generalError } from '../../lib/errors';
import { useFieldErrors } from '../../lib/hooks';

/** "Passwort ändern" from the user menu: the new password needs the current one (the API checks both). */
export function PasswordModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const [currentPassword, setCurrentPassword] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const reset = () => {
    setCurrentPassword('');
    setPassword('');
    setRepeat('');
    setMismatch(false);
  };
  const change = useMutation({
    mutationFn: () => api.patch<User>('/api/auth/me', { currentPassword, password }),
    onSuccess: () => {
      reset();
      onClose();
      notifications.show({ color: 'green', icon: <IconCheck size={16} />, message: t('password.changed') });
    },
  });
  const errors = useFieldErrors(change.error);
  const general = generalError(t, change.error, ['currentPassword', 'password']);
  return (
    <Modal
      opened={opened}
      onClose={() => {
        reset();
        change.reset();
        onClose();
      }}
      title={<Text fw={600}>{t('password.title')}</Text>}
    >
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (password !== repeat) {
            setMismatch(true);
            return;
          }
          setMismatch(false);
          change.mutate();
        }}
      >
        <Stack gap="sm">
          <PasswordInput label={t('password.current')} required autoComplete="current-password" value={currentPassword} onChange={(e) => setCurrentPassword(e.currentTarget.value)} error={errors['currentPassword']} />
          <PasswordInput label={t('password.new')} description={t('users.passwordHint')} required autoComplete="new-password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={errors['password']} />
          <PasswordInput label={t('password.repeat')} required autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.currentTarget.value)} error={mismatch ? t('password.mismatch') : undefined} />
          <Text size="xs" c="dimmed">
            {t('password.otherSessions')}
          </Text>
          {general && (
            <Alert color="red" variant="light">
              {general}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button type="submit" loading={change.isPending}>
              {t('password.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
