import { Alert, Button, Grid, Group, Loader, Menu, Paper, Select, Skeleton, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconBraces, IconCheck, IconChevronDown, IconEye, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { ApiError, api } from '../../api/client';
import type { Locale, Template, TemplateKind, TemplatePreview } from '../../api/types';
import { useUser } from '../../auth/session';
import { ConfirmModal } from '../../components/ConfirmModal';
import { CustomerPicker } from '../../components/CustomerPicker';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { useUnsavedChanges } from '../../components/UnsavedChanges';
import { errorMessage, generalError } from '../../lib/errors';
import { useFieldErrors } from '../../lib/hooks';
import { useDebounced } from '../../lib/useDebounced';
import { PLACEHOLDER_GROUPS } from './placeholders';

interface FormState {
  name: string;
  kind: TemplateKind;
  language: Locale;
  subject: string;
  body: string;
}

/** Where a template error is: the API names the field and, for syntax errors, the line. */
function lineOf(error: unknown): number | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const fromMeta = error.meta?.['line'];
  if (typeof fromMeta === 'number') return fromMeta;
  const detail = error.details.find((d) => typeof d.meta?.['line'] === 'number');
  const line = detail?.meta?.['line'];
  return typeof line === 'number' ? line : undefined;
}

export function TemplatePage() {
  const { id } = useParams();
  const templateId = id ? Number(id) : null;
  const template = useQuery({ queryKey: ['template', templateId], queryFn: () => api.get<Template>(`/api/templates/${templateId}`), enabled: templateId !== null });
  if (templateId !== null && template.isPending) return <Skeleton h={400} />;
  if (template.error) return <ErrorAlert error={template.error} />;
  return <TemplateEditor key={templateId ?? 'new'} template={template.data ?? null} />;
}

function TemplateEditor({ template }: { template: Template | null }) {
  const { t, i18n } = useTranslation();
  const { isAdmin } = useUser();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [stored, setStored] = useState<FormState>(() =>
    template
      ? { name: template.name, kind: template.kind, language: template.language, subject: template.subject, body: template.body }
      : { name: '', kind: 'customerNotification', language: i18n.language === 'en' ? 'en' : 'de', subject: t('templates.defaultSubject', { skipInterpolation: true }), body: t('templates.defaultBody', { skipInterpolation: true }) },
  );
  const [form, setForm] = useState<FormState>(stored);
  const { guard, leaveWithoutAsking } = useUnsavedChanges(JSON.stringify(form) !== JSON.stringify(stored));
  const [customerId, setCustomerId] = useState<number | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const subjectRef = useRef<HTMLInputElement>(null);
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const lastFocused = useRef<'subject' | 'body'>('body');
  const readOnly = !isAdmin;

  const save = useMutation({
    mutationFn: (f: FormState) => (template ? api.put<Template>(`/api/templates/${template.id}`, { ...f, active: template.active ?? true }) : api.post<Template>('/api/templates', { ...f, active: true })),
    onSuccess: (saved, sent) => {
      setStored(sent);
      queryClient.setQueryData(['template', saved.id], saved);
      void queryClient.invalidateQueries({ queryKey: ['templates'] });
      notifications.show({ color: 'green', icon: <IconCheck size={16} />, message: t('templates.saved') });
      if (!template) {
        leaveWithoutAsking();
        navigate(`/templates/${saved.id}`, { replace: true });
      }
    },
  });
  const remove = useMutation({
    mutationFn: () => api.send('DELETE', `/api/templates/${template?.id ?? 0}`),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['templates'] });
      leaveWithoutAsking();
      navigate('/templates');
    },
    onError: () => setConfirmDelete(false),
  });

  // Live preview rendered by the API (the same renderer that writes the e-mails).
  const previewInput = useDebounced({ subject: form.subject, body: form.body, language: form.language, customerId }, 400);
  const preview = useQuery({
    queryKey: ['template-preview', previewInput],
    queryFn: () => api.post<TemplatePreview>('/api/templates/preview', { subject: previewInput.subject, body: previewInput.body, language: previewInput.language, ...(previewInput.customerId !== null ? { customerId: previewInput.customerId } : {}) }),
    placeholderData: (previous) => previous,
    retry: false,
  });

  const insert = (code: string) => {
    const target = lastFocused.current;
    const element = target === 'subject' ? subjectRef.current : bodyRef.current;
    const value = form[target];
    const start = element?.selectionStart ?? value.length;
    const end = element?.selectionEnd ?? value.length;
    const next = value.slice(0, start) + code + value.slice(end);
    setForm((f) => ({ ...f, [target]: next }));
    requestAnimationFrame(() => {
      element?.focus();
      element?.setSelectionRange(start + code.length, start + code.length);
    });
  };

  const errors = useFieldErrors(save.error);
  const general = generalError(t, save.error, ['name', 'kind', 'language', 'subject', 'body']);
  const saveLine = lineOf(save.error);
  const previewError = preview.error;
  const previewLine = lineOf(previewError);
  const withLine = (message: string | undefined, line: number | undefined) => (message && line !== undefined ? t('templates.atLine', { line, message }) : message);
  const previewFieldErrors = useFieldErrors(previewError);

  return (
    <>
      <PageHeader
        title={template ? template.name : t('templates.newTitle')}
        description={t('templates.editorDescription', { example: '{{ customer.lastName }}' })}
        actions={
          template && isAdmin ? (
            <Button variant="subtle" color="red" leftSection={<IconTrash size={16} aria-hidden />} onClick={() => setConfirmDelete(true)}>
              {t('common.delete')}
            </Button>
          ) : undefined
        }
      />
      <Grid>
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <form
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate(form);
            }}
          >
            <Stack>
              {general && <ErrorAlert error={save.error} />}
              <ErrorAlert error={remove.error} />
              <Paper withBorder p="md">
                <Stack>
                  <TextInput label={t('templates.fields.name')} required readOnly={readOnly} value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} error={errors['name']} />
                  <Group grow>
                    <Select
                      label={t('templates.fields.kind')}
                      allowDeselect={false}
                      readOnly={readOnly}
                      data={[{ value: 'customerNotification', label: t('templates.kinds.customerNotification') }]}
                      value={form.kind}
                      onChange={() => setForm({ ...form, kind: 'customerNotification' })}
                    />
                    <Select
                      label={t('templates.fields.language')}
                      allowDeselect={false}
                      readOnly={readOnly}
                      data={[
                        { value: 'de', label: 'Deutsch' },
                        { value: 'en', label: 'English' },
                      ]}
                      value={form.language}
                      onChange={(v) => setForm({ ...form, language: v === 'en' ? 'en' : 'de' })}
                    />
                  </Group>
                  <Group justify="space-between" align="flex-end">
                    <Text size="sm" c="dimmed">
                      {t('templates.placeholderHint')}
                    </Text>
                    {!readOnly && (
                      <Menu position="bottom-end" withinPortal>
                        <Menu.Target>
                          <Button variant="light" size="xs" leftSection={<IconBraces size={16} aria-hidden />} rightSection={<IconChevronDown size={14} aria-hidden />}>
                            {t('templates.insertPlaceholder')}
                          </Button>
                        </Menu.Target>
                        <Menu.Dropdown>
                          {PLACEHOLDER_GROUPS.map((group) => (
                            <div key={group.group}>
                              <Menu.Label>{t(`templates.placeholders.${group.group}.title`)}</Menu.Label>
                              {group.items.map((item) => (
                                <Menu.Item key={item.key} onClick={() => insert(item.code)}>
                                  {t(`templates.placeholders.${group.group}.${item.key}`)}
                                </Menu.Item>
                              ))}
                            </div>
                          ))}
                        </Menu.Dropdown>
                      </Menu>
                    )}
                  </Group>
                  <TextInput
                    ref={subjectRef}
                    label={t('templates.fields.subject')}
                    required
                    readOnly={readOnly}
                    value={form.subject}
                    onFocus={() => (lastFocused.current = 'subject')}
                    onChange={(e) => setForm({ ...form, subject: e.currentTarget.value })}
                    error={withLine(errors['subject'], saveLine) ?? withLine(previewFieldErrors['subject'], previewLine)}
                  />
                  <Textarea
                    ref={bodyRef}
                    label={t('templates.fields.body')}
                    required
                    readOnly={readOnly}
                    autosize
                    minRows={12}
                    maxRows={30}
                    styles={{ input: { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 13 } }}
                    value={form.body}
                    onFocus={() => (lastFocused.current = 'body')}
                    onChange={(e) => setForm({ ...form, body: e.currentTarget.value })}
                    error={withLine(errors['body'], saveLine) ?? withLine(previewFieldErrors['body'], previewLine)}
                  />
                </Stack>
              </Paper>
              {!readOnly && (
                <Group>
                  <Button type="submit" loading={save.isPending} leftSection={<IconCheck size={16} aria-hidden />}>
                    {t('common.save')}
                  </Button>
                  <Button variant="default" component={Link} to="/templates">
                    {t('templates.backToList')}
                  </Button>
                </Group>
              )}
            </Stack>
          </form>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Paper withBorder p="md" pos="sticky" top={72} aria-labelledby="preview-title">
            <Group justify="space-between" mb="sm">
              <Group gap={6}>
                <IconEye size={18} aria-hidden />
                <Title order={3} size="h5" id="preview-title">
                  {t('templates.preview')}
                </Title>
              </Group>
              {preview.isFetching && <Loader size="xs" aria-label={t('common.loading')} />}
            </Group>
            <CustomerPicker label={t('templates.previewFor')} value={customerId} onChange={setCustomerId} />
            <Text size="xs" c="dimmed" mt={4} mb="sm">
              {preview.data?.sample === false || customerId !== null ? t('templates.previewCustomer') : t('templates.previewSample')}
            </Text>
            {previewError ? (
              <Alert color="red" role="alert" title={t('templates.previewFailed')}>
                {withLine(errorMessage(t, previewError), previewLine)}
              </Alert>
            ) : preview.data ? (
              <Stack gap="xs" data-testid="template-preview" aria-live="polite">
                <Text size="sm">
                  <Text span c="dimmed" size="sm">
                    {t('templates.fields.subject')}:{' '}
                  </Text>
                  <Text span fw={600} data-testid="preview-subject">
                    {preview.data.subject}
                  </Text>
                </Text>
                <Paper bg="gray.0" p="sm" withBorder>
                  <pre className="preview-body" data-testid="preview-body">
                    {preview.data.text}
                  </pre>
                </Paper>
              </Stack>
            ) : (
              <Skeleton h={160} />
            )}
          </Paper>
        </Grid.Col>
      </Grid>
      <ConfirmModal
        opened={confirmDelete}
        title={t('templates.deleteTitle')}
        confirmLabel={t('common.delete')}
        color="red"
        loading={remove.isPending}
        onClose={() => setConfirmDelete(false)}
        onConfirm={() => remove.mutate()}
      >
        <Text>{t('templates.deleteText', { name: template?.name ?? '' })}</Text>
      </ConfirmModal>
      {guard}
    </>
  );
}
