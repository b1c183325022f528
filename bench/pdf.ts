/**
 * PDF benchmark: `npx tsx bench/pdf.ts [--renders 10000] [--iterations 300] [--no-chromium]`
 *
 * - ms per PDF (median, p95) for a 1-page and a 5-page invoice, PDF/A-3b with embedded Factur-X
 *   XML, single thread and with worker threads (RenderPool, one worker per core);
 * - peak RSS over `--renders` sequential renders (and RSS along the way, to see it stay flat);
 * - the same invoices through headless Chromium `page.pdf()` (playwright-core, Debian chromium),
 *   in the same run, and the ratio.
 */
import { cpus } from 'node:os';
import { PDFDocument } from 'pdf-lib';
import { chromium } from 'playwright-core';
import { computeTotals } from '../src/domain/document.ts';
import type { RenderableDocument } from '../src/domain/issued-document.ts';
import { RenderPool } from '../src/pdf/bulk.ts';
import { date, money, percent, quantity } from '../src/pdf/format.ts';
import { renderDocumentPdf } from '../src/pdf/render.ts';
import { manyLines, sampleDocument } from '../src/pdf/sample.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value < 1) throw new Error(`--${name} must be a positive number`);
  return value;
}
const RENDERS = arg('renders', 10_000);
const ITERATIONS = arg('iterations', 300);
const CHROMIUM = !process.argv.includes('--no-chromium');

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const stats = (times: number[]): { median: number; p95: number } => {
  const sorted = [...times].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
};
const fmt = (n: number): string => n.toFixed(2);
const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);

function withLines(count: number): RenderableDocument {
  const t = computeTotals(manyLines(count));
  return sampleDocument({ lines: t.lines, vat: t.vat, netCents: t.netCents, vatCents: t.vatCents, grossCents: t.grossCents });
}

async function pageCount(pdf: Uint8Array): Promise<number> {
  return (await PDFDocument.load(pdf)).getPageCount();
}

/** The smallest invoice with `pages` pages. */
async function invoiceWithPages(pages: number): Promise<RenderableDocument> {
  for (let lines = 4; lines < 500; lines++) {
    const doc = withLines(lines);
    if ((await pageCount(await renderDocumentPdf(doc))) === pages) return doc;
  }
  throw new Error(`no invoice with ${pages} pages`);
}

async function timeSingle(doc: RenderableDocument, iterations: number): Promise<number[]> {
  for (let i = 0; i < 20; i++) await renderDocumentPdf(doc);
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await renderDocumentPdf(doc);
    times.push(performance.now() - t0);
  }
  return times;
}

/** Worker threads: per-PDF latency with 2 × workers in flight, and throughput (wall time / count). */
async function timeWorkers(pool: RenderPool, doc: RenderableDocument, iterations: number): Promise<{ latency: number[]; perPdf: number }> {
  await Promise.all(Array.from({ length: pool.size * 10 }, () => pool.render(doc)));
  const latency: number[] = [];
  const start = performance.now();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < iterations) {
      next += 1;
      const t0 = performance.now();
      await pool.render(doc);
      latency.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: pool.size * 2 }, lane));
  return { latency, perPdf: (performance.now() - start) / iterations };
}

async function peakRss(doc: RenderableDocument, renders: number): Promise<{ start: number; peak: number; samples: Array<[number, number]> }> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const samples: Array<[number, number]> = [];
  const every = Math.max(1, Math.floor(renders / 5));
  for (let i = 1; i <= renders; i++) {
    await renderDocumentPdf({ ...doc, id: i, number: `RE-2026-${String(i).padStart(5, '0')}` });
    if (i % 50 === 0 || i === renders) peak = Math.max(peak, process.memoryUsage().rss);
    if (i % every === 0) samples.push([i, process.memoryUsage().rss]);
  }
  return { start, peak, samples };
}

// ---------- the peer: an HTML template through headless Chromium ----------

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

/** The same content as the pdfkit letter (address window, info block, table with repeated header, totals, footer). */
function invoiceHtml(doc: RenderableDocument): string {
  const c = doc.company;
  const lang = doc.language;
  const rows = doc.lines
    .map(
      (l, i) =>
        `<tr><td>${i + 1}</td><td>${esc(l.description)}${l.discountBasisPoints ? `<div class="sub">abzüglich ${percent(l.discountBasisPoints / 100, lang)} Rabatt</div>` : ''}${l.vatRate === 0 && l.exemptionReason ? `<div class="sub">${esc(l.exemptionReason)}</div>` : ''}</td><td class="n">${quantity(l.quantityMilli, lang)}</td><td>${esc(l.unit)}</td><td class="n">${money(l.unitPriceCents, lang)}</td><td class="n">${percent(l.vatRate, lang)}</td><td class="n">${money(l.netCents, lang)}</td></tr>`,
    )
    .join('');
  const vat = doc.vat
    .filter((v) => v.vatRate > 0)
    .map((v) => `<tr><td>zzgl. ${percent(v.vatRate, lang)} USt auf ${money(v.netCents, lang)}</td><td class="n">${money(v.vatCents, lang)}</td></tr>`)
    .join('');
  return `<!doctype html><html lang="de"><head><meta charset="utf-8"><style>
    @page { size: A4; margin: 20mm 20mm 30mm 25mm; }
    body { font-family: 'DejaVu Sans', sans-serif; font-size: 9pt; color: #1a1a1a; }
    h1 { font-size: 14pt; margin: 8mm 0 4mm; } .head { font-size: 15pt; font-weight: bold; }
    .addr { position: absolute; top: 38mm; left: 0; width: 85mm; font-size: 10pt; } .sender { font-size: 6.5pt; color: #555; text-decoration: underline; }
    .info { position: absolute; top: 30mm; left: 100mm; width: 65mm; font-size: 8.5pt; } .info td.n { text-align: right; }
    .body { margin-top: 75mm; } table.lines { width: 100%; border-collapse: collapse; } thead { display: table-header-group; }
    table.lines th { background: #ececec; text-align: left; font-size: 8pt; padding: 1mm; } table.lines td { border-bottom: 0.4pt solid #ddd; padding: 1mm; vertical-align: top; }
    tr { break-inside: avoid; } .n { text-align: right; white-space: nowrap; } .sub { font-size: 7.5pt; color: #555; }
    table.totals { margin-left: auto; width: 100mm; break-inside: avoid; } .total td { font-weight: bold; font-size: 10.5pt; border-top: 0.8pt solid #000; }
  </style></head><body>
  <div class="head">${esc(c.name)}</div>
  <div class="addr"><div class="sender">${esc(c.name)} · ${esc(c.street)} · ${esc(c.postcode)} ${esc(c.city)}</div><br>${esc([doc.customer.salutation, doc.customer.firstName, doc.customer.lastName].filter(Boolean).join(' '))}<br>${esc(doc.customer.street ?? '')}<br>${esc(doc.customer.postcode ?? '')} ${esc(doc.customer.city ?? '')}</div>
  <table class="info"><tr><td>Kundennummer</td><td class="n">${esc(doc.customer.number)}</td></tr><tr><td>Rechnungsnummer</td><td class="n">${esc(doc.number ?? '')}</td></tr><tr><td>Rechnungsdatum</td><td class="n">${date(doc.issueDate, lang)}</td></tr><tr><td>Leistungsdatum</td><td class="n">${date(doc.serviceDate ?? doc.issueDate, lang)}</td></tr><tr><td>Fällig am</td><td class="n">${date(doc.dueDate ?? doc.issueDate, lang)}</td></tr></table>
  <div class="body"><h1>Rechnung ${esc(doc.number ?? '')}</h1><p>${esc(doc.introText ?? '')}</p>
  <table class="lines"><thead><tr><th>Pos.</th><th>Beschreibung</th><th class="n">Menge</th><th>Einheit</th><th class="n">Einzelpreis</th><th class="n">USt</th><th class="n">Betrag</th></tr></thead><tbody>${rows}</tbody></table>
  <table class="totals"><tr><td>Summe netto</td><td class="n">${money(doc.netCents, lang)}</td></tr>${vat}<tr class="total"><td>Rechnungsbetrag</td><td class="n">${money(doc.grossCents, lang)}</td></tr></table>
  <p>Bitte überweisen Sie den Betrag bis zum ${date(doc.dueDate ?? doc.issueDate, lang)}. IBAN ${esc(c.iban ?? '')}</p></div></body></html>`;
}

const FOOTER = `<div style="font-size:6.5pt;color:#555;width:100%;margin:0 20mm 0 25mm;display:flex;justify-content:space-between"><span>Hörakustik Müller &amp; Söhne GmbH · Große Straße 12 · 80331 München</span><span>USt-IdNr. DE123456789 · Steuernummer 143/123/45678</span><span>Seite <span class="pageNumber"></span> von <span class="totalPages"></span></span></div>`;

async function timeChromium(docs: Array<[string, RenderableDocument]>, iterations: number): Promise<Map<string, { times: number[]; pages: number }>> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const results = new Map<string, { times: number[]; pages: number }>();
  try {
    const page = await browser.newPage();
    for (const [name, doc] of docs) {
      const html = invoiceHtml(doc);
      const render = async (): Promise<Buffer> => {
        await page.setContent(html);
        return page.pdf({ format: 'A4', displayHeaderFooter: true, headerTemplate: '<span></span>', footerTemplate: FOOTER, margin: { top: '20mm', bottom: '30mm', left: '25mm', right: '20mm' } });
      };
      for (let i = 0; i < 10; i++) await render();
      const pages = await pageCount(await render());
      const times: number[] = [];
      for (let i = 0; i < iterations; i++) {
        const t0 = performance.now();
        await render();
        times.push(performance.now() - t0);
      }
      results.set(name, { times, pages });
    }
  } finally {
    await browser.close();
  }
  return results;
}

// ---------- run ----------

const onePage = sampleDocument();
const fivePage = await invoiceWithPages(5);
console.log(`# PDF benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, Node ${process.version}`);
console.log(`1-page invoice: ${onePage.lines.length} lines, ${(await renderDocumentPdf(onePage)).length} bytes; 5-page invoice: ${fivePage.lines.length} lines, ${(await renderDocumentPdf(fivePage)).length} bytes (both PDF/A-3b + factur-x.xml)\n`);

const rows: string[] = ['| invoice | engine | ms/PDF median | ms/PDF p95 |', '|---|---|---:|---:|'];
const single1 = stats(await timeSingle(onePage, ITERATIONS));
const single5 = stats(await timeSingle(fivePage, Math.max(20, Math.floor(ITERATIONS / 3))));
rows.push(`| 1 page | pdfkit, 1 thread | ${fmt(single1.median)} | ${fmt(single1.p95)} |`);
rows.push(`| 5 pages | pdfkit, 1 thread | ${fmt(single5.median)} | ${fmt(single5.p95)} |`);

const pool = new RenderPool();
try {
  for (const [name, doc, n] of [['1 page', onePage, ITERATIONS * 2], ['5 pages', fivePage, ITERATIONS]] as const) {
    const { latency, perPdf } = await timeWorkers(pool, doc, n);
    const s = stats(latency);
    rows.push(`| ${name} | pdfkit, ${pool.size} worker threads: throughput | ${fmt(perPdf)} | – |`);
    rows.push(`| ${name} | pdfkit, ${pool.size} worker threads: latency (${pool.size * 2} in flight) | ${fmt(s.median)} | ${fmt(s.p95)} |`);
  }
} finally {
  await pool.close();
}

let ratio = '';
if (CHROMIUM) {
  const chrome = await timeChromium(
    [
      ['1 page', onePage],
      ['5 pages', fivePage],
    ],
    Math.max(20, Math.floor(ITERATIONS / 3)),
  );
  for (const [name, { times, pages }] of chrome) {
    const s = stats(times);
    rows.push(`| ${name} | Chromium page.pdf() (${pages} pages), 1 tab | ${fmt(s.median)} | ${fmt(s.p95)} |`);
    const ours = name === '1 page' ? single1.median : single5.median;
    ratio += `${name}: Chromium median / pdfkit median = ${(s.median / ours).toFixed(1)}×\n`;
  }
}
console.log(rows.join('\n'));
if (ratio) console.log(`\n${ratio}`);

const rss = await peakRss(onePage, RENDERS);
console.log(`Memory, ${RENDERS} sequential 1-page renders: RSS at start ${mb(rss.start)} MiB, peak ${mb(rss.peak)} MiB; along the way: ${rss.samples.map(([i, r]) => `${i}: ${mb(r)} MiB`).join(', ')}`);
