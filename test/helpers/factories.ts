import type { Client } from './app.ts';

let counter = 0;

export async function makeCustomer(client: Client, overrides: Record<string, unknown> = {}): Promise<{ id: number; number: string; email: string | null }> {
  counter++;
  const response = await client.post('/api/customers', { firstName: 'Erika', lastName: `Mustermann ${counter}`, street: 'Lindenallee 7', postcode: '50667', city: 'Köln', email: `erika${counter}@example.de`, ...overrides });
  if (response.statusCode !== 201) throw new Error(`customer: ${response.statusCode} ${response.body}`);
  return response.json();
}

export const invoiceLines = [
  { description: 'Hörgerät „Lumity“, rechts', quantity: 1, unit: 'Stk', unitPriceCents: 189_900, vatRate: 19 },
  { description: 'Hörtraining', quantity: 1.5, unit: 'Std', unitPriceCents: 6_500, vatRate: 0, exemptionReason: 'Steuerfrei nach § 4 Nr. 14 a UStG' },
  { description: 'Fachbuch', quantity: 2, unit: 'Stk', unitPriceCents: 1_990, vatRate: 7 },
];

export async function makeDocument(client: Client, customerId: number, overrides: Record<string, unknown> = {}): Promise<{ id: number; status: string; number: string | null; grossCents: number }> {
  const response = await client.post('/api/documents', { type: 'invoice', customerId, issueDate: '2026-11-02', serviceDate: '2026-10-30', lines: invoiceLines, ...overrides });
  if (response.statusCode !== 201) throw new Error(`document: ${response.statusCode} ${response.body}`);
  return response.json();
}

export async function makeFinalInvoice(client: Client, customerId: number, overrides: Record<string, unknown> = {}) {
  const draft = await makeDocument(client, customerId, overrides);
  const response = await client.post(`/api/documents/${draft.id}/finalize`, { confirmIssueDate: true });
  if (response.statusCode !== 200) throw new Error(`finalize: ${response.statusCode} ${response.body}`);
  return response.json();
}
