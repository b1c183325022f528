import { List, Text, ThemeIcon } from '@mantine/core';
import { IconAlertTriangle, IconCheck } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { DeliverabilityReport } from '../../api/types';

/** SPF, DKIM and DMARC of the sender's domain, and the From/login warning, under the connection test's verdict. */
export function DeliverabilityList({ report }: { report: DeliverabilityReport }) {
  const { t } = useTranslation();
  const lines: { ok: boolean; text: string }[] = [
    { ok: report.spf.status === 'found', text: t(`mail.deliverability.spf.${report.spf.status}`, { domain: report.fromDomain }) },
    ...(report.dkim.status === 'notConfigured' ? [] : [{ ok: report.dkim.status === 'found' && report.dkim.aligned, text: t(`mail.deliverability.dkim.${report.dkim.status === 'found' && !report.dkim.aligned ? 'notAligned' : report.dkim.status}`, { domain: report.dkim.domain ?? '', selector: report.dkim.selector ?? '' }) }]),
    { ok: report.dmarc.status === 'found', text: t(`mail.deliverability.dmarc.${report.dmarc.status}`, { domain: report.fromDomain, policy: report.dmarc.policy ?? '–' }) },
    ...(report.warnings.includes('deliverability.fromNotLogin') ? [{ ok: false, text: t('mail.deliverability.fromNotLogin') }] : []),
  ];
  return (
    <>
      <Text size="sm" fw={500} mt="xs">
        {t('mail.deliverability.title', { domain: report.fromDomain })}
      </Text>
      <List size="sm" spacing={4} mt={4} data-testid="deliverability">
        {lines.map((line) => (
          <List.Item
            key={line.text}
            icon={
              <ThemeIcon size={18} radius="xl" color={line.ok ? 'green' : 'yellow'} variant="light" aria-hidden>
                {line.ok ? <IconCheck size={12} /> : <IconAlertTriangle size={12} />}
              </ThemeIcon>
            }
          >
            {line.text}
          </List.Item>
        ))}
      </List>
    </>
  );
}
