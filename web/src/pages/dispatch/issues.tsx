import { Group, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck, IconCircleX } from '@tabler/icons-react';
import type { TFunction } from 'i18next';
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../api/types';
import { formatDate } from '../../lib/format';
import { useLocale } from '../../lib/hooks';
import type { RecipientIssue, RecipientView } from './types';

function firstSentAt(issue: RecipientIssue): string | null {
  const sent: unknown = issue.meta?.['sent'];
  if (!Array.isArray(sent)) return null;
  const first: unknown = sent[0];
  return typeof first === 'object' && first !== null && 'at' in first && typeof first.at === 'string' ? first.at : null;
}

function dispatchIds(issue: RecipientIssue): string {
  const ids: unknown = issue.meta?.['dispatchIds'];
  return Array.isArray(ids) ? ids.filter((x) => typeof x === 'number').map((x) => `#${x}`).join(', ') : '';
}

/** One issue in words ("keine E-Mail-Adresse", "bereits versendet am 03.03.2025"). */
export function issueText(t: TFunction, issue: RecipientIssue, recipient: Pick<RecipientView, 'documents'>, locale: Locale): string {
  const numbers = (issue.documentIds ?? []).map((id) => recipient.documents.find((d) => d.id === id)?.number ?? t('dispatchUi.draftNumber')).join(', ');
  switch (issue.code) {
    case 'alreadySent': {
      const at = firstSentAt(issue);
      return t('dispatchUi.issues.alreadySent', { date: at ? formatDate(at, locale) : '', numbers });
    }
    case 'documentInActiveDispatch':
      return t('dispatchUi.issues.documentInActiveDispatch', { numbers, dispatches: dispatchIds(issue) });
    case 'documentNotFinal':
      return issue.meta?.['reason'] === 'noDocumentsLeft' ? t('dispatchUi.issues.noDocumentsLeft') : t('dispatchUi.issues.documentNotFinal', { numbers });
    case 'documentCancelled':
      return t('dispatchUi.issues.documentCancelled', { numbers });
    case 'emailInvalid':
      return t('dispatchUi.issues.emailInvalid');
    case 'emailMissing':
      return t('dispatchUi.issues.emailMissing');
    case 'invoiceByPost':
      return t('dispatchUi.issues.invoiceByPost');
  }
}

export const isBlocked = (r: Pick<RecipientView, 'issues'>): boolean => r.issues.some((i) => i.severity === 'blocking');

/** The Hinweise column: every issue of a recipient in words, blocking ones in red. */
export function IssueList({ recipient }: { recipient: RecipientView }) {
  const { t } = useTranslation();
  const locale = useLocale();
  if (recipient.issues.length === 0) {
    return (
      <Group gap={4} wrap="nowrap">
        <IconCircleCheck size={15} color="var(--mantine-color-green-7)" aria-hidden />
        <Text size="sm" c="green.8">
          {t('dispatchUi.issues.ready')}
        </Text>
      </Group>
    );
  }
  return (
    <Stack gap={2}>
      {recipient.issues.map((issue) => {
        const blocking = issue.severity === 'blocking';
        return (
          <Group key={issue.code} gap={4} wrap="nowrap" align="flex-start" data-issue={issue.code}>
            {blocking ? <IconCircleX size={15} color="var(--mantine-color-red-7)" aria-hidden style={{ flex: 'none', marginTop: 2 }} /> : <IconAlertTriangle size={15} color="var(--mantine-color-yellow-8)" aria-hidden style={{ flex: 'none', marginTop: 2 }} />}
            <Text size="sm" c={blocking ? 'red.8' : 'yellow.9'}>
              {issueText(t, issue, recipient, locale)}
            </Text>
          </Group>
        );
      })}
    </Stack>
  );
}

/** Document numbers that wrap between numbers, never inside one. */
export function DocumentNumbers({ numbers }: { numbers: string[] }) {
  return (
    <Text size="sm">
      {numbers.map((n, i) => (
        <Fragment key={`${n}-${i}`}>
          <span style={{ whiteSpace: 'nowrap' }}>
            {n}
            {i < numbers.length - 1 ? ',' : ''}
          </span>
          {i < numbers.length - 1 ? ' ' : ''}
        </Fragment>
      ))}
    </Text>
  );
}
