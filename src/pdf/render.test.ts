import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, PDFStream, decodePDFRawStream } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { computeTotals, creditNoteLines, type DocumentLineInput } from '../domain/document.ts';
import { renderDocumentPdf } from './render.ts';
import { extractPdf, xmllintValidate, xmlValues } from './pdf-testing.ts';
import { manyLines, sampleCompany, sampleDocument, sampleLines } from './sample.ts';

function withLines(lines: DocumentLineInput[], overrides: Parameters<typeof sampleDocument>[0] = {}) {
  const t = computeTotals(lines);
  return sampleDocument({ lines: t.lines, vat: t.vat, netCents: t.netCents, vatCents: t.vatCents, grossCents: t.grossCents, ...overrides }, lines);
}

const count = (haystack: string, needle: string): number => haystack.split(needle).length - 1;

describe('renderDocumentPdf: what a reader sees', () => {
  it('prints a German invoice with umlauts, ß, € and German number formats', async () => {
    const { pages } = await extractPdf(await renderDocumentPdf(sampleDocument()));
    expect(pages).toHaveLength(1);
    const text = pages[0] ?? '';
    for (const expected of [
      'Rechnung RE-2026-0042',
      'Hörakustik Müller & Söhne GmbH',
      'Frau Käthe Weiß-Öztürk',
      'Schloßallee 5',
      '81675 München',
      'Kundennummer',
      '10023',
      'Rechnungsdatum',
      '27.11.2026',
      'Leistungsdatum',
      '20.11.2026',
      'Fällig am',
      '11.12.2026',
      'Pos.',
      'Beschreibung',
      'Menge',
      'Einheit',
      'Einzelpreis',
      'USt',
      'Betrag',
      '1.890,00 €',
      '1.701,00 €',
      'abzüglich 10 % Rabatt',
      '1,5',
      '19 %',
      '7 %',
      '0 %',
      // 0 % line: the exemption reason (§14 Abs. 4 Nr. 8 UStG), in the line and under the totals
      'Steuerfrei nach § 4 Nr. 14 UStG',
      'Nettobetrag 19 % USt',
      '1.880,00 €',
      'zzgl. 19 % USt auf 1.880,00 €',
      '357,20 €',
      'zzgl. 7 % USt auf 24,90 €',
      '1,74 €',
      'Summe netto',
      '1.994,90 €',
      'Rechnungsbetrag',
      '2.353,84 €',
      'zum 11.12.2026 ohne Abzug',
      'IBAN DE89 3704 0044 0532 0130 00',
      // footer: §14 UStG legal data
      'USt-IdNr. DE123456789',
      'Steuernummer 143/123/45678',
      'Amtsgericht München HRB 123456',
      'Seite 1 von 1',
    ]) {
      expect(text, expected).toContain(expected);
    }
    expect(text).not.toContain('ENTWURF');
  });

  it('breaks a 60-line invoice over pages, repeating the table header and never splitting a line', async () => {
    const pdf = await renderDocumentPdf(withLines(manyLines(60)));
    const { pages } = await extractPdf(pdf);
    expect(pages.length).toBe(4);
    pages.forEach((page, i) => {
      expect(page).toContain(`Seite ${i + 1} von ${pages.length}`);
      // table header on every page that has lines
      expect(count(page, 'Einzelpreis'), `page ${i + 1}`).toBe(1);
      expect(page).toContain('Beschreibung');
      // legal footer on every page
      expect(page).toContain('Steuernummer 143/123/45678');
      // a hearing-aid line wraps to two lines and carries a discount note: all on one page
      const starts = (page.match(/Posten \d+: Hörgerät „/g) ?? []).length;
      expect(count(page, 'Lumity L90“, rechts, inkl. Anpassung')).toBe(starts);
      expect(count(page, 'abzüglich 10 % Rabatt')).toBe(starts);
    });
    const all = pages.join('\n');
    for (let i = 1; i <= 60; i++) expect(count(all, `Posten ${i}:`), `line ${i}`).toBe(1);
    expect(pages[0]).not.toContain('Rechnungsbetrag');
    expect(pages.at(-1)).toContain('Rechnungsbetrag');
    expect(pages[1]).toContain('Kundennummer 10023 · Fortsetzung');
  });

  it('writes English labels and formats for an English document', async () => {
    const { pages } = await extractPdf(await renderDocumentPdf(sampleDocument({ language: 'en' })));
    const text = pages[0] ?? '';
    for (const expected of ['Invoice RE-2026-0042', 'Customer number', 'Invoice date', '27 Nov 2026', 'Unit price', '€1,890.00', '€2,353.84', 'Invoice total', 'Page 1 of 1']) {
      expect(text, expected).toContain(expected);
    }
  });

  it('titles quotes and credit notes, and a credit note names the invoice it cancels', async () => {
    const quote = await extractPdf(await renderDocumentPdf(sampleDocument({ type: 'quote', number: 'AN-2026-0007' })));
    expect(quote.pages[0]).toContain('Angebot AN-2026-0007');
    expect(quote.pages[0]).toContain('Gültig bis');
    expect(Object.keys(quote.attachments)).toEqual([]);

    const credit = withLines(creditNoteLines(sampleLines), { type: 'creditNote', number: 'GS-2026-0001', cancels: { number: 'RE-2026-0042', issueDate: '2026-11-27' } });
    const { pages, attachments } = await extractPdf(await renderDocumentPdf(credit));
    expect(pages[0]).toContain('Stornorechnung GS-2026-0001');
    expect(pages[0]).toContain('Stornorechnung zu Rechnung RE-2026-0042 vom 27.11.2026');
    expect(pages[0]).toContain('-2.353,84 €');
    const xml = Buffer.from(attachments['factur-x.xml'] ?? new Uint8Array()).toString('utf8');
    expect(xmlValues(xml, 'ram:TypeCode')).toContain('381');
  });

  it('marks drafts with a large ENTWURF / DRAFT on every page and embeds no e-invoice', async () => {
    const de = await extractPdf(await renderDocumentPdf(withLines(manyLines(30), { status: 'draft', number: null })));
    expect(de.pages.length).toBeGreaterThan(1);
    for (const page of de.pages) expect(page).toContain('ENTWURF');
    expect(Object.keys(de.attachments)).toEqual([]);
    const en = await extractPdf(await renderDocumentPdf(sampleDocument({ status: 'draft', number: null, language: 'en' })));
    expect(en.pages[0]).toContain('DRAFT');
  });

  it('says that the date of supply is the invoice date when none is set (§14 Abs. 4 Nr. 6 UStG)', async () => {
    const { pages } = await extractPdf(await renderDocumentPdf(sampleDocument({ serviceDate: null })));
    expect(pages[0]).toContain('Das Leistungsdatum entspricht dem Rechnungsdatum.');
  });

  it('is a pure function of its input: the same document gives the same bytes', async () => {
    const a = await renderDocumentPdf(sampleDocument());
    const b = await renderDocumentPdf(sampleDocument());
    expect(a.equals(b)).toBe(true);
  });

  it('draws a PNG logo', async () => {
    const pdf = await renderDocumentPdf(sampleDocument({ company: { ...sampleCompany, logo: { bytes: tinyPng(), mime: 'image/png' } } }));
    const doc = await PDFDocument.load(pdf);
    const resources = doc.getPage(0).node.Resources();
    const xobjects = resources?.lookup(PDFName.of('XObject'), PDFDict);
    expect(xobjects?.keys().length).toBe(1);
  });
});

describe('renderDocumentPdf: PDF/A-3b with embedded Factur-X', () => {
  it('embeds factur-x.xml that validates against the XSD and matches the printed totals', async () => {
    const { attachments } = await extractPdf(await renderDocumentPdf(sampleDocument()));
    expect(Object.keys(attachments)).toEqual(['factur-x.xml']);
    const xml = Buffer.from(attachments['factur-x.xml'] ?? new Uint8Array()).toString('utf8');
    const result = xmllintValidate(xml);
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
    expect(xmlValues(xml, 'ram:GrandTotalAmount')).toEqual(['2353.84']);
    expect(xmlValues(xml, 'ram:TaxTotalAmount')).toEqual(['358.94']);
    expect(xmlValues(xml, 'ram:RateApplicablePercent').slice(-3)).toEqual(['19.00', '7.00', '0.00']);
    expect(xmlValues(xml, 'ram:IBANID')).toEqual(['DE89370400440532013000']);
  });

  it('has the PDF/A-3 structure: output intent, XMP with pdfaid and fx: schema, /AF with /AFRelationship /Alternative', async () => {
    const bytes = await renderDocumentPdf(sampleDocument());
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('%PDF-1.7');
    const doc = await PDFDocument.load(bytes, { updateMetadata: false });
    const catalog = doc.catalog;

    const intents = catalog.lookup(PDFName.of('OutputIntents'), PDFArray);
    const intent = intents.lookup(0, PDFDict);
    expect(intent.get(PDFName.of('S'))).toBe(PDFName.of('GTS_PDFA1'));
    expect(intent.lookup(PDFName.of('DestOutputProfile'))).toBeInstanceOf(PDFStream);

    const metadata = rawStream(catalog.lookup(PDFName.of('Metadata'), PDFStream));
    const xmp = Buffer.from(decodePDFRawStream(metadata).decode()).toString('utf8');
    expect(xmp).toMatch(/<pdfaid:part>3<\/pdfaid:part>/);
    expect(xmp).toMatch(/<pdfaid:conformance>B<\/pdfaid:conformance>/);
    expect(xmp).toContain('xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"');
    expect(xmp).toContain('<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>');
    expect(xmp).toContain('<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>');
    expect(xmp).toContain('<pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>');
    // the XMP packet is well-formed XML
    const start = xmp.indexOf('<x:xmpmeta');
    const end = xmp.indexOf('</x:xmpmeta>') + '</x:xmpmeta>'.length;
    expect(xmllintWellFormed(xmp.slice(start, end))).toBe(true);

    const af = catalog.lookup(PDFName.of('AF'), PDFArray);
    expect(af.size()).toBe(1);
    const filespec = af.lookup(0, PDFDict);
    expect(filespec.get(PDFName.of('AFRelationship'))).toBe(PDFName.of('Alternative'));
    expect(String(filespec.get(PDFName.of('UF')))).toContain('factur-x.xml');
    const ef = filespec.lookup(PDFName.of('EF'), PDFDict);
    const file = rawStream(ef.lookup(PDFName.of('F'), PDFStream));
    expect(file.dict.get(PDFName.of('Subtype'))).toBe(PDFName.of('text/xml'));
    expect(file.dict.lookup(PDFName.of('Params'), PDFDict).get(PDFName.of('ModDate'))).toBeDefined();

    // every font is embedded (ISO 19005-3, 6.2.11.4)
    const raw = bytes.toString('latin1');
    expect(raw).toContain('/FontFile2');
    expect(raw).not.toMatch(/\/BaseFont \/Helvetica/);
  });

  it('can turn the embedded XML off (company setting), staying PDF/A', async () => {
    const bytes = await renderDocumentPdf(sampleDocument({ company: { ...sampleCompany, embedEInvoice: false } }));
    const { attachments } = await extractPdf(bytes);
    expect(Object.keys(attachments)).toEqual([]);
    expect(bytes.toString('latin1')).toContain('<pdfaid:part>3</pdfaid:part>');
    expect(bytes.toString('latin1')).not.toContain('xmlns:fx=');
  });
});

function rawStream(stream: PDFStream): PDFRawStream {
  if (!(stream instanceof PDFRawStream)) throw new Error('expected a raw stream');
  return stream;
}

function xmllintWellFormed(xml: string): boolean {
  return xmllintValidate(xml, null).ok;
}

/** A 2×2 red PNG with alpha, built here so the test needs no binary fixture. */
function tinyPng(): Uint8Array {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer): number => {
    let c = 0xffffffff;
    for (const byte of buf) c = (crcTable[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(2, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const row = [0, 200, 16, 46, 255, 200, 16, 46, 128];
  const raw = Buffer.from([...row, ...row]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

describe('renderDocumentPdf: VAT categories (§14 Abs. 4 Nr. 7/8, §14a UStG)', () => {
  const zero = (vatCategory: DocumentLineInput['vatCategory'], unitPriceCents: number, exemptionReason: string | null = null): DocumentLineInput => ({
    description: `Leistung ${vatCategory}`,
    quantityMilli: 1000,
    unit: 'Stk',
    unitPriceCents,
    vatRate: 0,
    vatCategory,
    exemptionReason,
    discountBasisPoints: 0,
  });

  it('prints one net subtotal per category and reason, each with its legal wording', async () => {
    const doc = withLines([sampleLines[0] ?? zero('E', 1, 'x'), zero('AE', 100_000), zero('K', 50_000), zero('G', 20_000), zero('E', 9_000, 'Steuerfrei nach § 4 Nr. 14 UStG')], {
      customer: { ...sampleDocument().customer, vatId: 'ATU12345678', country: 'AT' },
    });
    const bytes = await renderDocumentPdf(doc);
    const text = (await extractPdf(bytes)).pages.join('\n');
    expect(text).toContain('(1) Steuerschuldnerschaft des Leistungsempfängers');
    expect(text).toContain('(2) Steuerfreie innergemeinschaftliche Lieferung');
    expect(text).toContain('(3) Steuerfreie Ausfuhrlieferung');
    expect(text).toContain('(4) Steuerbefreiung: Steuerfrei nach § 4 Nr. 14 UStG');
    // four "without VAT" subtotals, one per category and reason, never summed together
    expect(count(text, 'Nettobetrag ohne USt')).toBe(4);
    expect(text).toContain('1.000,00 €');
    expect(text).toContain('500,00 €');
  });
});

describe('renderDocumentPdf: the address block stays in the DIN 5008 window (pdftotext -bbox)', () => {
  const MM = 72 / 25.4;
  function words(pdf: Buffer): { xMin: number; yMin: number; xMax: number; yMax: number; text: string }[] {
    const dir = mkdtempSync(join(tmpdir(), 'faktura-bbox-'));
    try {
      writeFileSync(join(dir, 'doc.pdf'), pdf);
      const html = execFileSync('pdftotext', ['-bbox', '-f', '1', '-l', '1', join(dir, 'doc.pdf'), '-'], { encoding: 'utf8' });
      return [...html.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)].map((m) => ({
        xMin: Number(m[1]) / MM,
        yMin: Number(m[2]) / MM,
        xMax: Number(m[3]) / MM,
        yMax: Number(m[4]) / MM,
        text: m[5] ?? '',
      }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('wraps a 200-character name and street within 105 mm, at most 6 lines, and nothing runs into the info block or off the page', async () => {
    const long = 'Gemeinnützige Gesellschaft für Hörgeräteversorgung und audiologische Rehabilitation der Senioren im Landkreis Oberbergischer Kreis mbH – Zweigniederlassung Gummersbach Innenstadt Nord';
    const doc = sampleDocument({
      company: { ...sampleDocument().company, name: `${long} ${long}`.slice(0, 200) },
      customer: { ...sampleDocument().customer, companyName: long.slice(0, 200), street: `${'Sehr-lange-Straße-mit-Bindestrichen-'.repeat(4)}12a, Hinterhaus, 3. Obergeschoss links`, country: 'AT' },
    });
    const all = words(await renderDocumentPdf(doc));
    const address = all.filter((w) => w.yMin > 62 && w.yMax < 100 && w.xMin < 110);
    expect(address.length).toBeGreaterThan(5);
    for (const w of address) expect(w.xMax, w.text).toBeLessThanOrEqual(105);
    const lines = new Set(address.map((w) => Math.round(w.yMin * 2)));
    expect(lines.size).toBeLessThanOrEqual(6);
    // street, city and country survive; the name is what gets cut
    expect(address.map((w) => w.text).join(' ')).toContain('Sehr-lange-Straße');
    expect(address.map((w) => w.text).join(' ')).toContain('ÖSTERREICH');
    expect(address.map((w) => w.text).join(' ')).toContain('München');
    // the info block (from 125 mm) holds only its own words
    for (const w of all.filter((x) => x.yMin > 45 && x.yMax < 100 && x.xMax > 110)) expect(w.xMin, w.text).toBeGreaterThanOrEqual(124);
    // the letterhead name and the footer stay on the page
    for (const w of all.filter((x) => x.yMin < 30 || x.yMin > 270)) expect(w.xMax, w.text).toBeLessThanOrEqual(190.5);
  });
});
