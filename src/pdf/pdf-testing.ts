/**
 * Helpers for tests that read the PDFs we produce, the way a recipient's software would:
 * text via pdfjs (as a viewer extracts it), structure via pdf-lib, XML via xmllint and the
 * official Factur-X XSD. Not used by the app.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** `shared/fixtures` beside the checkout (see README), or beside its parent folder for a git worktree in a subfolder. */
const SHARED_FIXTURES = [resolve(REPO_ROOT, '../shared/fixtures'), resolve(REPO_ROOT, '../../shared/fixtures')].find((dir) => existsSync(dir)) ?? resolve(REPO_ROOT, '../shared/fixtures');
export const FACTURX_XSD = resolve(SHARED_FIXTURES, 'factur-x-1.09-en16931/Factur-X_EN16931.xsd');

export interface ExtractedPdf {
  pages: string[];
  attachments: Record<string, Uint8Array>;
}

/** Text per page (non-breaking spaces normalised) and embedded files, via pdfjs. */
export async function extractPdf(bytes: Uint8Array): Promise<ExtractedPdf> {
  const pdf = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false, isEvalSupported: false, verbosity: 0 }).promise;
  const pages: string[] = [];
  for (let i = 1; i <= pdf.numPages; i++) {
    const page = await pdf.getPage(i);
    const content = await page.getTextContent();
    const parts: string[] = [];
    for (const item of content.items) if ('str' in item) parts.push(item.str);
    pages.push(parts.join('\n').replace(/\u00a0/g, ' '));
  }
  const attachments: Record<string, Uint8Array> = {};
  const raw: unknown = await pdf.getAttachments();
  if (raw && typeof raw === 'object') {
    for (const [name, value] of Object.entries(raw)) {
      if (value && typeof value === 'object' && 'content' in value && value.content instanceof Uint8Array) attachments[name] = value.content;
    }
  }
  await pdf.destroy();
  return { pages, attachments };
}

/**
 * Validates XML against an XSD with xmllint (Debian libxml2-utils); with `xsd` null, checks only
 * that it is well-formed. Returns xmllint's output.
 */
export function xmllintValidate(xml: string | Uint8Array, xsd: string | null = FACTURX_XSD): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'faktura-xml-'));
  const file = join(dir, 'doc.xml');
  writeFileSync(file, xml);
  try {
    const output = execFileSync('xmllint', ['--noout', ...(xsd ? ['--schema', xsd] : []), file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, output };
  } catch (error) {
    const stderr = error instanceof Error && 'stderr' in error && typeof error.stderr === 'string' ? error.stderr : String(error);
    return { ok: false, output: stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The text of an XML element (first occurrence), e.g. xmlValue(xml, 'ram:IBANID'). */
export function xmlValues(xml: string, tag: string): string[] {
  const re = new RegExp(`<${tag}(?:\\s[^>]*)?>([^<]*)</${tag}>`, 'g');
  return [...xml.matchAll(re)].map((m) => m[1] ?? '');
}
