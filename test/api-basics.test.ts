import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { testDialects } from './helpers/db.ts';

describe.each(testDialects)('API basics on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers health without login', async () => {
    const response = await t.anonymous.get('/api/health');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ok', database: { status: 'ok', kind: dialect } });
  });

  it('creates, finds, updates and deletes a customer', async () => {
    const created = await t.staff.post('/api/customers', { salutation: 'Frau', firstName: 'Jörg', lastName: 'Müßig', email: 'joerg@example.de', city: 'Köln' });
    expect(created.statusCode, created.body).toBe(201);
    const customer = created.json();
    expect(customer.number).toMatch(/^K-\d{5}$/);
    expect(customer.invoiceByPost).toBe(false);

    const found = await t.staff.get('/api/customers?q=m%C3%BC%C3%9Fig');
    expect(found.json().items.map((c: { id: number }) => c.id)).toContain(customer.id);

    const patched = await t.staff.patch(`/api/customers/${customer.id}`, { invoiceByPost: true });
    expect(patched.json().invoiceByPost).toBe(true);

    const deleted = await t.staff.delete(`/api/customers/${customer.id}`);
    expect(deleted.statusCode).toBe(204);
  });

  it('rejects bad input with code and field', async () => {
    const response = await t.staff.post('/api/customers', { lastName: 'Muster', email: 'not-an-address' });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ code: 'request.invalidField', field: 'email' });

    const unknown = await t.staff.post('/api/customers', { lastName: 'Muster', hacker: true });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ code: 'request.unknownField', field: 'hacker' });

    const noName = await t.staff.post('/api/customers', { firstName: 'Nur Vorname' });
    expect(noName.json()).toMatchObject({ code: 'customer.nameMissing', field: 'lastName' });
  });
});
