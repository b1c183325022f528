import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createTemplate, deleteTemplate, getTemplate, listTemplates, previewTemplate, templateInput, TEMPLATE_KINDS, updateTemplate } from '../../commands/templates.ts';
import { allowedVariablePaths } from '../../mail/templates/context.ts';
import { adminOnly, requireActor, staffOnly } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { presentTemplate } from '../presenters.ts';
import { booleanQuery, idParams } from '../schemas.ts';

const previewBody = z.union([
  z.strictObject({
    templateId: z.number().int().positive(),
    customerId: z.number().int().positive().optional(),
    documentIds: z.array(z.number().int().positive()).max(500).optional(),
  }),
  z.strictObject({
    subject: templateInput.shape.subject,
    body: templateInput.shape.body,
    language: z.enum(['de', 'en']).default('de'),
    customerId: z.number().int().positive().optional(),
    documentIds: z.array(z.number().int().positive()).max(500).optional(),
  }),
]);

/** Dokumentvorlagen: admins write, staff read and preview (they choose one in the dispatch dialog). */
export const templateRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.db.kysely;
    const tags = ['templates'];

    app.get(
      '/api/templates',
      {
        preValidation: staffOnly,
        schema: { tags, summary: 'List templates', querystring: z.strictObject({ kind: z.enum(TEMPLATE_KINDS).optional(), active: booleanQuery.optional(), language: z.enum(['de', 'en']).optional() }) },
      },
      async (request) => ({ items: (await listTemplates(db, request.query)).map(presentTemplate) }),
    );

    app.get('/api/templates/variables', { preValidation: staffOnly, schema: { tags, summary: 'The placeholders and filters a template may use' } }, async () => ({
      variables: allowedVariablePaths(),
      filters: ['money', 'date'],
    }));

    app.get('/api/templates/:id', { preValidation: staffOnly, schema: { tags, params: idParams } }, async (request) => presentTemplate(await getTemplate(db, request.params.id)));

    app.post('/api/templates', { preValidation: adminOnly, schema: { tags, body: templateInput } }, async (request, reply) => {
      const actor = requireActor(request);
      const row = await db.transaction().execute((trx) => createTemplate({ trx, actor, data: request.body }));
      return reply.status(201).send(presentTemplate(row));
    });

    app.put('/api/templates/:id', { preValidation: adminOnly, schema: { tags, params: idParams, body: templateInput } }, async (request) => {
      const actor = requireActor(request);
      return presentTemplate(await db.transaction().execute((trx) => updateTemplate({ trx, actor, id: request.params.id, data: request.body })));
    });

    app.delete('/api/templates/:id', { preValidation: adminOnly, schema: { tags, params: idParams } }, async (request, reply) => {
      const actor = requireActor(request);
      await db.transaction().execute((trx) => deleteTemplate({ trx, actor, id: request.params.id }));
      return reply.status(204).send();
    });

    app.post(
      '/api/templates/preview',
      { preValidation: staffOnly, schema: { tags, summary: 'Render subject and body for a customer and documents, or for sample data', body: previewBody } },
      async (request) => {
        const body = request.body;
        const template = 'templateId' in body ? await getTemplate(db, body.templateId) : body;
        return previewTemplate(db, {
          template: { subject: template.subject, body: template.body, language: template.language },
          customerId: body.customerId,
          documentIds: body.documentIds,
        });
      },
    );
  };
