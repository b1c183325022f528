/**
 * The placeholders a Kunden-Benachrichtigung can use, as documented in src/mail/templates/context.ts.
 * Labels are translation keys (templates.placeholders.<group>.<key>).
 */
export const PLACEHOLDER_GROUPS: { group: string; items: { key: string; code: string }[] }[] = [
  {
    group: 'customer',
    items: [
      { key: 'greeting', code: '{{ customer.greeting }}' },
      { key: 'name', code: '{{ customer.name }}' },
      { key: 'salutation', code: '{{ customer.salutation }}' },
      { key: 'firstName', code: '{{ customer.firstName }}' },
      { key: 'lastName', code: '{{ customer.lastName }}' },
      { key: 'companyName', code: '{{ customer.companyName }}' },
      { key: 'number', code: '{{ customer.number }}' },
      { key: 'email', code: '{{ customer.email }}' },
    ],
  },
  {
    group: 'documents',
    items: [
      { key: 'list', code: '{% for doc in documents %}\n- {{ doc.typeLabel }} {{ doc.number }} vom {{ doc.issueDate | date }}: {{ doc.total | money }}\n{% endfor %}' },
      { key: 'count', code: '{{ documentCount }}' },
      { key: 'total', code: '{{ total | money }}' },
      { key: 'dueDate', code: '{{ dueDate | date }}' },
    ],
  },
  {
    group: 'company',
    items: [
      { key: 'name', code: '{{ company.name }}' },
      { key: 'iban', code: '{{ company.iban }}' },
      { key: 'phone', code: '{{ company.phone }}' },
      { key: 'email', code: '{{ company.email }}' },
      { key: 'emailFooter', code: '{{ company.emailFooter }}' },
      { key: 'sender', code: '{{ sender.name }}' },
    ],
  },
];
