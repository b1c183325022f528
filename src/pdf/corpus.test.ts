import { afterAll, describe, expect, it } from 'vitest';
import { checkEn16931 } from '../domain/en16931.ts';
import { conformanceCorpus } from './corpus.ts';
import { buildFacturX } from './facturx.ts';
import { xmllintValidate } from './pdf-testing.ts';
import { stopXsdThread, validateFacturXSchema } from './xsd.ts';

describe('conformance corpus: every document Faktura can issue is a valid EN 16931 e-invoice', () => {
  afterAll(async () => {
    await stopXsdThread();
  });

  for (const { name, doc } of conformanceCorpus()) {
    it(`${name}: domain rules, XSD in-process and with Debian's xmllint`, async () => {
      expect(checkEn16931(doc)).toEqual([]);
      const xml = buildFacturX(doc);
      expect(await validateFacturXSchema(xml)).toEqual({ valid: true, errors: [] });
      // the official XSD from ../shared/fixtures, through the system's libxml2
      expect(xmllintValidate(xml).output).not.toContain('fails');
      if (doc.customer.leitwegId) {
        const xrechnung = buildFacturX(doc, { xrechnung: true });
        expect(await validateFacturXSchema(xrechnung)).toEqual({ valid: true, errors: [] });
        expect(xrechnung).toContain(`<ram:BuyerReference>${doc.customer.leitwegId}</ram:BuyerReference>`);
        expect(xrechnung).toContain('urn:xeinkauf.de:kosit:xrechnung_3.0');
      }
    });
  }

  it('the in-process check refuses what the XSD refuses, with xmllint messages', async () => {
    const xml = buildFacturX(conformanceCorpus()[0]?.doc ?? expect.unreachable()).replace('<ram:TypeCode>380</ram:TypeCode>', '<ram:TypeCode>380</ram:TypeCode><ram:Bogus/>');
    const result = await validateFacturXSchema(xml);
    expect(result.valid).toBe(false);
    expect(result.errors.join('\n')).toMatch(/Bogus.*not expected/);
    expect((await validateFacturXSchema('<rsm:CrossIndustryInvoice')).valid).toBe(false);
  });
});
