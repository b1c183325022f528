import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { create, type Font } from 'fontkit';
import './pdfkit-types.ts';

/**
 * DejaVu Sans from the npm package `dejavu-fonts-ttf`, so the font arrives with `npm install` on a
 * fresh machine. It covers Latin-1 and beyond (ä ö ü ß €, also Polish, Turkish, Czech names) and
 * is embedded as a subset, which PDF/A requires (ISO 19005-3, 6.2.11.4: all fonts embedded).
 *
 * Parsing a TTF is the expensive part of using a font: registering it by path for each document
 * made pdfkit ~20× slower here (STACK.md: 286 ms instead of 14.7 ms per PDF). So each font is
 * parsed once per process (per worker thread) and the parsed object is handed to pdfkit.
 */
export interface Fonts {
  regular: Font;
  bold: Font;
}

export const FONT_REGULAR = 'DejaVuSans';
export const FONT_BOLD = 'DejaVuSans-Bold';

let cached: Fonts | undefined;

function parse(path: string): Font {
  const parsed = create(readFileSync(path));
  if (!('layout' in parsed)) throw new Error(`${path} is a font collection, expected a single TrueType font`);
  return parsed;
}

export function loadFonts(): Fonts {
  if (!cached) {
    const require = createRequire(import.meta.url);
    cached = {
      regular: parse(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
      bold: parse(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
    };
  }
  return cached;
}

/** Registers the parsed fonts under stable names on one pdfkit document. */
export function registerFonts(doc: PDFKit.PDFDocument): void {
  const fonts = loadFonts();
  doc.registerFont(FONT_REGULAR, fonts.regular);
  doc.registerFont(FONT_BOLD, fonts.bold);
}
