/**
 * Runs the official schematrons over Faktura's e-invoices, by hand (not part of the test suite:
 * the rule sets are not in this repository and need a JVM). What `npm test` checks in-process — the
 * XSD and the domain rules of src/domain/en16931.ts — is the runtime gate; this script is the
 * acceptance check that both agree with the rule sets they come from.
 *
 *   npx tsx scripts/einvoice-schematron.ts --cen <EN16931-CII-validation.xslt> [--factur-x <FACTUR-X_EN16931.xslt>] [--xrechnung <XRechnung-CII-validation.xslt>] [file.xml …]
 *
 * Without files it checks the conformance corpus (src/pdf/corpus.ts): every document's Factur-X
 * XML against CEN (and Factur-X), and for customers with a Leitweg-ID the XRechnung XML against
 * CEN and KoSIT. The compiled XSLTs come from the official repositories (ConnectingEurope/
 * eInvoicing-EN16931: cii/xslt/; KoSIT's xrechnung-schematron releases; the Factur-X package),
 * never committed here. Saxon HE: Debian's libsaxonhe-java (/usr/share/java/Saxon-HE.jar), or
 * SAXON_JAR. Exit code 1 when any assert failed (warnings included).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { conformanceCorpus } from '../src/pdf/corpus.ts';
import { buildFacturX } from '../src/pdf/facturx.ts';

/* eslint-disable no-restricted-properties -- a command-line tool, run by hand */
const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const index = args.indexOf(name);
  if (index < 0) return undefined;
  const value = args[index + 1];
  args.splice(index, 2);
  return value;
};
const cen = option('--cen');
const facturX = option('--factur-x');
const xrechnung = option('--xrechnung');
const saxon = process.env['SAXON_JAR'] ?? '/usr/share/java/Saxon-HE.jar';
if (!cen && !facturX && !xrechnung) {
  console.error('usage: einvoice-schematron.ts --cen X.xslt [--factur-x Y.xslt] [--xrechnung Z.xslt] [file.xml …]');
  process.exit(2);
}

interface Case {
  name: string;
  xml: string;
  sheets: (string | undefined)[];
}

const cases: Case[] =
  args.length > 0
    ? args.map((file) => {
        const xml = readFileSync(file, 'utf8');
        const isXRechnung = xml.includes('urn:xeinkauf.de:kosit:xrechnung');
        return { name: basename(file), xml, sheets: isXRechnung ? [cen, xrechnung] : [cen, facturX] };
      })
    : conformanceCorpus().flatMap(({ name, doc }) => [
        { name, xml: buildFacturX(doc), sheets: [cen, facturX] },
        ...(doc.customer.leitwegId ? [{ name: `${name} (XRechnung)`, xml: buildFacturX(doc, { xrechnung: true }), sheets: [cen, xrechnung] }] : []),
      ]);

const dir = mkdtempSync(join(tmpdir(), 'faktura-schematron-'));
let failed = 0;
try {
  for (const c of cases) {
    const input = join(dir, 'invoice.xml');
    writeFileSync(input, c.xml);
    for (const sheet of c.sheets) {
      if (!sheet) continue;
      const svrl = execFileSync('java', ['-jar', saxon, `-s:${input}`, `-xsl:${sheet}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
      const fired = (svrl.match(/<svrl:fired-rule/g) ?? []).length;
      const asserts = [...svrl.matchAll(/<svrl:failed-assert[^>]*id="([^"]+)"[^>]*>[\s\S]*?<svrl:text>([\s\S]*?)<\/svrl:text>/g)].map((m) => `${m[1] ?? ''}: ${(m[2] ?? '').trim().replace(/\s+/g, ' ')}`);
      failed += asserts.length;
      console.log(`${asserts.length === 0 ? 'ok  ' : 'FAIL'} ${c.name} — ${basename(sheet)} (${fired} rules fired)`);
      for (const a of asserts) console.log(`       ${a}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(failed === 0 ? 'no failed asserts' : `${failed} failed asserts`);
process.exit(failed === 0 ? 0 : 1);
