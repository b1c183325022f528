import { createHash } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { cleanText, contentKey, decimalToCents, normalizeIban, statementError, type ParsedEntry, type ParsedStatement } from './statement.ts';

/**
 * camt.053 (ISO 20022 BankToCustomerStatement), what German banks export as "Kontoauszug im
 * XML-Format" (DK-Spezifikation, Anlage 3 of the EBICS specification). Versions 001.02 to 001.13
 * differ in places this reader looks at (entry status `Sts` is a text in 02, `Sts/Cd` from 08 on);
 * namespaces and prefixes are ignored. Parsed with fast-xml-parser, a maintained pure-JS parser
 * that neither fetches external entities nor expands a DOCTYPE here (a DOCTYPE is refused).
 */

type Node = unknown;

const ARRAYS = new Set(['Stmt', 'Ntry', 'NtryDtls', 'TxDtls', 'Ustrd', 'Strd', 'Bal']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  // Keep every value a string: "00012" is a reference, "100.10" an amount parsed exactly below.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (name) => ARRAYS.has(name),
});

function isRecord(node: Node): node is Record<string, unknown> {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
}

function child(node: Node, ...path: string[]): Node {
  let current = node;
  for (const name of path) {
    if (Array.isArray(current)) current = current[0];
    if (!isRecord(current)) return undefined;
    current = current[name];
  }
  return current;
}

function children(node: Node, name: string): Node[] {
  const value = child(node, name);
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function text(node: Node, ...path: string[]): string | undefined {
  const value = path.length > 0 ? child(node, ...path) : node;
  if (Array.isArray(value)) return text(value[0]);
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value['#text'] === 'string') return value['#text'];
  return undefined;
}

function attribute(node: Node, name: string): string | undefined {
  const value = isRecord(node) ? node[`@_${name}`] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** The 1-based line of the n-th (1-based) opening `<Tag` in the file, for error messages. */
function lineOfTag(xml: string, tag: string, n: number): number | undefined {
  const pattern = new RegExp(`<(?:[A-Za-z0-9_]+:)?${tag}[\\s>/]`, 'g');
  let count = 0;
  for (let match = pattern.exec(xml); match; match = pattern.exec(xml)) {
    if (++count === n) return xml.slice(0, match.index).split('\n').length;
  }
  return undefined;
}

/** `2026-11-27` or `2026-11-27T10:00:00+01:00` → `2026-11-27`. */
function isoDate(node: Node): string | undefined {
  const value = text(node, 'Dt') ?? text(node, 'DtTm');
  const match = value ? /^(\d{4}-\d{2}-\d{2})/.exec(value) : null;
  return match?.[1];
}

function remittanceOf(tx: Node, entry: Node): string | null {
  const parts: string[] = [];
  for (const ustrd of children(child(tx, 'RmtInf'), 'Ustrd')) {
    const value = text(ustrd);
    if (value) parts.push(value);
  }
  for (const strd of children(child(tx, 'RmtInf'), 'Strd')) {
    const reference = text(strd, 'CdtrRefInf', 'Ref');
    if (reference) parts.push(reference);
    for (const info of children(strd, 'AddtlRmtInf')) {
      const value = text(info);
      if (value) parts.push(value);
    }
  }
  if (parts.length === 0) {
    const additional = text(tx, 'AddtlTxInf') ?? text(entry, 'AddtlNtryInf');
    if (additional) parts.push(additional);
  }
  // Banks cut the Verwendungszweck into 27- or 35-character lines; joined without a separator
  // where a line was cut inside a word would be guessing, so lines are joined with a space.
  return cleanText(parts.join(' '));
}

/** ISO 20022 amounts: digits, a point, at most 2 decimals for EUR; nothing else (no comma, no sign). */
function camtCents(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+(\.\d{1,2})?$/.test(value.trim()) ? decimalToCents(value, '.') : undefined;
}

function partyName(party: Node): string | undefined {
  return text(party, 'Nm') ?? text(party, 'Pty', 'Nm');
}

export function isCamt053(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 4096).toString('utf8');
  return /<(?:[A-Za-z0-9_]+:)?BkToCstmrStmt[\s>]/.test(head) || /camt\.053/.test(head);
}

export function parseCamt053(bytes: Buffer): ParsedStatement {
  let xml: string;
  try {
    xml = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw statementError('bank.fileEncoding', 'the file is not UTF-8 encoded XML as camt.053 requires');
  }
  if (/<!DOCTYPE/i.test(xml)) throw statementError('bank.xmlDoctype', 'a camt.053 file has no DOCTYPE; this file is refused', { line: lineOfText(xml, /<!DOCTYPE/i) });
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw statementError('bank.xmlMalformed', `the XML is not well-formed: ${valid.err.msg}`, { line: valid.err.line });
  const root: Node = parser.parse(xml);
  const statementRoot = child(root, 'Document', 'BkToCstmrStmt');
  if (statementRoot === undefined) {
    throw statementError('bank.notCamt053', 'this XML is not a camt.053 bank statement (no Document/BkToCstmrStmt)', { element: 'Document/BkToCstmrStmt' });
  }
  const statements = children(statementRoot, 'Stmt');
  if (statements.length === 0) throw statementError('bank.noStatement', 'the file contains no statement', { element: 'BkToCstmrStmt/Stmt' });

  const entries: ParsedEntry[] = [];
  const seen = new Map<string, number>();
  const keys: string[] = [];
  let fromDate: string | null = null;
  let toDate: string | null = null;
  let pending = 0;
  let entryOrdinal = 0;
  const ibans = new Set<string>();
  const refs: string[] = [];
  statements.forEach((stmt, s) => {
    const stmtPath = `Stmt[${s + 1}]`;
    const iban = normalizeIban(text(stmt, 'Acct', 'Id', 'IBAN')) ?? text(stmt, 'Acct', 'Id', 'Othr', 'Id') ?? null;
    if (!iban) throw statementError('bank.accountMissing', 'the statement names no account (Acct/Id/IBAN)', { element: `${stmtPath}/Acct`, line: lineOfTag(xml, 'Stmt', s + 1) });
    ibans.add(iban);
    const stmtId = text(stmt, 'Id') ?? '';
    const sequence = text(stmt, 'ElctrncSeqNb') ?? text(stmt, 'LglSeqNb') ?? '';
    refs.push(stmtId);
    keys.push(`${iban}/${stmtId}/${sequence}`);
    const from = text(stmt, 'FrToDt', 'FrDtTm')?.slice(0, 10);
    const to = text(stmt, 'FrToDt', 'ToDtTm')?.slice(0, 10);
    if (from && (!fromDate || from < fromDate)) fromDate = from;
    if (to && (!toDate || to > toDate)) toDate = to;

    children(stmt, 'Ntry').forEach((ntry, n) => {
      entryOrdinal++;
      const path = `${stmtPath}/Ntry[${n + 1}]`;
      const line = lineOfTag(xml, 'Ntry', entryOrdinal);
      const status = text(ntry, 'Sts', 'Cd') ?? text(ntry, 'Sts');
      if (status && status !== 'BOOK') {
        pending++;
        return;
      }
      const indicator = text(ntry, 'CdtDbtInd');
      if (indicator !== 'CRDT' && indicator !== 'DBIT') throw statementError('bank.entryIndicator', `CdtDbtInd must be CRDT or DBIT, found "${indicator ?? ''}"`, { element: `${path}/CdtDbtInd`, line });
      const amountNode = child(ntry, 'Amt');
      const amountText = text(amountNode);
      const amount = camtCents(amountText);
      if (amount === undefined || amount < 0) throw statementError('bank.entryAmount', `Amt must be a positive amount with at most 2 decimals, found "${amountText ?? ''}"`, { element: `${path}/Amt`, line });
      const currency = attribute(amountNode, 'Ccy') ?? 'EUR';
      const bookingDate = isoDate(child(ntry, 'BookgDt')) ?? isoDate(child(ntry, 'ValDt'));
      if (!bookingDate) throw statementError('bank.entryDate', 'the entry has no booking date (BookgDt/Dt)', { element: `${path}/BookgDt`, line });
      const valueDate = isoDate(child(ntry, 'ValDt')) ?? null;
      const reversal = text(ntry, 'RvslInd') === 'true';
      const entryRef = text(ntry, 'AcctSvcrRef') ?? null;
      const sign = indicator === 'CRDT' ? 1 : -1;

      // A batch booking (Sammelbuchung) lists its transactions; each with its own amount is a payment of its own.
      const transactions = children(ntry, 'NtryDtls').flatMap((d) => children(d, 'TxDtls'));
      const split = transactions.length > 1 && transactions.every((tx) => text(tx, 'AmtDtls', 'TxAmt', 'Amt') !== undefined || text(tx, 'Amt') !== undefined);
      const parts: { tx: Node; amount: number; index: number | null }[] = split
        ? transactions.map((tx, index) => {
            const value = text(tx, 'AmtDtls', 'TxAmt', 'Amt') ?? text(tx, 'Amt') ?? '';
            const cents = camtCents(value);
            if (cents === undefined) throw statementError('bank.entryAmount', `the transaction amount "${value}" is not an amount`, { element: `${path}/NtryDtls/TxDtls[${index + 1}]/Amt`, line });
            return { tx, amount: cents, index };
          })
        : [{ tx: transactions[0], amount, index: null }];

      for (const part of parts) {
        const debtorSide = indicator === 'CRDT';
        const parties = child(part.tx, 'RltdPties');
        const counterparty = debtorSide ? (partyName(child(parties, 'UltmtDbtr')) ?? partyName(child(parties, 'Dbtr'))) : partyName(child(parties, 'Cdtr'));
        const counterpartyIban = normalizeIban(text(parties, debtorSide ? 'DbtrAcct' : 'CdtrAcct', 'Id', 'IBAN'));
        const endToEndId = text(part.tx, 'Refs', 'EndToEndId');
        const txRef = text(part.tx, 'Refs', 'AcctSvcrRef') ?? null;
        const remittance = remittanceOf(part.tx, ntry);
        const reference = txRef ?? entryRef;
        const signed = sign * part.amount;
        const entryKey = reference
          ? `camt:${iban}:${reference}${part.index === null || txRef ? '' : `/${part.index + 1}`}`
          : contentKey(`camt:${iban}`, [bookingDate, signed, currency, counterparty ?? null, counterpartyIban, remittance, endToEndId ?? null], seen);
        entries.push({
          entryKey,
          bookingDate,
          valueDate,
          amountCents: signed,
          currency,
          counterpartyName: cleanText(counterparty, 200),
          counterpartyIban,
          remittance,
          endToEndId: endToEndId && endToEndId !== 'NOTPROVIDED' ? cleanText(endToEndId, 200) : null,
          bankReference: cleanText(reference, 200),
          reversal,
          where: part.index === null ? path : `${path}/NtryDtls/TxDtls[${part.index + 1}]`,
        });
      }
    });
  });
  const statementKey = `camt:${createHash('sha256').update(keys.join('|')).digest('hex').slice(0, 32)}`;
  return {
    format: 'camt053',
    statementKey,
    accountIban: ibans.size === 1 ? ([...ibans][0] ?? null) : null,
    statementRef: cleanText(refs.join(', '), 200),
    fromDate,
    toDate,
    entries,
    pending,
  };
}

function lineOfText(xml: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(xml);
  return match ? xml.slice(0, match.index).split('\n').length : undefined;
}
