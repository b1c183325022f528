import { exemptionStatement, type DocumentLine, type VatCategory, type VatRate } from '../domain/document.ts';
import type { RenderableDocument } from '../domain/issued-document.ts';
import { divRoundHalfAwayFromZero } from '../domain/money.ts';

/**
 * Factur-X 1.0 / ZUGFeRD 2.x XML in the EN 16931 ("COMFORT") profile: a UN/CEFACT Cross Industry
 * Invoice (CII D16B) that a German ERP reads instead of the PDF's text.
 *
 * Written by hand rather than with @e-invoice-eu/core: we hold few fields, the mapping fits on
 * one page, and it keeps a large dependency out of every worker thread. The output is validated
 * against the official Factur-X 1.09 EN16931 XSD in the tests.
 *
 * Signs: a credit note is TypeCode 381 with positive amounts (the type carries the sign, as
 * EN 16931 intends); our credit notes store negated quantities, so they are negated back here.
 */

export const FACTURX_FILENAME = 'factur-x.xml';
/** BT-24: the specification identifier of the EN 16931 profile. */
export const EN16931_GUIDELINE = 'urn:cen.eu:en16931:2017';
export const FACTURX_CONFORMANCE_LEVEL = 'EN 16931';
/** BT-24 of an XRechnung 3.0 (KoSIT's CIUS of EN 16931) and the business process PEPPOL's rules require (BT-23). */
export const XRECHNUNG_GUIDELINE = 'urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0';
export const XRECHNUNG_PROCESS = 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0';
export const XRECHNUNG_FILENAME = 'xrechnung.xml';

/** UN/ECE Recommendation 20 unit codes for the units people type; C62 ("one") otherwise. */
const UNIT_CODES: ReadonlyArray<[RegExp, string]> = [
  [/^(h|std\.?|stunden?|hours?|hrs?\.?)$/i, 'HUR'],
  [/^(min\.?|minuten?|minutes?)$/i, 'MIN'],
  [/^(tage?|tg\.?|days?)$/i, 'DAY'],
  [/^(wochen?|weeks?)$/i, 'WEE'],
  [/^(monate?|mon\.?|months?)$/i, 'MON'],
  [/^(stk\.?|stück|st\.?|pcs?\.?|pieces?)$/i, 'H87'],
  [/^(paar|pair)$/i, 'PR'],
  [/^(pauschale?|pausch\.?|psch\.?|lump ?sum|flat)$/i, 'LS'],
  [/^(kg)$/i, 'KGM'],
  [/^(g)$/i, 'GRM'],
  [/^(km)$/i, 'KMT'],
  [/^(m)$/i, 'MTR'],
  [/^(m2|m²|qm)$/i, 'MTK'],
  [/^(l|liter|litre)$/i, 'LTR'],
];

export function unitCode(unit: string): string {
  const u = unit.trim();
  for (const [pattern, code] of UNIT_CODES) if (pattern.test(u)) return code;
  return 'C62';
}

const escapeXml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);

/** Integer cents → "1234.56" (CII amounts are decimals with a point). */
export function amount(cents: number): string {
  const negative = cents < 0;
  const abs = Math.abs(cents);
  return `${negative ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Thousandths → "1.500" */
function decimal3(milli: number): string {
  const negative = milli < 0;
  const abs = Math.abs(milli);
  return `${negative ? '-' : ''}${Math.floor(abs / 1000)}.${String(abs % 1000).padStart(3, '0')}`;
}

/** Basis points → "10.00" */
function percentBp(bp: number): string {
  return `${Math.floor(bp / 100)}.${String(bp % 100).padStart(2, '0')}`;
}

const date102 = (iso: string): string => iso.replaceAll('-', '');

/** A tiny XML tree, so that optional elements can simply be left out (false / null / ''). */
interface XmlElement {
  tag: string;
  attrs: Record<string, string> | undefined;
  children: Node[];
  text: string | undefined;
}
type Node = XmlElement | null | undefined | false | '';

function withAttrs(tag: string, attrs: Record<string, string>, ...children: Node[]): Node {
  return { tag, attrs, children, text: undefined };
}
function el(tag: string, ...children: Node[]): Node {
  return { tag, attrs: undefined, children, text: undefined };
}
function elA(tag: string, attrs: Record<string, string>, value: string): Node {
  return { tag, attrs, children: [], text: value };
}
function text(tag: string, value: string | null | undefined, attrs?: Record<string, string>): Node {
  if (value === null || value === undefined || value === '') return null;
  return { tag, attrs, children: [], text: value };
}

function serialize(node: Node, out: string[], indent: string): void {
  if (!node) return;
  const attrs = node.attrs
    ? Object.entries(node.attrs)
        .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
        .join('')
    : '';
  if (node.text !== undefined) {
    out.push(`${indent}<${node.tag}${attrs}>${escapeXml(node.text)}</${node.tag}>\n`);
    return;
  }
  out.push(`${indent}<${node.tag}${attrs}>\n`);
  for (const child of node.children) serialize(child, out, `${indent}  `);
  out.push(`${indent}</${node.tag}>\n`);
}

function partyName(c: RenderableDocument['customer']): string {
  if (c.companyName) return c.companyName;
  return [c.firstName, c.lastName].filter(Boolean).join(' ') || c.number;
}

function dateTime(tag: string, iso: string): Node {
  return el(tag, elA('udt:DateTimeString', { format: '102' }, date102(iso)));
}

interface XmlLine {
  line: DocumentLine;
  /** +1, or −1 for a credit note (amounts printed positive under TypeCode 381) */
  quantityMilli: number;
  priceCents: number;
  grossCents: number;
  allowanceCents: number;
  netCents: number;
  category: VatCategory;
}

function xmlLine(line: DocumentLine, sign: 1 | -1): XmlLine {
  let quantityMilli = line.quantityMilli * sign;
  let priceCents = line.unitPriceCents;
  // BR-27: the item net price must not be negative; a negative price (a voucher line) moves its
  // sign to the quantity, which keeps quantity × price unchanged.
  if (priceCents < 0) {
    priceCents = -priceCents;
    quantityMilli = -quantityMilli;
  }
  const netCents = line.netCents * sign;
  // The discount is a line allowance (BG-27) so that net price = our unit price and
  // line total = gross − allowance holds to the cent, with our rounding (see lineNetCents).
  const grossCents = Number(divRoundHalfAwayFromZero(BigInt(quantityMilli) * BigInt(priceCents), 1000n));
  const allowanceCents = line.discountBasisPoints > 0 ? grossCents - netCents : 0;
  return { line, quantityMilli, priceCents, grossCents, allowanceCents, netCents, category: line.vatCategory };
}

interface TaxGroup {
  category: VatCategory;
  rate: VatRate;
  basisCents: number;
  vatCents: number;
  /** BT-120 for every category but S */
  reason: string | null;
}

/**
 * The VAT breakdown (BG-23): one per category and rate, as the document's totals hold it (VAT
 * rounded once per group, BT-117 = BT-116 × BT-119). Each category but S states why no VAT is
 * charged: the user's reason for E, the legal wording (and a reason, if given) for the others.
 */
function taxGroups(doc: RenderableDocument, sign: 1 | -1): TaxGroup[] {
  return doc.vat.map((v) => ({
    category: v.vatCategory,
    rate: v.vatRate,
    basisCents: v.netCents * sign,
    vatCents: v.vatCents * sign,
    reason: exemptionStatement(v.vatCategory, v.exemptionReason, 'de'),
  }));
}

/** BT-121 VATEX codes (CEF code list) for the categories with one fixed legal basis. */
const EXEMPTION_CODES: Partial<Record<VatCategory, string>> = { AE: 'VATEX-EU-AE', K: 'VATEX-EU-IC', G: 'VATEX-EU-G', O: 'VATEX-EU-O' };

/** BR-O-05 / BR-O-13: "not subject to VAT" carries no rate at all. */
const ratePercent = (category: VatCategory, rate: VatRate): string | null => (category === 'O' ? null : `${rate}.00`);

function tradeTax(g: TaxGroup): Node {
  const needsReason = g.category !== 'S' && g.category !== 'Z';
  return el(
    'ram:ApplicableTradeTax',
    text('ram:CalculatedAmount', amount(g.vatCents)),
    text('ram:TypeCode', 'VAT'),
    needsReason && text('ram:ExemptionReason', g.reason ?? 'Steuerbefreit'),
    text('ram:BasisAmount', amount(g.basisCents)),
    text('ram:CategoryCode', g.category),
    needsReason && text('ram:ExemptionReasonCode', EXEMPTION_CODES[g.category]),
    text('ram:RateApplicablePercent', ratePercent(g.category, g.rate)),
  );
}

function paymentTermsText(doc: RenderableDocument): string {
  if (doc.type === 'creditNote') return 'Der Betrag wird erstattet.';
  return doc.paymentTermsDays > 0 ? `Zahlbar innerhalb von ${doc.paymentTermsDays} Tagen ohne Abzug` : 'Zahlbar sofort ohne Abzug';
}

/**
 * `xrechnung`: the same CII invoice as an XRechnung 3.0 for public-sector buyers (Leitweg-ID as
 * BT-10, the seller contact BG-6 and payment instructions BG-16 are then required, BR-DE-1/2/15).
 */
export function buildFacturX(doc: RenderableDocument, options: { xrechnung?: boolean } = {}): string {
  const xrechnung = options.xrechnung === true;
  if (doc.number === null) throw new Error(`document ${doc.id} has no number; drafts carry no e-invoice`);
  const sign: 1 | -1 = doc.type === 'creditNote' ? -1 : 1;
  const { company, customer } = doc;
  const lines = doc.lines.map((l) => xmlLine(l, sign));
  const groups = taxGroups(doc, sign);
  // BR-IC-12: an intra-community supply names the country it is delivered to (the buyer's address).
  const shipsIntraCommunity = lines.some((l) => l.category === 'K');
  // BR-O-02/03: an invoice "not subject to VAT" carries no VAT identifiers (the tax number identifies the seller).
  const notSubjectToVat = lines.some((l) => l.category === 'O');
  const sellerPhone = company.contactPhone ?? company.phone;
  const sellerEmail = company.contactEmail ?? company.email;
  const lineTotal = lines.reduce((s, l) => s + l.netCents, 0);
  const net = doc.netCents * sign;
  const vat = doc.vatCents * sign;
  const gross = doc.grossCents * sign;
  const registerNote = [
    company.managingDirector ? `Geschäftsführung: ${company.managingDirector}` : null,
    company.registerCourt || company.registerNumber ? `Registergericht: ${[company.registerCourt, company.registerNumber].filter(Boolean).join(' ')}` : null,
  ]
    .filter(Boolean)
    .join(', ');
  const buyerName = partyName(customer);
  const personName = customer.companyName ? [customer.firstName, customer.lastName].filter(Boolean).join(' ') : '';

  const root = withAttrs(
    'rsm:CrossIndustryInvoice',
    {
      'xmlns:rsm': 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100',
      'xmlns:qdt': 'urn:un:unece:uncefact:data:standard:QualifiedDataType:100',
      'xmlns:ram': 'urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100',
      'xmlns:udt': 'urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100',
    },
    el(
      'rsm:ExchangedDocumentContext',
      xrechnung && el('ram:BusinessProcessSpecifiedDocumentContextParameter', text('ram:ID', XRECHNUNG_PROCESS)),
      el('ram:GuidelineSpecifiedDocumentContextParameter', text('ram:ID', xrechnung ? XRECHNUNG_GUIDELINE : EN16931_GUIDELINE)),
    ),
    el(
      'rsm:ExchangedDocument',
      text('ram:ID', doc.number),
      // BT-3: 380 commercial invoice, 381 credit note
      text('ram:TypeCode', doc.type === 'creditNote' ? '381' : '380'),
      dateTime('ram:IssueDateTime', doc.issueDate),
      doc.introText && el('ram:IncludedNote', text('ram:Content', doc.introText)),
      doc.closingText && el('ram:IncludedNote', text('ram:Content', doc.closingText)),
      registerNote && el('ram:IncludedNote', text('ram:Content', registerNote), text('ram:SubjectCode', 'REG')),
    ),
    el(
      'rsm:SupplyChainTradeTransaction',
      ...lines.map((l, i) =>
        el(
          'ram:IncludedSupplyChainTradeLineItem',
          el('ram:AssociatedDocumentLineDocument', text('ram:LineID', String(i + 1))),
          el('ram:SpecifiedTradeProduct', text('ram:Name', l.line.description)),
          el('ram:SpecifiedLineTradeAgreement', el('ram:NetPriceProductTradePrice', text('ram:ChargeAmount', amount(l.priceCents)))),
          el('ram:SpecifiedLineTradeDelivery', text('ram:BilledQuantity', decimal3(l.quantityMilli), { unitCode: unitCode(l.line.unit) })),
          el(
            'ram:SpecifiedLineTradeSettlement',
            el('ram:ApplicableTradeTax', text('ram:TypeCode', 'VAT'), text('ram:CategoryCode', l.category), text('ram:RateApplicablePercent', ratePercent(l.category, l.line.vatRate))),
            l.allowanceCents !== 0 &&
              el(
                'ram:SpecifiedTradeAllowanceCharge',
                el('ram:ChargeIndicator', text('udt:Indicator', 'false')),
                // Percentage and basis (BT-138/137) are left out on purpose: our net is rounded once
                // from quantity × price × (1 − discount), so basis × percentage could differ from
                // the allowance by a cent and trip validators; the percentage is in the reason.
                text('ram:ActualAmount', amount(l.allowanceCents)),
                text('ram:ReasonCode', '95'),
                text('ram:Reason', `Rabatt ${percentBp(l.line.discountBasisPoints)} %`),
              ),
            el('ram:SpecifiedTradeSettlementLineMonetarySummation', text('ram:LineTotalAmount', amount(l.netCents))),
          ),
        ),
      ),
      el(
        'ram:ApplicableHeaderTradeAgreement',
        // BT-10: the Leitweg-ID routes the invoice inside the public authority (BR-DE-15)
        text('ram:BuyerReference', customer.leitwegId ?? null),
        el(
          'ram:SellerTradeParty',
          // BR-CO-26: without a VAT id (BT-31) or register number (BT-30), the tax number identifies the seller (BT-29).
          !company.vatId && !company.registerNumber && text('ram:ID', company.taxNumber),
          text('ram:Name', company.name),
          company.registerNumber && el('ram:SpecifiedLegalOrganization', text('ram:ID', company.registerNumber)),
          // BG-6 seller contact: BT-41 person, BT-42 phone, BT-43 e-mail (BR-DE-2, 5, 6, 7)
          (sellerPhone || sellerEmail || company.contactName) &&
            el(
              'ram:DefinedTradeContact',
              text('ram:PersonName', company.contactName),
              sellerPhone && el('ram:TelephoneUniversalCommunication', text('ram:CompleteNumber', sellerPhone)),
              sellerEmail && el('ram:EmailURIUniversalCommunication', text('ram:URIID', sellerEmail)),
            ),
          el(
            'ram:PostalTradeAddress',
            text('ram:PostcodeCode', company.postcode),
            text('ram:LineOne', company.street),
            text('ram:CityName', company.city),
            text('ram:CountryID', company.country),
          ),
          (company.email ?? sellerEmail) && el('ram:URIUniversalCommunication', text('ram:URIID', company.email ?? sellerEmail, { schemeID: 'EM' })),
          // BT-31 VAT id and BT-32 tax number (§14 Abs. 4 Nr. 2 UStG: one of them is mandatory)
          company.vatId && !notSubjectToVat && el('ram:SpecifiedTaxRegistration', text('ram:ID', company.vatId.replace(/\s/g, ''), { schemeID: 'VA' })),
          company.taxNumber && el('ram:SpecifiedTaxRegistration', text('ram:ID', company.taxNumber, { schemeID: 'FC' })),
        ),
        el(
          'ram:BuyerTradeParty',
          text('ram:ID', customer.number),
          text('ram:Name', buyerName),
          personName && el('ram:DefinedTradeContact', text('ram:PersonName', personName)),
          el(
            'ram:PostalTradeAddress',
            text('ram:PostcodeCode', customer.postcode),
            text('ram:LineOne', customer.street),
            text('ram:CityName', customer.city),
            text('ram:CountryID', customer.country),
          ),
          customer.email && el('ram:URIUniversalCommunication', text('ram:URIID', customer.email, { schemeID: 'EM' })),
          customer.vatId && !notSubjectToVat && el('ram:SpecifiedTaxRegistration', text('ram:ID', customer.vatId.replace(/\s/g, ''), { schemeID: 'VA' })),
        ),
      ),
      el(
        'ram:ApplicableHeaderTradeDelivery',
        shipsIntraCommunity &&
          el(
            'ram:ShipToTradeParty',
            text('ram:Name', buyerName),
            el('ram:PostalTradeAddress', text('ram:PostcodeCode', customer.postcode), text('ram:LineOne', customer.street), text('ram:CityName', customer.city), text('ram:CountryID', customer.country)),
          ),
        // BT-72: the date of supply (§14 Abs. 4 Nr. 6 UStG); printed as "= invoice date" when none is set
        el('ram:ActualDeliverySupplyChainEvent', dateTime('ram:OccurrenceDateTime', doc.serviceDate ?? doc.issueDate)),
      ),
      el(
        'ram:ApplicableHeaderTradeSettlement',
        doc.type === 'invoice' && text('ram:PaymentReference', doc.number),
        text('ram:InvoiceCurrencyCode', doc.currency),
        // Payment means 58 = SEPA credit transfer to the seller's IBAN (BR-61 requires the IBAN).
        // Not for a credit note: there the money flows to the buyer, whose account we do not hold.
        doc.type === 'invoice' &&
          company.iban &&
          el(
            'ram:SpecifiedTradeSettlementPaymentMeans',
            text('ram:TypeCode', '58'),
            el('ram:PayeePartyCreditorFinancialAccount', text('ram:IBANID', company.iban.replace(/\s/g, '').toUpperCase()), text('ram:AccountName', company.name)),
            company.bic && el('ram:PayeeSpecifiedCreditorFinancialInstitution', text('ram:BICID', company.bic.replace(/\s/g, '').toUpperCase())),
          ),
        // BR-DE-1: an XRechnung always carries payment instructions; a credit note's refund goes to an account we do not hold (1 = not defined).
        xrechnung && doc.type === 'creditNote' && el('ram:SpecifiedTradeSettlementPaymentMeans', text('ram:TypeCode', '1')),
        ...groups.map(tradeTax),
        // BR-CO-25: a positive amount due needs a due date or payment terms.
        el(
          'ram:SpecifiedTradePaymentTerms',
          text('ram:Description', paymentTermsText(doc)),
          doc.type === 'invoice' && doc.dueDate && dateTime('ram:DueDateDateTime', doc.dueDate),
        ),
        el(
          'ram:SpecifiedTradeSettlementHeaderMonetarySummation',
          text('ram:LineTotalAmount', amount(lineTotal)),
          text('ram:TaxBasisTotalAmount', amount(net)),
          text('ram:TaxTotalAmount', amount(vat), { currencyID: doc.currency }),
          text('ram:GrandTotalAmount', amount(gross)),
          text('ram:DuePayableAmount', amount(gross)),
        ),
        // BT-25/26: the invoice a credit note corrects
        doc.cancels &&
          el(
            'ram:InvoiceReferencedDocument',
            text('ram:IssuerAssignedID', doc.cancels.number),
            el('ram:FormattedIssueDateTime', elA('qdt:DateTimeString', { format: '102' }, date102(doc.cancels.issueDate))),
          ),
      ),
    ),
  );
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  serialize(root, out, '');
  return out.join('');
}
