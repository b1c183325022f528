import { promisify } from 'node:util';
import { inflate } from 'node:zlib';
import PDFDocument from 'pdfkit';
import { AppError } from '../domain/errors.ts';
import './pdfkit-types.ts';

/**
 * Checks an uploaded logo the way the PDF renderer will use it, so that a broken image is refused
 * at upload with a field error instead of breaking every PDF and finalisation afterwards (a PNG
 * signature followed by junk was stored, then each render answered 500).
 *
 * - PNG: the chunk structure, IHDR's values, and the image data inflated completely (async, on
 *   libuv's pool, bounded to the size the header promises: no decompression bomb). pdfkit's PNG
 *   reader (png-js) inflates the data of images with transparency in a callback that throws
 *   outside any promise, so corrupt data must never reach it.
 * - JPEG: pdfkit's own reader (markers, frame header) — it embeds the JPEG data as it is.
 * - Both: drawn into a throwaway pdfkit document, as `render.ts` does.
 *
 * Size: at most 5,000 px a side and 12 megapixels; the letterhead draws it 60 × 24 mm.
 */
export const LOGO_MAX_SIDE = 5000;
export const LOGO_MAX_PIXELS = 12_000_000;

export type LogoMime = 'image/png' | 'image/jpeg';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function detectLogoMime(bytes: Uint8Array): LogoMime | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  if (buffer[0] === 0xff && buffer[1] === 0xd8 && buffer[2] === 0xff) return 'image/jpeg';
  return undefined;
}

const invalid = (reason: string): AppError => new AppError('validation', 'company.logoInvalid', `the logo cannot be read as an image: ${reason}`, { field: 'logo', meta: { reason } });

function checkDimensions(width: number, height: number): void {
  if (!(width > 0 && height > 0)) throw invalid('no image size');
  if (width > LOGO_MAX_SIDE || height > LOGO_MAX_SIDE || width * height > LOGO_MAX_PIXELS) {
    throw new AppError('validation', 'company.logoTooLarge', `the logo has ${width} × ${height} pixels; at most ${LOGO_MAX_SIDE} a side and ${LOGO_MAX_PIXELS / 1e6} megapixels`, {
      field: 'logo',
      meta: { width, height, maxSide: LOGO_MAX_SIDE, maxPixels: LOGO_MAX_PIXELS },
    });
  }
}

/** Channels per colour type (PNG spec 11.2.2) and the bit depths each allows. */
const PNG_COLOR_TYPES: Record<number, { channels: number; depths: number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};

/** Bytes of the filtered image data: one filter byte per scanline, per Adam7 pass when interlaced. */
function pngDataLength(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (w: number, h: number): number => (w === 0 || h === 0 ? 0 : h * (1 + Math.ceil((w * bitsPerPixel) / 8)));
  if (!interlaced) return rows(width, height);
  const passes: [number, number, number, number][] = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
  return passes.reduce((sum, [x0, y0, dx, dy]) => sum + rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy)), 0);
}

async function checkPng(bytes: Buffer): Promise<void> {
  let offset = 8;
  let header: { width: number; height: number; depth: number; colorType: number; interlaced: boolean } | undefined;
  const data: Buffer[] = [];
  let ended = false;
  while (offset + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (end > bytes.length) throw invalid(`chunk ${JSON.stringify(type)} is cut off`);
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (!header && type !== 'IHDR') throw invalid('IHDR is not the first chunk');
    if (type === 'IHDR') {
      if (length !== 13) throw invalid('IHDR has the wrong length');
      const colorType = body[9] ?? -1;
      const depth = body[8] ?? -1;
      const spec = PNG_COLOR_TYPES[colorType];
      if (!spec || !spec.depths.includes(depth)) throw invalid(`colour type ${colorType} with bit depth ${depth}`);
      if (body[10] !== 0 || body[11] !== 0 || (body[12] !== 0 && body[12] !== 1)) throw invalid('unknown compression, filter or interlace method');
      header = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), depth, colorType, interlaced: body[12] === 1 };
      checkDimensions(header.width, header.height);
    } else if (type === 'IDAT') {
      data.push(body);
    } else if (type === 'IEND') {
      ended = true;
      break;
    }
    offset = end;
  }
  if (!header) throw invalid('no PNG header');
  if (!ended) throw invalid('the image data is incomplete (no IEND)');
  if (data.length === 0) throw invalid('no image data');
  const spec = PNG_COLOR_TYPES[header.colorType];
  const expected = pngDataLength(header.width, header.height, (spec?.channels ?? 4) * header.depth, header.interlaced);
  let inflated: Buffer;
  try {
    inflated = await promisify(inflate)(Buffer.concat(data), { maxOutputLength: expected + 1 });
  } catch (error) {
    const reason = error instanceof Error && 'code' in error && error.code === 'ERR_BUFFER_TOO_LARGE' ? 'more image data than the size says' : 'the image data is corrupt';
    throw invalid(reason);
  }
  if (inflated.length !== expected) throw invalid('the image data does not match its size');
}

/** Draws the image the way the renderer does, in a document that is thrown away. */
async function drawWithPdfkit(bytes: Buffer): Promise<{ width: number; height: number }> {
  const doc = new PDFDocument({ size: 'A4', compress: false });
  const done = new Promise<void>((resolve, reject) => {
    doc.on('data', () => undefined);
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  let size: { width: number; height: number };
  try {
    const image = doc.openImage(bytes);
    size = { width: image.width, height: image.height };
    doc.image(bytes, 0, 0, { fit: [170, 68] });
  } catch (error) {
    // pdfkit throws plain strings ('Invalid JPEG.') as well as Errors
    throw invalid(error instanceof Error ? error.message : String(error));
  }
  doc.end();
  await done;
  return size;
}

export async function checkLogo(bytes: Uint8Array, mime: LogoMime): Promise<void> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (detectLogoMime(buffer) !== mime) throw invalid(`the file is not a ${mime === 'image/png' ? 'PNG' : 'JPEG'} image`);
  if (mime === 'image/png') await checkPng(buffer);
  const { width, height } = await drawWithPdfkit(buffer);
  checkDimensions(width, height);
}
