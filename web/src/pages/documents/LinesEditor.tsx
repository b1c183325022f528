import { ActionIcon, Button, Group, Select, Table, Text, TextInput, Textarea } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconPlus, IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { formatMoney } from '../../lib/format';
import { useLocale } from '../../lib/hooks';
import { emptyLine, parseLine, ZERO_CATEGORIES, type LineForm, type LineProblem } from '../../lib/lines';

/** Problems the browser can see before asking the server (text that is not a number). */
const PARSE_PROBLEMS: readonly LineProblem[] = ['quantity', 'unitPrice', 'discount'];

export function LinesEditor(props: {
  lines: LineForm[];
  onChange: (lines: LineForm[]) => void;
  lineNet: (number | undefined)[];
  serverErrors: Record<string, string>;
  showAllProblems: boolean;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const { lines, onChange } = props;

  const update = (index: number, patch: Partial<LineForm>) => onChange(lines.map((l, i) => (i === index ? { ...l, ...patch } : l)));
  const move = (index: number, by: number) => {
    const next = [...lines];
    const [line] = next.splice(index, 1);
    if (line) next.splice(index + by, 0, line);
    onChange(next);
  };

  const errorFor = (index: number, line: LineForm, field: 'description' | 'quantity' | 'unitPrice' | 'discount' | 'exemptionReason' | 'vatRate'): string | undefined => {
    const serverKey = { description: 'description', quantity: 'quantity', unitPrice: 'unitPriceCents', discount: 'discountPercent', exemptionReason: 'exemptionReason', vatRate: 'vatRate' }[field];
    const server = props.serverErrors[`lines.${index}.${serverKey}`];
    if (server) return server;
    if (field === 'vatRate' || field === 'description' || field === 'exemptionReason') return undefined;
    if (!PARSE_PROBLEMS.includes(field)) return undefined;
    const value = line[field];
    if (value.trim() === '' && !props.showAllProblems) return undefined;
    const parsed = parseLine(line);
    if (!parsed.problems.includes(field)) return undefined;
    return t(parsed.tooLarge.includes(field) ? `documents.lineProblems.${field}TooLarge` : `documents.lineProblems.${field}`);
  };

  return (
    <>
      <Table.ScrollContainer minWidth={1000}>
        <Table verticalSpacing="xs" aria-label={t('documents.lines')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={36}>#</Table.Th>
              <Table.Th>{t('documents.lineFields.description')}</Table.Th>
              <Table.Th w={90}>{t('documents.lineFields.quantity')}</Table.Th>
              <Table.Th w={80}>{t('documents.lineFields.unit')}</Table.Th>
              <Table.Th w={150}>{t('documents.lineFields.unitPrice')}</Table.Th>
              <Table.Th w={160}>{t('documents.lineFields.vatRate')}</Table.Th>
              <Table.Th w={90}>{t('documents.lineFields.discount')}</Table.Th>
              <Table.Th w={120} ta="right">
                {t('documents.lineFields.net')}
              </Table.Th>
              <Table.Th w={100}>
                <span className="visually-hidden">{t('documents.lineFields.actions')}</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {lines.map((line, index) => {
              const n = index + 1;
              const net = props.lineNet[index];
              return (
                <Table.Tr key={line.key} data-testid={`line-${index}`} style={{ verticalAlign: 'top' }}>
                  <Table.Td pt={14}>
                    <Text size="sm" c="dimmed">
                      {n}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Textarea
                      aria-label={t('documents.lineAria.description', { n })}
                      placeholder={t('documents.lineFields.descriptionPlaceholder')}
                      autosize
                      minRows={1}
                      maxRows={6}
                      value={line.description}
                      onChange={(e) => update(index, { description: e.currentTarget.value })}
                      error={errorFor(index, line, 'description')}
                    />
                    {line.vatRate === '0' && (
                      <TextInput
                        mt={6}
                        size="xs"
                        label={t(line.zeroCategory === 'E' ? 'documents.lineFields.exemptionReason' : 'documents.lineFields.exemptionNote')}
                        placeholder={line.zeroCategory === 'E' ? t('documents.lineFields.exemptionPlaceholder') : t(`documents.vatCategoryWording.${line.zeroCategory}`)}
                        value={line.exemptionReason}
                        onChange={(e) => update(index, { exemptionReason: e.currentTarget.value })}
                        error={errorFor(index, line, 'exemptionReason')}
                        aria-label={t('documents.lineAria.exemptionReason', { n })}
                      />
                    )}
                  </Table.Td>
                  <Table.Td>
                    <TextInput aria-label={t('documents.lineAria.quantity', { n })} inputMode="decimal" value={line.quantity} onChange={(e) => update(index, { quantity: e.currentTarget.value })} error={errorFor(index, line, 'quantity')} />
                  </Table.Td>
                  <Table.Td>
                    <TextInput aria-label={t('documents.lineAria.unit', { n })} value={line.unit} onChange={(e) => update(index, { unit: e.currentTarget.value })} />
                  </Table.Td>
                  <Table.Td>
                    <TextInput aria-label={t('documents.lineAria.unitPrice', { n })} inputMode="decimal" rightSection="€" value={line.unitPrice} onChange={(e) => update(index, { unitPrice: e.currentTarget.value })} error={errorFor(index, line, 'unitPrice')} />
                  </Table.Td>
                  <Table.Td>
                    <Select
                      // "0 % (steuerfrei)" readable, not cut off when the description takes the width.
                      miw={175}
                      aria-label={t('documents.lineAria.vatRate', { n })}
                      allowDeselect={false}
                      data={[
                        { value: '19', label: '19 %' },
                        { value: '7', label: '7 %' },
                        ...ZERO_CATEGORIES.map((c) => ({ value: c, label: t(`documents.vatCategories.${c}`) })),
                      ]}
                      value={line.vatRate === '0' ? line.zeroCategory : line.vatRate}
                      onChange={(v) => {
                        const zero = ZERO_CATEGORIES.find((c) => c === v);
                        update(index, zero ? { vatRate: '0', zeroCategory: zero } : { vatRate: v === '7' ? '7' : '19' });
                      }}
                      error={errorFor(index, line, 'vatRate')}
                    />
                  </Table.Td>
                  <Table.Td>
                    <TextInput aria-label={t('documents.lineAria.discount', { n })} inputMode="decimal" rightSection="%" value={line.discount} onChange={(e) => update(index, { discount: e.currentTarget.value })} error={errorFor(index, line, 'discount')} />
                  </Table.Td>
                  <Table.Td ta="right" pt={14}>
                    <Text size="sm" className="money" data-testid={`line-net-${index}`}>
                      {net === undefined ? '—' : formatMoney(net, locale)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={2} wrap="nowrap">
                      <ActionIcon variant="subtle" color="gray" aria-label={t('documents.lineAria.up', { n })} disabled={index === 0} onClick={() => move(index, -1)}>
                        <IconArrowUp size={16} aria-hidden />
                      </ActionIcon>
                      <ActionIcon variant="subtle" color="gray" aria-label={t('documents.lineAria.down', { n })} disabled={index === lines.length - 1} onClick={() => move(index, 1)}>
                        <IconArrowDown size={16} aria-hidden />
                      </ActionIcon>
                      <ActionIcon variant="subtle" color="red" aria-label={t('documents.lineAria.remove', { n })} onClick={() => onChange(lines.filter((_, i) => i !== index))}>
                        <IconTrash size={16} aria-hidden />
                      </ActionIcon>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {lines.length === 0 && (
        <Text c="dimmed" size="sm" py="sm">
          {t('documents.noLines')}
        </Text>
      )}
      <Button mt="xs" variant="light" leftSection={<IconPlus size={16} aria-hidden />} onClick={() => onChange([...lines, emptyLine()])}>
        {t('documents.addLine')}
      </Button>
      {props.serverErrors['lines'] && (
        <Text c="red" size="sm" mt={4} role="alert">
          {props.serverErrors['lines']}
        </Text>
      )}
    </>
  );
}
