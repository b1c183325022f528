import { describe, expect, it } from 'vitest';
import { RenderPool, renderAll } from './bulk.ts';
import { renderDocumentPdf } from './render.ts';
import { sampleDocument } from './sample.ts';

describe('bulk rendering in worker threads', () => {
  it('renders in 2 workers (TypeScript entry under vitest) the same bytes as the main thread', async () => {
    const docs = Array.from({ length: 12 }, (_, i) => sampleDocument({ id: i + 1, number: `RE-2026-${String(i + 1).padStart(4, '0')}` }));
    const results = new Map<number, Buffer>();
    let maxPulledAhead = 0;
    let handled = 0;
    let pulled = 0;
    function* source() {
      for (const doc of docs) {
        pulled += 1;
        maxPulledAhead = Math.max(maxPulledAhead, pulled - handled);
        yield doc;
      }
    }
    const { count } = await renderAll(
      source(),
      (doc, pdf) => {
        handled += 1;
        results.set(doc.id, pdf);
      },
      { workers: 2 },
    );
    expect(count).toBe(12);
    // backpressure: never more than 2 × workers documents taken from the source ahead of the consumer
    expect(maxPulledAhead).toBeLessThanOrEqual(4);
    for (const doc of docs.slice(0, 3)) {
      expect(results.get(doc.id)?.equals(await renderDocumentPdf(doc))).toBe(true);
    }
  });

  it('reports a failing document as an error', async () => {
    const pool = new RenderPool({ workers: 1 });
    try {
      const broken = sampleDocument({ lines: [{ description: 'x', quantityMilli: 1000, unit: 'Stk', unitPriceCents: 1.5, vatRate: 19, vatCategory: 'S', exemptionReason: null, discountBasisPoints: 0, netCents: 1.5 }] });
      await expect(pool.render(broken)).rejects.toThrow(/rendering failed in worker/);
      // the pool keeps working after a failed document
      expect((await pool.render(sampleDocument())).subarray(0, 5).toString()).toBe('%PDF-');
    } finally {
      await pool.close();
    }
  });
});
