import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstInvalidUtf8Offset } from '../src/commands/import-encoding.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';

/** Windows-1252 bytes of `text` (all of its characters must exist in that code page). */
function windows1252(text: string): Buffer {
  const extra: Record<string, number> = { '€': 0x80, '„': 0x84, '“': 0x93, '–': 0x96, '‚': 0x82, '‘': 0x91 };
  return Buffer.from([...text].map((ch) => {
    const cp = ch.codePointAt(0) ?? 0;
    const byte = extra[ch] ?? (cp <= 0xff && (cp < 0x80 || cp > 0x9f) ? cp : undefined);
    if (byte === undefined) throw new Error(`${ch} is not in Windows-1252`);
    return byte;
  }));
}

/** What German Excel's "CSV (Trennzeichen-getrennt)" writes: Windows-1252, ";", CRLF. */
function excelCustomers(minBytes: number): { file: Buffer; rows: number } {
  const lines = ['Kundennummer;Vorname;Nachname;Straße;PLZ;Ort;Bemerkung'];
  let size = lines[0]?.length ?? 0;
  let i = 0;
  while (size < minBytes) {
    i++;
    const line = `E-${String(i).padStart(6, '0')};Jörg;Müßig-Öztürk;Hauptstraße ${i};50667;Köln;Anzahlung 12,50 € – „bar“ für Größe ÄÖÜ äöü ß`;
    lines.push(line);
    size += line.length + 2;
  }
  return { file: windows1252(lines.join('\r\n') + '\r\n'), rows: i };
}

describe('firstInvalidUtf8Offset', () => {
  it('finds the first byte that is not well-formed UTF-8, in one pass', () => {
    const cases: [number[], number][] = [
      [[0x61, 0x62], 2],
      [[0x61, 0xc3, 0xa4, 0x62], 4], // ä
      [[0x61, 0xe4, 0x62], 1], // Latin-1 ä
      [[0xc0, 0x80], 0], // overlong
      [[0xed, 0xa0, 0x80], 0], // surrogate
      [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
      [[0x61, 0xe2, 0x82], 1], // truncated €
      [[0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], 7], // € and an emoji
    ];
    for (const [bytes, expected] of cases) {
      const buffer = Buffer.from(bytes);
      expect(firstInvalidUtf8Offset(buffer), bytes.join(',')).toBe(expected);
      // agrees with the platform's decoder on whether the whole input is valid
      let valid = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(buffer);
      } catch {
        valid = false;
      }
      expect(valid).toBe(expected === bytes.length);
    }
  });
});

describe.each(testDialects)('CSV import encodings on %s', (dialect) => {
  let t: TestApp;
  const post = (body: Buffer, query = '') =>
    t.staff.request({ method: 'POST', url: `/api/import/customers${query}`, payload: body, headers: { 'content-type': 'text/csv' } });

  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('imports a 256 KB Windows-1252 file (German Excel) with umlauts and € correctly', async () => {
    const { file, rows } = excelCustomers(256 * 1024);
    expect(file.length).toBeGreaterThanOrEqual(256 * 1024);
    const checked = await post(file, '?dryRun=true');
    expect(checked.statusCode, checked.body).toBe(200);
    expect(checked.json()).toMatchObject({ dryRun: true, encoding: 'windows-1252', rows, errors: [] });

    const response = await post(file);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ encoding: 'windows-1252', created: rows, rows });
    const last = `E-${String(rows).padStart(6, '0')}`;
    const stored = await t.testDb.db.kysely.selectFrom('customers').select(['first_name', 'last_name', 'street', 'city', 'notes']).where('number', '=', last).executeTakeFirstOrThrow();
    expect(stored).toEqual({
      first_name: 'Jörg',
      last_name: 'Müßig-Öztürk',
      street: `Hauptstraße ${rows}`,
      city: 'Köln',
      notes: 'Anzahlung 12,50 € – „bar“ für Größe ÄÖÜ äöü ß',
    });
  });

  it('takes the encoding the user chose: Windows-1252 explicitly, UTF-8 with a BOM as it is', async () => {
    const chosen = await post(windows1252('Kundennummer;Nachname;Ort\r\nW-1;Weiß;Düsseldorf\r\n'), '?encoding=windows-1252');
    expect(chosen.json()).toMatchObject({ encoding: 'windows-1252', created: 1 });
    const utf8 = await post(Buffer.from('\ufeffKundennummer;Nachname;Ort\r\nW-2;Weiß;Düsseldorf\r\n'), '?encoding=auto');
    expect(utf8.json()).toMatchObject({ encoding: 'utf-8', created: 1 });
    const names = await t.testDb.db.kysely.selectFrom('customers').select(['last_name', 'city']).where('number', 'in', ['W-1', 'W-2']).execute();
    expect(names).toEqual([{ last_name: 'Weiß', city: 'Düsseldorf' }, { last_name: 'Weiß', city: 'Düsseldorf' }]);
  });

  it('refuses a 256 KB Windows-1252 file read as UTF-8 with the line of the first invalid byte (one pass, not a frozen server)', async () => {
    const { file } = excelCustomers(256 * 1024);
    const response = await post(file, '?encoding=utf-8');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'import.encodingInvalid', row: 1, field: 'encoding' }); // "Straße" in the header
    const unknown = await post(file, '?encoding=latin9');
    expect(unknown.statusCode).toBe(400);
  });
});
