import PDFDocument from 'pdfkit';
import { exemptionStatement, type DocumentLine } from '../domain/document.ts';
import type { DocumentCustomer, RenderableDocument } from '../domain/issued-document.ts';
import { formatIban } from '../domain/company.ts';
import { FACTURX_CONFORMANCE_LEVEL, FACTURX_FILENAME, buildFacturX } from './facturx.ts';
import { FONT_BOLD, FONT_REGULAR, registerFonts } from './fonts.ts';
import { countryName, date, money, percent, quantity } from './format.ts';
import { labelsFor, type Labels } from './labels.ts';
import QRCode from 'qrcode';
import { giroCodePayload } from '../domain/girocode.ts';
import './pdfkit-types.ts';

/**
 * Renders a document as an A4 letter after DIN 5008 form B, so the same PDF is sent by e-mail and
 * printed into a window envelope (DL / C6/5). All measures are in millimetres from the top left.
 *
 * Pure: the output depends only on the input. The PDF's creation date is the issue date (not
 * "now"), so rendering the same document twice gives the same bytes — useful, although the
 * archive never relies on it (GoBD: the archived bytes are the document as issued).
 */

const MM = 72 / 25.4;
const mm = (v: number): number => v * MM;

const PAGE_WIDTH = 210;
const LEFT = 25;
const RIGHT = 190;
const WIDTH = RIGHT - LEFT;
/** Everything below belongs to the page footer (page number, §14 UStG legal data). */
const CONTENT_BOTTOM = 262;
const FOLLOW_PAGE_TOP = 22;

const COLOR_TEXT = '#1a1a1a';
const COLOR_MUTED = '#555555';
const COLOR_RULE = '#b4b4b4';
const COLOR_HEADER_BG = '#ececec';

/** Table columns: x from the left edge and width, in mm; numbers are right-aligned. */
const COLS = {
  pos: { x: LEFT, w: 9 },
  description: { x: LEFT + 9, w: 66 },
  quantity: { x: LEFT + 75, w: 15 },
  unit: { x: LEFT + 90, w: 15 },
  unitPrice: { x: LEFT + 105, w: 23 },
  vat: { x: LEFT + 128, w: 12 },
  amount: { x: LEFT + 140, w: 25 },
} as const;
const CELL_PAD = 1.2;
/** DIN 5008 form B window: the address zone runs from 20 to 105 mm; text starts at LEFT. At most 6 lines. */
const ADDRESS_WIDTH = 105 - LEFT;
const ADDRESS_MAX_LINES = 6;
const SENDER_WIDTH = 110 - LEFT - 2;
const FOOTER_COLUMN_MAX = 50;
/** GiroCode edge length in mm (with a one-module margin): modules of ≈ 0.4 mm scan well from paper. */
const GIROCODE_SIDE = 24;
const TABLE_FONT = 8.5;
const SUB_FONT = 7.5;

export interface RenderOptions {
  /** Override the company setting (e.g. to render a plain copy). Default: company.embedEInvoice. */
  embedEInvoice?: boolean;
}

/** Whether a document gets the Factur-X XML: issued invoices and credit notes, never quotes or drafts. */
export function carriesEInvoice(doc: RenderableDocument, options: RenderOptions = {}): boolean {
  return (options.embedEInvoice ?? doc.company.embedEInvoice) && doc.status !== 'draft' && doc.number !== null && doc.type !== 'quote';
}

export async function renderDocumentPdf(doc: RenderableDocument, options: RenderOptions = {}): Promise<Buffer> {
  const eInvoice = carriesEInvoice(doc, options);
  // Every issued document is archived, so every issued document is PDF/A-3b (ISO 19005-3):
  // self-contained (fonts embedded, colour profile) and readable in ten years (GoBD retention).
  const archival = doc.status !== 'draft';
  const l = labelsFor(doc.language);
  const title = doc.number ? `${l.title[doc.type]} ${doc.number}` : l.title[doc.type];
  const issued = new Date(`${doc.issueDate}T00:00:00Z`);
  const pdf = new PDFDocument({
    size: 'A4',
    margin: 0,
    autoFirstPage: false,
    bufferPages: true,
    // '' skips pdfkit's default Helvetica: a standard font is never embedded, which PDF/A forbids,
    // and loading its metrics for every document is wasted time.
    font: '',
    pdfVersion: '1.7',
    lang: doc.language === 'de' ? 'de-DE' : 'en-GB',
    displayTitle: true,
    ...(archival ? { subset: 'PDF/A-3b' as const } : {}),
    // Fixed dates make the output a function of the input (no "now" inside the PDF).
    info: { Title: xmpSafe(title), Creator: 'Faktura', Producer: 'Faktura (pdfkit)', CreationDate: issued },
  });
  registerFonts(pdf);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });

  const layout = new Layout(pdf, doc, l, title);
  layout.render();

  if (eInvoice) {
    const xml = Buffer.from(buildFacturX(doc), 'utf8');
    pdf.file(xml, {
      name: FACTURX_FILENAME,
      type: 'text/xml',
      description: 'Factur-X / ZUGFeRD e-invoice (EN 16931)',
      // Alternative: the XML is an equivalent rendition of this invoice (Factur-X 1.0, §6.2.2; for Germany).
      relationship: 'Alternative',
      creationDate: issued,
      modifiedDate: issued,
    });
    pdf.appendXML(facturXXmp());
  }
  pdf.end();
  return await done;
}

/** pdfkit copies the title into the XMP packet without escaping; keep it XML-safe. */
function xmpSafe(s: string): string {
  return s.replace(/[<>&"]/g, ' ');
}

/**
 * XMP for Factur-X: the fx: properties that tell a reader which XML is embedded and in which
 * profile, plus the PDF/A extension schema that declares them (ISO 19005-3, 6.6.2.3: custom XMP
 * properties must be described, else the file is not PDF/A). Mirrors the official
 * Factur-X_extension_schema.xmp.
 */
function facturXXmp(): string {
  // Factur-X 1.0 knows only INVOICE as document type; a credit note is told apart by TypeCode 381 in the XML.
  const documentType = 'INVOICE';
  const ns = 'urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#';
  const prop = (name: string, description: string): string =>
    `<rdf:li rdf:parseType="Resource"><pdfaProperty:name>${name}</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>${description}</pdfaProperty:description></rdf:li>`;
  return `
<rdf:Description rdf:about="" xmlns:fx="${ns}">
  <fx:DocumentType>${documentType}</fx:DocumentType>
  <fx:DocumentFileName>${FACTURX_FILENAME}</fx:DocumentFileName>
  <fx:Version>1.0</fx:Version>
  <fx:ConformanceLevel>${FACTURX_CONFORMANCE_LEVEL}</fx:ConformanceLevel>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
  <pdfaExtension:schemas>
    <rdf:Bag>
      <rdf:li rdf:parseType="Resource">
        <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
        <pdfaSchema:namespaceURI>${ns}</pdfaSchema:namespaceURI>
        <pdfaSchema:prefix>fx</pdfaSchema:prefix>
        <pdfaSchema:property>
          <rdf:Seq>
            ${prop('DocumentFileName', 'name of the embedded XML invoice file')}
            ${prop('DocumentType', 'INVOICE')}
            ${prop('Version', 'The actual version of the Factur-X XML schema')}
            ${prop('ConformanceLevel', 'The conformance level of the embedded Factur-X data')}
          </rdf:Seq>
        </pdfaSchema:property>
      </rdf:li>
    </rdf:Bag>
  </pdfaExtension:schemas>
</rdf:Description>`;
}

function customerName(c: DocumentCustomer): string {
  return [c.firstName, c.lastName].filter(Boolean).join(' ');
}

/** The address as it appears in the window (DIN 5008: recipient lines, country last in capitals). */
function addressLines(c: DocumentCustomer, doc: RenderableDocument): string[] {
  const person = [c.salutation, customerName(c)].filter(Boolean).join(' ');
  const lines: string[] = [];
  if (c.companyName) lines.push(c.companyName);
  if (person) lines.push(person);
  if (lines.length === 0) lines.push(c.number);
  if (c.street) lines.push(c.street);
  const city = [c.postcode, c.city].filter(Boolean).join(' ');
  if (city) lines.push(city);
  if (c.country && c.country !== doc.company.country) lines.push(countryName(c.country, doc.language).toUpperCase());
  return lines;
}

/** How many of addressLines' last lines are the address proper (street, city, country): kept whole. */
function addressTailLines(c: DocumentCustomer, doc: RenderableDocument): number {
  return (c.street ? 1 : 0) + ([c.postcode, c.city].some(Boolean) ? 1 : 0) + (c.country && c.country !== doc.company.country ? 1 : 0);
}

class Layout {
  private y = 0;
  private pageCount = 0;

  constructor(
    private readonly pdf: PDFKit.PDFDocument,
    private readonly doc: RenderableDocument,
    private readonly l: Labels,
    private readonly title: string,
  ) {}

  render(): void {
    this.firstPage();
    this.table();
    this.totals();
    this.closing();
    this.decoratePages();
  }

  // ---------- primitives (mm in, points out) ----------

  private font(bold: boolean, size: number, color = COLOR_TEXT): void {
    this.pdf.font(bold ? FONT_BOLD : FONT_REGULAR).fontSize(size).fillColor(color);
  }

  private text(s: string, x: number, y: number, width?: number): void {
    this.pdf.text(s, mm(x), mm(y), width === undefined ? { lineBreak: false } : { width: mm(width), lineGap: 0.5 });
  }

  private right(s: string, xRight: number, y: number): void {
    const w = this.pdf.widthOfString(s);
    this.pdf.text(s, mm(xRight) - w, mm(y), { lineBreak: false });
  }

  /** Height in mm of wrapped text in the current font. */
  private height(s: string, width: number): number {
    return this.pdf.heightOfString(s, { width: mm(width), lineGap: 0.5 }) / MM;
  }

  private rule(y: number, x1 = LEFT, x2 = RIGHT, color = COLOR_RULE, width = 0.5): void {
    this.pdf.moveTo(mm(x1), mm(y)).lineTo(mm(x2), mm(y)).lineWidth(width).strokeColor(color).stroke();
  }

  private addPage(): void {
    this.pdf.addPage({ size: 'A4', margin: 0 });
    this.pageCount += 1;
  }

  /** Starts a follow-up page when `needed` mm do not fit any more. Returns true if it did. */
  private ensure(needed: number): boolean {
    if (this.y + needed <= CONTENT_BOTTOM) return false;
    this.addPage();
    this.font(true, 9);
    this.text(this.title, LEFT, 12);
    this.font(false, 8, COLOR_MUTED);
    const customerLine = `${this.l.customerNumber} ${this.doc.customer.number} · ${this.l.continued}`;
    this.right(customerLine, RIGHT, 12.4);
    this.rule(17);
    this.y = FOLLOW_PAGE_TOP;
    return true;
  }

  // ---------- page 1: letterhead, address window, information block, title ----------

  private firstPage(): void {
    const { doc, l } = this;
    const company = doc.company;
    this.addPage();

    // Letterhead (form B: 45 mm). Logo right, name left.
    if (company.logo) {
      this.pdf.image(Buffer.from(company.logo.bytes), mm(RIGHT - 60), mm(12), { fit: [mm(60), mm(24)], align: 'right' });
    }
    // A long name shrinks (down to 10 pt) and is cut with "…" rather than run under the logo or off the page.
    const nameWidth = company.logo ? RIGHT - 60 - 4 - LEFT : WIDTH;
    let nameSize = 15;
    this.font(true, nameSize);
    while (nameSize > 10 && this.pdf.widthOfString(company.name) > mm(nameWidth)) this.font(true, --nameSize);
    this.pdf.text(company.name, mm(LEFT), mm(15), { width: mm(nameWidth), height: this.pdf.currentLineHeight(), ellipsis: true, lineBreak: false });
    this.font(false, 8.5, COLOR_MUTED);
    this.pdf.text([company.street, `${company.postcode} ${company.city}`].join(' · '), mm(LEFT), mm(22.5), { width: mm(nameWidth), height: this.pdf.currentLineHeight(), ellipsis: true, lineBreak: false });

    // Fold marks at 105 and 210 mm and the hole mark at 148.5 mm (DIN 5008 form B).
    for (const [y, len] of [[105, 5], [148.5, 7], [210, 5]] as const) this.rule(y, 4, 4 + len, COLOR_MUTED, 0.4);

    // Address field 20–105 mm × 45–90 mm; the sender line sits at the bottom of its
    // "Zusatz- und Vermerkzone" so that it shows in the window as the return address.
    const sender = [company.name, company.street, `${company.postcode} ${company.city}`].join(' · ');
    this.font(false, 6.5, COLOR_MUTED);
    // The window (DIN 5008 form B: 20–110 mm) shows the return address; a longer one is cut with "…".
    let shownSender = sender;
    while (shownSender.length > 1 && this.pdf.widthOfString(shownSender) > mm(SENDER_WIDTH)) shownSender = `${shownSender.slice(0, -2)}…`;
    this.text(shownSender, LEFT, 58.2);
    const senderWidth = this.pdf.widthOfString(shownSender) / MM;
    this.rule(61.2, LEFT, LEFT + senderWidth, COLOR_MUTED, 0.3);
    // DIN 5008: at most 6 lines in the address zone, within the window (to 105 mm). Long lines wrap
    // (smaller type first); lines beyond 6 are cut from the name, never from street, city, country.
    let size = 10;
    const address = addressLines(doc.customer, doc);
    const nameLines = address.length - addressTailLines(doc.customer, doc);
    let lines = this.addressBlock(address, size, nameLines);
    while (lines.length > ADDRESS_MAX_LINES && size > 8) lines = this.addressBlock(address, --size, nameLines);
    this.font(false, size);
    let ay = 64;
    for (const line of lines) {
      this.text(line, LEFT, ay);
      ay += size * 0.43;
    }

    // Information block (form B: from 125 mm, starting at 50 mm).
    const infoX = 125;
    const rows: Array<[string, string]> = [[l.customerNumber, doc.customer.number]];
    if (doc.number) rows.push([l.numberLabel[doc.type], doc.number]);
    rows.push([l.dateLabel[doc.type], date(doc.issueDate, doc.language)]);
    if (doc.type !== 'quote') rows.push([l.serviceDate, date(doc.serviceDate ?? doc.issueDate, doc.language)]);
    if (doc.dueDate && doc.type === 'invoice') rows.push([l.dueDate, date(doc.dueDate, doc.language)]);
    if (doc.dueDate && doc.type === 'quote') rows.push([l.validUntil, date(doc.dueDate, doc.language)]);
    if (doc.customer.vatId) rows.push([l.customerVatId, doc.customer.vatId]);
    let iy = 50;
    for (const [label, value] of rows) {
      this.font(false, 8.5, COLOR_MUTED);
      this.text(label, infoX, iy);
      this.font(false, 8.5);
      this.right(value, RIGHT, iy);
      iy += 4.4;
    }
    const contact: Array<[string, string | null]> = [
      [l.phone, company.phone],
      [l.email, company.email],
    ];
    iy += 2;
    for (const [label, value] of contact) {
      if (!value) continue;
      this.font(false, 8, COLOR_MUTED);
      this.text(label, infoX, iy);
      this.right(value, RIGHT, iy);
      iy += 4;
    }

    // Title ("Betreff") below the address field.
    this.y = Math.max(103.4, iy + 4);
    this.font(true, 14);
    this.text(this.title, LEFT, this.y);
    this.y += 8;
    if (doc.cancels) {
      this.font(false, 10);
      this.text(l.cancels(doc.cancels.number, date(doc.cancels.issueDate, doc.language)), LEFT, this.y);
      this.y += 6;
    }
    if (doc.introText) {
      this.font(false, 10);
      const h = this.height(doc.introText, WIDTH);
      this.ensure(h);
      this.text(doc.introText, LEFT, this.y, WIDTH);
      this.y += h + 4;
    } else {
      this.y += 2;
    }
  }

  // ---------- lines table ----------

  private tableHeader(): void {
    const { col } = this.l;
    const h = 6;
    this.pdf.rect(mm(LEFT), mm(this.y), mm(WIDTH), mm(h)).fill(COLOR_HEADER_BG);
    this.font(true, 8);
    const ty = this.y + 1.6;
    this.text(col.pos, COLS.pos.x + CELL_PAD, ty);
    this.text(col.description, COLS.description.x + CELL_PAD, ty);
    this.right(col.quantity, COLS.quantity.x + COLS.quantity.w - CELL_PAD, ty);
    this.text(col.unit, COLS.unit.x + CELL_PAD + 1, ty);
    this.right(col.unitPrice, COLS.unitPrice.x + COLS.unitPrice.w - CELL_PAD, ty);
    this.right(col.vat, COLS.vat.x + COLS.vat.w - CELL_PAD, ty);
    this.right(col.amount, COLS.amount.x + COLS.amount.w - CELL_PAD, ty);
    this.y += h + 1;
  }

  /** Text printed under a line's description: discount and, for 0 %, the exemption reason (§14 Abs. 4 Nr. 8 UStG). */
  private lineNotes(line: DocumentLine): string[] {
    const notes: string[] = [];
    if (line.discountBasisPoints > 0) notes.push(this.l.discount(percent(line.discountBasisPoints / 100, this.doc.language)));
    const statement = exemptionStatement(line.vatCategory, line.exemptionReason, this.doc.language);
    if (statement) notes.push(statement);
    return notes;
  }

  private table(): void {
    const { doc } = this;
    const lang = doc.language;
    const descWidth = COLS.description.w - 2 * CELL_PAD;
    this.ensure(20);
    this.tableHeader();
    doc.lines.forEach((line, index) => {
      this.font(false, TABLE_FONT);
      const descHeight = this.height(line.description, descWidth);
      const notes = this.lineNotes(line);
      this.font(false, SUB_FONT);
      const notesHeight = notes.reduce((sum, n) => sum + this.height(n, descWidth), 0);
      const rowHeight = descHeight + notesHeight + 2.4;
      // A line is never split across pages; a new page repeats the table header.
      if (this.ensure(rowHeight)) this.tableHeader();
      const ty = this.y + 1;
      this.font(false, TABLE_FONT);
      this.text(String(index + 1), COLS.pos.x + CELL_PAD, ty);
      this.text(line.description, COLS.description.x + CELL_PAD, ty, descWidth);
      this.right(quantity(line.quantityMilli, lang), COLS.quantity.x + COLS.quantity.w - CELL_PAD, ty);
      this.text(line.unit, COLS.unit.x + CELL_PAD + 1, ty);
      this.right(money(line.unitPriceCents, lang), COLS.unitPrice.x + COLS.unitPrice.w - CELL_PAD, ty);
      this.right(percent(line.vatRate, lang), COLS.vat.x + COLS.vat.w - CELL_PAD, ty);
      this.right(money(line.netCents, lang), COLS.amount.x + COLS.amount.w - CELL_PAD, ty);
      let ny = ty + descHeight;
      this.font(false, SUB_FONT, COLOR_MUTED);
      for (const note of notes) {
        this.text(note, COLS.description.x + CELL_PAD, ny, descWidth);
        ny += this.height(note, descWidth);
      }
      this.y += rowHeight;
      this.rule(this.y - 0.4, LEFT, RIGHT, '#dddddd', 0.4);
    });
  }

  // ---------- totals: per VAT rate (§14 Abs. 4 Nr. 8 UStG), then the total ----------

  /**
   * §14 Abs. 4 Nr. 7/8 UStG: the net amount per tax rate and per exemption, each exemption with its
   * reason. One subtotal per category and reason, so reverse charge and an intra-community supply
   * are never summed under one "without VAT" line.
   */
  private subtotals(): Array<{ label: string; netCents: number; note: string | null }> {
    const { doc, l } = this;
    const lang = doc.language;
    const byKey = new Map<string, { label: string; netCents: number; note: string | null }>();
    for (const line of doc.lines) {
      const statement = exemptionStatement(line.vatCategory, line.exemptionReason, lang);
      const key = line.vatCategory === 'S' ? `S:${line.vatRate}` : `${line.vatCategory}:${statement ?? ''}`;
      const note = statement !== null && line.vatCategory === 'E' ? `${l.exemption}: ${statement}` : statement;
      const entry = byKey.get(key) ?? { label: line.vatCategory === 'S' ? l.netByRate(percent(line.vatRate, lang)) : l.exemptNet, netCents: 0, note };
      entry.netCents += line.netCents;
      byKey.set(key, entry);
    }
    const order = (k: string) => (k.startsWith('S:') ? -Number(k.slice(2)) : 0);
    return [...byKey.entries()].sort(([a], [b]) => order(a) - order(b)).map(([, v]) => v);
  }

  private totals(): void {
    const { doc, l } = this;
    const lang = doc.language;
    const rows: Array<{ label: string; value: string; bold?: boolean; rule?: boolean }> = [];
    const subtotals = this.subtotals();
    const exempt = subtotals.filter((s) => s.note !== null);
    const several = subtotals.length > 1;
    // Exemptions are numbered when there is more than one, so each subtotal points at its reason.
    const marker = (index: number) => (exempt.length > 1 ? ` (${index + 1})` : '');
    if (several) {
      for (const s of subtotals) rows.push({ label: s.note === null ? s.label : `${s.label}${marker(exempt.indexOf(s))}`, value: money(s.netCents, lang) });
    }
    rows.push({ label: l.totalNet, value: money(doc.netCents, lang), rule: several });
    for (const v of doc.vat) {
      if (v.vatCategory !== 'S') continue;
      rows.push({ label: l.vatByRate(percent(v.vatRate, lang), money(v.netCents, lang)), value: money(v.vatCents, lang) });
    }
    if (doc.vat.every((v) => v.vatCategory !== 'S')) rows.push({ label: `${l.col.vat} ${percent(0, lang)}`, value: money(0, lang) });
    rows.push({ label: l.totalGross[doc.type], value: money(doc.grossCents, lang), bold: true, rule: true });
    const exemptions = exempt.map((s, index) => `${exempt.length > 1 ? `(${index + 1}) ` : ''}${s.note ?? ''}`);

    this.font(false, 7.5);
    const exemptionHeight = exemptions.reduce((sum, e) => sum + this.height(e, WIDTH) + 1, 0);
    const height = rows.length * 5 + 6 + exemptionHeight;
    this.ensure(height);
    this.y += 3;
    const labelX = RIGHT - 100;
    for (const row of rows) {
      if (row.rule) {
        this.rule(this.y - 0.8, labelX, RIGHT, row.bold ? COLOR_TEXT : COLOR_RULE, row.bold ? 0.8 : 0.5);
        this.y += 0.6;
      }
      this.font(row.bold === true, row.bold ? 10.5 : 9);
      this.text(row.label, labelX, this.y);
      this.right(row.value, RIGHT - CELL_PAD, this.y);
      this.y += row.bold ? 6 : 5;
    }
    this.y += 1;
    this.font(false, 8, COLOR_TEXT);
    for (const e of exemptions) {
      this.text(e, LEFT, this.y, WIDTH);
      this.y += this.height(e, WIDTH) + 1;
    }
  }

  // ---------- payment terms, bank details, closing text ----------

  /** The address as lines that fit the window at `size` pt: wrapped, at most ADDRESS_MAX_LINES (the name's lines cut with "…"). */
  private addressBlock(logical: string[], size: number, nameLines: number): string[] {
    this.font(false, size);
    const max = mm(ADDRESS_WIDTH);
    const fits = (t: string) => this.pdf.widthOfString(t) <= max;
    const wrap = (line: string): string[] => {
      const out: string[] = [];
      let current = '';
      for (const word of line.split(/\s+/).filter(Boolean)) {
        let w = word;
        // a word longer than the window is broken by characters
        while (!fits(w)) {
          let cut = w.length - 1;
          while (cut > 1 && !fits(`${current ? `${current} ` : ''}${w.slice(0, cut)}`)) cut--;
          if (cut <= 1 && current) {
            out.push(current);
            current = '';
            continue;
          }
          out.push(`${current ? `${current} ` : ''}${w.slice(0, cut)}`);
          current = '';
          w = w.slice(cut);
        }
        const next = current ? `${current} ${w}` : w;
        if (fits(next)) current = next;
        else {
          out.push(current);
          current = w;
        }
      }
      if (current) out.push(current);
      return out;
    };
    const wrapped = logical.map(wrap);
    const total = () => wrapped.reduce((n, l) => n + l.length, 0);
    // Cut from the first (name) lines until the block fits, keeping the address lines whole.
    for (let i = 0; i < wrapped.length && total() > ADDRESS_MAX_LINES; i++) {
      const group = wrapped[i];
      if (!group || i >= nameLines) break;
      while (group.length > 1 && total() > ADDRESS_MAX_LINES) {
        group.pop();
        let last = group[group.length - 1] ?? '';
        while (last.length > 1 && !fits(`${last}…`)) last = last.slice(0, -1);
        group[group.length - 1] = `${last}…`;
      }
    }
    // Still too long (a street of 200 characters): the street is cut too; postcode, city and country never.
    const street = wrapped[nameLines];
    if (street && nameLines < wrapped.length - 1) {
      while (street.length > 1 && total() > ADDRESS_MAX_LINES) {
        street.pop();
        let last = street[street.length - 1] ?? '';
        while (last.length > 1 && !fits(`${last}…`)) last = last.slice(0, -1);
        street[street.length - 1] = `${last}…`;
      }
    }
    return wrapped.flat().slice(0, ADDRESS_MAX_LINES);
  }

  private paragraph(s: string, size = 9.5, color = COLOR_TEXT, width = WIDTH): void {
    this.font(false, size, color);
    const h = this.height(s, width);
    // A new page draws its header in its own font: set the paragraph's again after it.
    if (this.ensure(h)) this.font(false, size, color);
    this.text(s, LEFT, this.y, width);
    this.y += h + 2.5;
  }

  /**
   * EPC QR code (GiroCode) for the amount due, drawn as vector squares at the right margin beside
   * the payment text: no raster image, so the PDF stays PDF/A and the code prints sharp. Returns
   * its height in mm (0 when there is none).
   */
  private giroCode(payload: string, top: number): number {
    // Error correction M, as EPC069-12 asks; the version grows with the payload (≤ 331 bytes fit).
    const qr = QRCode.create(payload, { errorCorrectionLevel: 'M' });
    const count = qr.modules.size;
    const cell = GIROCODE_SIDE / (count + 2);
    const x = RIGHT - GIROCODE_SIDE;
    this.pdf.save();
    this.pdf.fillColor('#000000');
    for (let row = 0; row < count; row++) {
      for (let col = 0; col < count; col++) {
        // a hair wider than the cell, so neighbouring squares leave no white seams when rasterised
        if (qr.modules.get(row, col)) this.pdf.rect(mm(x + (1 + col) * cell), mm(top + (1 + row) * cell), mm(cell) + 0.05, mm(cell) + 0.05);
      }
    }
    this.pdf.fill();
    this.pdf.restore();
    this.font(false, 6.5, COLOR_MUTED);
    const captionHeight = this.height(this.l.giroCode, GIROCODE_SIDE);
    this.pdf.text(this.l.giroCode, mm(x), mm(top + GIROCODE_SIDE), { width: mm(GIROCODE_SIDE), align: 'center', lineGap: 0.5 });
    return GIROCODE_SIDE + captionHeight;
  }

  private closing(): void {
    const { doc, l } = this;
    const lang = doc.language;
    const company = doc.company;
    this.y += 4;
    // Only an amount due asks for a transfer: an invoice with a negative total never says "überweisen Sie".
    if (doc.type === 'invoice' && doc.number && doc.grossCents > 0) {
      const amount = money(doc.grossCents, lang);
      const payload = company.iban ? giroCodePayload({ name: company.name, iban: company.iban, bic: company.bic, amountCents: doc.grossCents, remittance: doc.number }) : null;
      const width = payload ? WIDTH - GIROCODE_SIDE - 5 : WIDTH;
      if (payload) this.ensure(GIROCODE_SIDE + 6);
      const top = this.y;
      this.paragraph(
        doc.dueDate && doc.paymentTermsDays > 0 ? l.payment(amount, date(doc.dueDate, lang), doc.paymentTermsDays, doc.number) : l.paymentImmediate(amount, doc.number),
        9.5,
        COLOR_TEXT,
        width,
      );
      if (company.iban) {
        const bank = [company.bankName, `${l.iban} ${formatIban(company.iban)}`, company.bic ? `${l.bic} ${company.bic}` : null].filter(Boolean).join(' · ');
        this.paragraph(`${l.bankDetails}: ${bank}`, 9.5, COLOR_TEXT, width);
      }
      if (payload) this.y = Math.max(this.y, top + this.giroCode(payload, top) + 2);
    } else if (doc.type === 'invoice' && doc.number && doc.grossCents < 0) {
      this.paragraph(l.refund(money(Math.abs(doc.grossCents), lang)));
    }
    if (doc.type === 'creditNote') this.paragraph(l.refund(money(Math.abs(doc.grossCents), lang)));
    // §14 Abs. 4 Nr. 6 UStG: the date of supply must be stated; it may be the invoice date if said so.
    if (doc.type !== 'quote' && !doc.serviceDate) this.paragraph(l.serviceDateIsIssueDate, 8.5, COLOR_MUTED);
    if (doc.closingText) this.paragraph(doc.closingText);
  }

  // ---------- on every page: footer with the legal data, page numbers, draft watermark ----------

  private footerColumns(): string[][] {
    const { doc, l } = this;
    const c = doc.company;
    const col1 = [c.name, c.street, `${c.postcode} ${c.city}`];
    if (c.country !== 'DE') col1.push(countryName(c.country, doc.language));
    const col2 = [c.phone ? `${l.phone} ${c.phone}` : null, c.email, c.website].filter((s): s is string => Boolean(s));
    // §14 Abs. 4 Nr. 2 UStG: tax number or VAT id; §35a GmbHG / §37a HGB: managing director, register.
    const col3 = [
      c.vatId ? `${l.vatId} ${c.vatId}` : null,
      c.taxNumber ? `${l.taxNumber} ${c.taxNumber}` : null,
      c.managingDirector ? `${l.managingDirector}: ${c.managingDirector}` : null,
      c.registerCourt || c.registerNumber ? [c.registerCourt, c.registerNumber].filter(Boolean).join(' ') : null,
    ].filter((s): s is string => Boolean(s));
    const col4 = [c.bankName, c.iban ? `${l.iban} ${formatIban(c.iban)}` : null, c.bic ? `${l.bic} ${c.bic}` : null].filter((s): s is string => Boolean(s));
    return [col1, col2, col3, col4];
  }

  /**
   * Column widths follow their content: the longest line of each column (the first line is bold),
   * the rest of the text width is spread as gaps; if the legal data is long, the type shrinks
   * rather than letting columns overlap.
   */
  private footerLayout(columns: string[][]): { size: number; xs: number[] } {
    let size = 6.8;
    for (;;) {
      const widths = columns.map((lines, ci) =>
        lines.reduce((max, line, li) => {
          this.pdf.font(ci === 0 && li === 0 ? FONT_BOLD : FONT_REGULAR).fontSize(size);
          // a column is at most 50 mm wide: a longer line (a 200-character company name) is cut with "…"
          return Math.min(FOOTER_COLUMN_MAX, Math.max(max, this.pdf.widthOfString(line) / MM));
        }, 0),
      );
      const used = widths.reduce((a, b) => a + b, 0);
      const gap = columns.length > 1 ? (WIDTH - used) / (columns.length - 1) : 0;
      if (gap >= 3 || size <= 5) {
        const xs: number[] = [];
        let x = LEFT;
        for (const w of widths) {
          xs.push(x);
          x += w + Math.max(gap, 1);
        }
        return { size, xs };
      }
      size -= 0.2;
    }
  }

  private decoratePages(): void {
    const { pdf, l } = this;
    const columns = this.footerColumns().filter((c) => c.length > 0);
    const { size, xs } = this.footerLayout(columns);
    const range = pdf.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      pdf.switchToPage(i);
      this.font(false, 7.5, COLOR_MUTED);
      this.right(l.page(i - range.start + 1, this.pageCount), RIGHT, 266);
      this.rule(270.5);
      columns.forEach((lines, ci) => {
        lines.forEach((line, li) => {
          this.font(ci === 0 && li === 0, size, COLOR_MUTED);
          // each column ends where the next begins: a very long company name is cut with "…"
          const x = xs[ci] ?? LEFT;
          const width = Math.min(FOOTER_COLUMN_MAX, (xs[ci + 1] ?? RIGHT + 2) - x - 2);
          let shown = line;
          while (shown.length > 1 && pdf.widthOfString(shown) > mm(width)) shown = `${shown.slice(0, -2)}…`;
          this.text(shown, x, 272.5 + li * 3.1);
        });
      });
      if (this.doc.status === 'draft') this.watermark();
    }
  }

  private watermark(): void {
    const { pdf } = this;
    pdf.save();
    pdf.rotate(-50, { origin: [mm(PAGE_WIDTH / 2), mm(148.5)] });
    pdf.font(FONT_BOLD).fontSize(96).fillColor('#c8102e').fillOpacity(0.12);
    const text = this.l.draft;
    const w = pdf.widthOfString(text);
    pdf.text(text, mm(PAGE_WIDTH / 2) - w / 2, mm(148.5) - 48, { lineBreak: false });
    pdf.restore();
  }
}
