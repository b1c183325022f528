import { IconAlertTriangle, IconCircleCheck, IconCircleX } from '@tabler/icons-react';
import type { TFunction } from 'i18next';
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../api/types';
import { formatDate } from '../../lib/format';
import { useLocale } from '../../lib/hooks';
import type { RecipientIssue, RecipientView } from './types';

/** The earlier send of an already sent document: when, to which address, by which Versandauftrag. */
function firstSend(issue: RecipientIssue): { at: string | null; to: string; dispatchId: number | null } {
  const sent: unknown = issue.meta?.['sent'];
  const first: unknown = Array.isArray(sent) ? sent[0] : undefined;
  if (typeof first !== 'object' || first === null) return { at: null, to: '', dispatchId: null };
  return {
    at: 'at' in first && typeof first.at === 'string' ? first.at : null,
    to: 'to' in first && typeof first.to === 'string' ? first.to : '',
    dispatchId: 'dispatchId' in first && typeof first.dispatchId === 'number' ? first.dispatchId : null,
  };
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
      const sent = firstSend(issue);
      const values = { date: sent.at ? formatDate(sent.at, locale) : '', to: sent.to, dispatch: sent.dispatchId ?? '', numbers };
      if (issue.meta?.['resend'] === true) return t('dispatchUi.issues.resend', values);
      return t(sent.dispatchId === null ? 'dispatchUi.issues.alreadySentNoDispatch' : 'dispatchUi.issues.alreadySent', values);
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

/** The Hinweise column: every issue of a recipient in words, blocking ones in red (plain elements: one per row of a long list). */
export function IssueList({ recipient }: { recipient: RecipientView }) {
  const { t } = useTranslation();
  const locale = useLocale();
  if (recipient.issues.length === 0) {
    return (
      <div className="issue-line">
        <IconCircleCheck size={15} color="var(--mantine-color-green-7)" aria-hidden />
        <span style={{ color: 'var(--mantine-color-green-8)' }}>{t('dispatchUi.issues.ready')}</span>
      </div>
    );
  }
  return (
    <div>
      {recipient.issues.map((issue) => {
        const blocking = issue.severity === 'blocking';
        return (
          <div key={issue.code} className="issue-line" data-issue={issue.code}>
            {blocking ? <IconCircleX size={15} color="var(--mantine-color-red-7)" aria-hidden /> : <IconAlertTriangle size={15} color="var(--mantine-color-yellow-8)" aria-hidden />}
            <span style={{ color: blocking ? 'var(--mantine-color-red-8)' : 'var(--mantine-color-yellow-9)' }}>{issueText(t, issue, recipient, locale)}</span>
          </div>
        );
      })}
    </div>
  );
}

/** Document numbers that wrap between numbers, never inside one. */
export function DocumentNumbers({ numbers }: { numbers: string[] }) {
  return (
    <span>
      {numbers.map((n, i) => (
        <Fragment key={`${n}-${i}`}>
          <span style={{ whiteSpace: 'nowrap' }}>
            {n}
            {i < numbers.length - 1 ? ',' : ''}
          </span>
          {i < numbers.length - 1 ? ' ' : ''}
        </Fragment>
      ))}
    </span>
  );
}
