import type { Db } from './db/connection.ts';
import { SYSTEM_ACTOR, type Actor } from './commands/context.ts';
import { updateCompany } from './commands/company.ts';
import { createCustomer } from './commands/customers.ts';
import { createDocument, finalizeDocument } from './commands/documents.ts';
import { createUser } from './commands/users.ts';
import type { LineInput } from './domain/inputs.ts';
import { archiveMissingPdfs } from './pdf/backfill.ts';

/**
 * A realistic German demo data set for a hearing-aid acoustician: ~200 customers (some without
 * e-mail, some wanting paper invoices, a few with broken addresses) and ~600 invoices and quotes
 * over several months, most of them final. Deterministic (seeded), so screenshots and tests agree.
 */
export const DEMO_LOGIN = { email: 'demo@faktura.test', password: 'demo-passwort' };

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Anna', 'Jörg', 'Günter', 'Renate', 'Klaus', 'Ingrid', 'Sabine', 'Jürgen', 'Brigitte', 'Hans-Peter', 'Monika', 'Uwe', 'Ursula', 'Dieter', 'Gisela', 'Matthias', 'Käthe', 'Bärbel', 'Wolfgang', 'Heike', 'Özlem', 'Stefan', 'Petra', 'Thomas'];
const LAST = ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Schäfer', 'Koch', 'Bauer', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Zimmermann', 'Braun', 'Krüger', 'Hofmann', 'Hartmann', 'Lange', 'Schmitt', 'Werner', 'Krause', 'Meier', 'Lehmann', 'Köhler', 'Weiß', 'Groß', 'Jäger', 'Yılmaz'];
const STREETS = ['Hauptstraße', 'Bahnhofstraße', 'Gartenweg', 'Lindenallee', 'Schillerstraße', 'Goethestraße', 'Am Marktplatz', 'Kirchgasse', 'Mühlenweg', 'Rosenstraße'];
const CITIES: [string, string][] = [['50667', 'Köln'], ['80331', 'München'], ['20095', 'Hamburg'], ['60311', 'Frankfurt am Main'], ['70173', 'Stuttgart'], ['04109', 'Leipzig'], ['90402', 'Nürnberg'], ['28195', 'Bremen'], ['01067', 'Dresden'], ['48143', 'Münster']];
const COMPANIES = ['Müller & Söhne GmbH', 'Seniorenresidenz Am Park gGmbH', 'Bäckerei Krüger OHG', 'Schreinerei Holzwurm e.K.', 'Praxis Dr. Weiß'];

const ITEMS: { description: string; unit: string; priceCents: number; vatRate: 19 | 7 | 0; exemptionReason?: string }[] = [
  { description: 'Hörgerät „Audéo Lumity 90“, rechts', unit: 'Stk', priceCents: 189_900, vatRate: 19 },
  { description: 'Hörgerät „Audéo Lumity 90“, links', unit: 'Stk', priceCents: 189_900, vatRate: 19 },
  { description: 'Otoplastik (Ohrpassstück), individuell', unit: 'Stk', priceCents: 8_950, vatRate: 19 },
  { description: 'Hörgeräte-Batterien Größe 312, 60 Stück', unit: 'Pkg', priceCents: 2_495, vatRate: 19 },
  { description: 'Reinigungstabletten für Otoplastiken', unit: 'Pkg', priceCents: 895, vatRate: 19 },
  { description: 'Anpassung und Feinabstimmung', unit: 'Std', priceCents: 7_500, vatRate: 19 },
  { description: 'Hörtest (Ton- und Sprachaudiometrie)', unit: 'Stk', priceCents: 4_900, vatRate: 19 },
  { description: 'Service-Pauschale 12 Monate', unit: 'Stk', priceCents: 14_900, vatRate: 19 },
  { description: 'Fachbuch „Besser hören im Alltag“', unit: 'Stk', priceCents: 1_990, vatRate: 7 },
  { description: 'Hörtraining nach ärztlicher Verordnung', unit: 'Std', priceCents: 6_500, vatRate: 0, exemptionReason: 'Steuerfrei nach § 4 Nr. 14 a UStG (Heilbehandlung)' },
];

export interface DemoSummary {
  customers: number;
  documents: number;
  login: typeof DEMO_LOGIN;
}

export async function createDemoData(db: Db, options: { customers?: number; documents?: number; today?: Date; onProgress?: (done: number, total: number) => void } = {}): Promise<DemoSummary> {
  const random = seededRandom(20261127);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] ?? items[0] as T;
  const customerCount = options.customers ?? 200;
  const documentCount = options.documents ?? 600;
  const today = options.today ?? new Date();
  const actor: Actor = SYSTEM_ACTOR;
  const k = db.kysely;

  await k.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('users').select('id').where('email', '=', DEMO_LOGIN.email).executeTakeFirst();
    if (!existing) await createUser({ trx, actor, data: { ...DEMO_LOGIN, name: 'Demo Admin', role: 'admin' } });
    await updateCompany({
      trx,
      actor,
      data: {
        name: 'Hörakustik Klangwerk GmbH',
        street: 'Schildergasse 12',
        postcode: '50667',
        city: 'Köln',
        country: 'DE',
        vatId: 'DE123456789',
        taxNumber: '214/5723/0815',
        iban: 'DE89370400440532013000',
        bic: 'COBADEFFXXX',
        bankName: 'Commerzbank Köln',
        email: 'rechnung@klangwerk.test',
        phone: '0221 123456-0',
        website: 'www.klangwerk.test',
        managingDirector: 'Dr. Käthe Schäfer',
        registerCourt: 'Amtsgericht Köln',
        registerNumber: 'HRB 98765',
        paymentTermsDays: 14,
        invoiceNumberPattern: 'RE-{YYYY}-{NNNNN}',
        quoteNumberPattern: 'AN-{YYYY}-{NNNNN}',
        creditNoteNumberPattern: 'GS-{YYYY}-{NNNNN}',
        embedEInvoice: true,
        emailFooter: 'Hörakustik Klangwerk GmbH · Schildergasse 12 · 50667 Köln',
        contactName: 'Jana Hoffmann',
        contactPhone: '0221 123456-12',
        contactEmail: 'buchhaltung@klangwerk.test',
        smallBusiness: false,
      },
    });
  });

  const customerIds: number[] = [];
  await k.transaction().execute(async (trx) => {
    for (let i = 0; i < customerCount; i++) {
      const isCompany = i % 40 === 7;
      const first = pick(FIRST);
      const last = pick(LAST);
      const [postcode, city] = pick(CITIES);
      const local = `${first}.${last}`.toLowerCase().replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue').replace(/ß/g, 'ss').replace(/ı/g, 'i').replace(/[^a-z.-]/g, '');
      // Roughly: 8 % without e-mail, 10 % want paper invoices, 2 % with a broken address.
      const roll = random();
      const email = roll < 0.08 ? null : roll < 0.1 ? `${local}@example` : `${local}${i}@example.de`;
      const row = await createCustomer({
        trx,
        actor,
        data: {
          salutation: isCompany ? 'Firma' : random() < 0.5 ? 'Frau' : 'Herr',
          firstName: isCompany ? null : first,
          lastName: isCompany ? null : last,
          companyName: isCompany ? pick(COMPANIES) : null,
          street: `${pick(STREETS)} ${1 + Math.floor(random() * 120)}`,
          postcode,
          city,
          country: 'DE',
          email: email && email.endsWith('@example') ? null : email,
          invoiceByPost: random() < 0.1,
          emailConsentAt: email ? '2026-01-15' : null,
          vatId: null,
          leitwegId: null,
          notes: null,
        },
      });
      // A broken address cannot pass validation; put it in directly, as an old import would have.
      if (email && email.endsWith('@example')) await trx.updateTable('customers').set({ email }).where('id', '=', row.id).execute();
      customerIds.push(row.id);
    }
  });

  // Oldest first, so numbers rise with the issue date as they would in a real practice.
  const ages = Array.from({ length: documentCount }, () => Math.floor(random() * 150)).sort((a, b) => b - a);
  let done = 0;
  const batch = 50;
  for (let start = 0; start < documentCount; start += batch) {
    await k.transaction().execute(async (trx) => {
      for (let i = start; i < Math.min(documentCount, start + batch); i++) {
        const daysAgo = ages[i] ?? 0;
        const issue = new Date(today.getTime() - daysAgo * 86_400_000).toISOString().slice(0, 10);
        const lines: LineInput[] = Array.from({ length: 1 + Math.floor(random() * 4) }, () => {
          const item = pick(ITEMS);
          return {
            description: item.description,
            quantity: item.unit === 'Std' ? [0.5, 1, 1.5, 2][Math.floor(random() * 4)] ?? 1 : 1 + Math.floor(random() * 2),
            unit: item.unit,
            unitPriceCents: item.priceCents,
            vatRate: item.vatRate,
            exemptionReason: item.exemptionReason ?? null,
            discountPercent: random() < 0.1 ? 10 : 0,
          };
        });
        const doc = await createDocument({
          trx,
          actor,
          data: {
            type: random() < 0.85 ? 'invoice' : 'quote',
            customerId: pick(customerIds),
            language: random() < 0.95 ? 'de' : 'en',
            issueDate: issue,
            serviceDate: issue,
            introText: null,
            closingText: null,
            lines,
          },
        });
        // The newest documents stay drafts, as in a real practice's week.
        if (daysAgo > 5 || random() < 0.5) await finalizeDocument({ trx, actor, id: doc.id, archivePdf: false, confirmIssueDate: true });
        done++;
      }
    });
    options.onProgress?.(done, documentCount);
  }
  await archiveMissingPdfs({ db: k });
  return { customers: customerCount, documents: documentCount, login: DEMO_LOGIN };
}
