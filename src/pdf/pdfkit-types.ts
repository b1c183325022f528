import type { Font } from 'fontkit';

/**
 * Additions to @types/pdfkit for what pdfkit 0.20 supports at run time but the types lack:
 * - `relationship` on attachments: PDF/A-3 (ISO 19005-3, 6.8) requires /AFRelationship on every
 *   embedded file; Factur-X / ZUGFeRD prescribes `Alternative` for the invoice XML in Germany.
 * - an already-parsed fontkit font as font source (PDFFontFactory.open accepts any object with
 *   `layout`), so fonts are parsed once per process instead of once per document.
 * - `openImage`, which parses an image (and throws on a broken one) and tells its size: the logo
 *   check at upload (./logo.ts).
 */
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- @types/pdfkit declares a global namespace; only a namespace can extend it
  namespace PDFKit.Mixins {
    interface PDFAttachmentOptions {
      relationship?: 'Alternative' | 'Data' | 'Source' | 'Supplement' | 'Unspecified';
    }
    interface PDFImage {
      openImage(src: Buffer): { width: number; height: number };
    }
    interface PDFFont {
      font(src: Font, size?: number): this;
      registerFont(name: string, src: Font): this;
    }
  }
}

export {};
