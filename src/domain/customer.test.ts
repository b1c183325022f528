import { describe, expect, it } from 'vitest';
import { customerDisplayName, formatCustomerNumber, isValidEmail } from './customer.ts';

describe('customer rules', () => {
  it('validates e-mail addresses as mail servers accept them', () => {
    for (const ok of ['erika@mustermann.de', 'jörg.o+rechnung@example.com'.replace('ö', 'oe'), 'a@b.co', 'info@sub.domain-x.de']) {
      expect(isValidEmail(ok), ok).toBe(true);
    }
    for (const bad of ['', 'max@mustermann', 'max mustermann@x.de', 'max@@x.de', 'max@x..de', 'max@x.de\r\nBcc: evil@x.de', '<a@b.de>', 'a@-x.de', 'a@x.d']) {
      expect(isValidEmail(bad), bad).toBe(false);
    }
  });

  it('names customers by company or person', () => {
    expect(customerDisplayName({ salutation: 'Frau', firstName: 'Erika', lastName: 'Mustermann', companyName: null })).toBe('Erika Mustermann');
    expect(customerDisplayName({ salutation: null, firstName: 'Erika', lastName: 'Mustermann', companyName: 'Muster GmbH' })).toBe('Muster GmbH');
    expect(formatCustomerNumber(42)).toBe('K-00042');
  });
});
