import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getCompany, setCompanyLogo, updateCompany } from '../../commands/company.ts';
import { checkLogo, detectLogoMime } from '../../pdf/logo.ts';
import { AppError } from '../../domain/errors.ts';
import { companyInput } from '../../domain/inputs.ts';
import { adminOnly, requireActor, staffOnly } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { presentCompany } from '../presenters.ts';

const MAX_LOGO_BYTES = 512 * 1024;

export const companyRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.db.kysely;

    app.get('/api/company', { preValidation: staffOnly, schema: { tags: ['company'] } }, async () => presentCompany(await getCompany(db)));

    app.put('/api/company', { preValidation: adminOnly, schema: { tags: ['company'], body: companyInput } }, async (request) => {
      const actor = requireActor(request);
      return presentCompany(await db.transaction().execute((trx) => updateCompany({ trx, actor, data: request.body })));
    });

    app.get('/api/company/logo', { preValidation: staffOnly, schema: { tags: ['company'] } }, async (_request, reply) => {
      const company = await getCompany(db);
      if (!company.logo) throw new AppError('notFound', 'company.logoMissing', 'no logo uploaded');
      return reply.type(company.logo.mime).send(Buffer.from(company.logo.bytes));
    });

    app.addContentTypeParser(['image/png', 'image/jpeg'], { parseAs: 'buffer', bodyLimit: MAX_LOGO_BYTES }, (_request, body, done) => done(null, body));

    app.put('/api/company/logo', { preValidation: adminOnly, schema: { tags: ['company'], summary: 'Upload the logo (PNG or JPEG body, at most 512 KiB)', body: z.instanceof(Buffer) } }, async (request, reply) => {
      const actor = requireActor(request);
      const mime = detectLogoMime(request.body);
      if (!mime) throw new AppError('validation', 'company.logoInvalid', 'logo must be a PNG or JPEG image', { field: 'logo' });
      // Decoded before the transaction: a broken image is refused here, not by every PDF later.
      await checkLogo(request.body, mime);
      await db.transaction().execute((trx) => setCompanyLogo({ trx, actor, logo: { bytes: request.body, mime } }));
      return reply.status(204).send();
    });

    app.delete('/api/company/logo', { preValidation: adminOnly, schema: { tags: ['company'] } }, async (request, reply) => {
      const actor = requireActor(request);
      await db.transaction().execute((trx) => setCompanyLogo({ trx, actor, logo: null }));
      return reply.status(204).send();
    });
  };
