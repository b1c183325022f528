import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { giroCodePayload } from '../domain/girocode.ts';
import { renderDocumentPdf } from './render.ts';
import { sampleDocument } from './sample.ts';

/** Renders page 1 to PNG (poppler) and reads every QR code on it back (zbarimg, Debian zbar-tools). */
function scan(pdf: Buffer): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'faktura-girocode-'));
  try {
    writeFileSync(join(dir, 'doc.pdf'), pdf);
    execFileSync('pdftoppm', ['-r', '150', '-png', '-f', '1', '-l', '1', join(dir, 'doc.pdf'), join(dir, 'page')]);
    const png = readdirSync(dir).find((f) => f.endsWith('.png')) ?? '';
    try {
      return [execFileSync('zbarimg', ['-q', '--raw', '-Sdisable', '-Sqrcode.enable', join(dir, png)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).replace(/\n$/, '')];
    } catch {
      return []; // zbarimg exits with 4 when it finds no code
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** zbar guesses the byte encoding of a QR code without ECI; the EPC payload is UTF-8, which zbar may read as Big5. */
const asZbarMayRead = (payload: string): string[] => [payload, new TextDecoder('big5').decode(Buffer.from(payload, 'utf8'))];

describe('GiroCode (EPC QR code, EPC069-12)', () => {
  it('builds the payload: version 002, UTF-8, SCT, BIC, name, IBAN, amount, invoice number as remittance text', () => {
    expect(giroCodePayload({ name: 'Hörakustik Müller', iban: 'DE89 3704 0044 0532 0130 00', bic: 'cobadeffxxx', amountCents: 235_384, remittance: 'RE-2026-0042' })).toBe(
      'BCD\n002\n1\nSCT\nCOBADEFFXXX\nHörakustik Müller\nDE89370400440532013000\nEUR2353.84\n\n\nRE-2026-0042',
    );
    expect(giroCodePayload({ name: 'X', iban: 'DE89370400440532013000', bic: null, amountCents: 5, remittance: 'R1' })?.split('\n').slice(4, 8)).toEqual(['', 'X', 'DE89370400440532013000', 'EUR0.05']);
    expect(giroCodePayload({ name: 'X', iban: 'DE89370400440532013000', bic: null, amountCents: 0, remittance: 'R1' })).toBeNull();
  });

  it('prints a code on an invoice with an amount due that a scanner reads back exactly', async () => {
    const doc = sampleDocument();
    const expected = giroCodePayload({ name: doc.company.name, iban: doc.company.iban ?? '', bic: doc.company.bic, amountCents: doc.grossCents, remittance: doc.number ?? '' });
    const [read] = scan(await renderDocumentPdf(doc));
    expect(asZbarMayRead(expected ?? '')).toContain(read);
    expect(read).toContain('EUR2353.84');
    expect(read).toContain('DE89370400440532013000');
  });

  it('prints none without IBAN, on credit notes and on drafts', async () => {
    expect(scan(await renderDocumentPdf(sampleDocument({ company: { ...sampleDocument().company, iban: null } })))).toEqual([]);
    expect(scan(await renderDocumentPdf(sampleDocument({ type: 'creditNote' })))).toEqual([]);
    expect(scan(await renderDocumentPdf(sampleDocument({ status: 'draft', number: null })))).toEqual([]);
  });
});
