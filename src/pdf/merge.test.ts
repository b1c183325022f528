import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { computeTotals } from '../domain/document.ts';
import { mergePdfs } from './merge.ts';
import { extractPdf } from './pdf-testing.ts';
import { renderDocumentPdf } from './render.ts';
import { manyLines, sampleDocument } from './sample.ts';

describe('mergePdfs', () => {
  it('merges documents in the given order, from an async source', async () => {
    const t = computeTotals(manyLines(60));
    const long = sampleDocument({ number: 'RE-2026-0002', lines: t.lines, vat: t.vat, netCents: t.netCents, vatCents: t.vatCents, grossCents: t.grossCents });
    const docs = [sampleDocument({ number: 'RE-2026-0001' }), long, sampleDocument({ number: 'RE-2026-0003' })];
    async function* source() {
      for (const doc of docs) yield await renderDocumentPdf(doc);
    }
    const merged = await mergePdfs(source());
    const loaded = await PDFDocument.load(merged);
    expect(loaded.getPageCount()).toBe(1 + 4 + 1);
    const { pages } = await extractPdf(merged);
    expect(pages[0]).toContain('Rechnung RE-2026-0001');
    expect(pages[1]).toContain('Rechnung RE-2026-0002');
    expect(pages[4]).toContain('Seite 4 von 4');
    expect(pages[5]).toContain('Rechnung RE-2026-0003');
    expect(pages[5]).toContain('Hörakustik Müller & Söhne GmbH');
  });

  it('refuses an empty selection', async () => {
    await expect(mergePdfs([])).rejects.toThrow(/no pages/);
  });
});
