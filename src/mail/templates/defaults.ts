import type { Language } from '../../domain/document.ts';

/** Starting templates (Kunden Benachrichtigung) so a new installation can send right away; editable. */
export const DEFAULT_TEMPLATES: readonly { name: string; language: Language; subject: string; body: string }[] = [
  {
    name: 'Rechnungsversand',
    language: 'de',
    subject: '{% if documentCount == 1 %}Ihre {{ documents.first.typeLabel }} {{ documents.first.number }}{% else %}Ihre Dokumente ({{ documentCount }}){% endif %} – {{ company.name }}',
    body: `{{ customer.greeting }},

anbei erhalten Sie {% if documentCount == 1 %}Ihre {{ documents.first.typeLabel }}{% else %}Ihre {{ documentCount }} Dokumente{% endif %} als PDF:

{% for doc in documents %}- {{ doc.typeLabel }} {{ doc.number }} vom {{ doc.issueDate | date }} über {{ doc.total | money }}{% if doc.dueDate != "" %}, fällig am {{ doc.dueDate | date }}{% endif %}
{% endfor %}
{% if company.iban != "" %}Bitte überweisen Sie den Betrag unter Angabe der Rechnungsnummer auf das Konto IBAN {{ company.iban }}.
{% endif %}
Bei Fragen antworten Sie einfach auf diese E-Mail.

Mit freundlichen Grüßen
{{ sender.name }}

{{ company.emailFooter }}`,
  },
  {
    name: 'Invoice e-mail (English)',
    language: 'en',
    subject: '{% if documentCount == 1 %}Your {{ documents.first.typeLabel | downcase }} {{ documents.first.number }}{% else %}Your documents ({{ documentCount }}){% endif %} – {{ company.name }}',
    body: `{{ customer.greeting }},

please find attached {% if documentCount == 1 %}your {{ documents.first.typeLabel | downcase }}{% else %}your {{ documentCount }} documents{% endif %} as PDF:

{% for doc in documents %}- {{ doc.typeLabel }} {{ doc.number }} of {{ doc.issueDate | date }}: {{ doc.total | money }}{% if doc.dueDate != "" %}, due {{ doc.dueDate | date }}{% endif %}
{% endfor %}
{% if company.iban != "" %}Please transfer the amount to IBAN {{ company.iban }}, quoting the invoice number.
{% endif %}
If you have any questions, simply reply to this e-mail.

Kind regards
{{ sender.name }}

{{ company.emailFooter }}`,
  },
];
