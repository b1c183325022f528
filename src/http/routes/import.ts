import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { importCustomers, importDocuments, prepareCustomerImport } from '../../commands/import.ts';
import { CSV_ENCODINGS } from '../../commands/import-encoding.ts';
import { archiveMissingPdfs } from '../../pdf/backfill.ts';
import { requireActor, staffOnly } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { booleanQuery } from '../schemas.ts';

const MAX_CSV_BYTES = 20 * 1024 * 1024;

export const importRoutes =
  (deps: AppDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const db = deps.db.kysely;
    app.addContentTypeParser(['text/csv', 'text/plain', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: MAX_CSV_BYTES }, (_request, body, done) => done(null, body));

    const schema = (summary: string) => ({ tags: ['import'], summary, querystring: z.strictObject({ dryRun: booleanQuery.default(false), encoding: z.enum(CSV_ENCODINGS).default('auto') }), body: z.instanceof(Buffer) });

    app.post('/api/import/customers', { preValidation: staffOnly, bodyLimit: MAX_CSV_BYTES, schema: schema('Import customers from CSV (UTF-8 or Windows-1252, ";" or ","); all rows or none') }, async (request) => {
      const actor = requireActor(request);
      // Read and checked before the transaction: the database is not held while the file is parsed.
      const prepared = await prepareCustomerImport({ csv: request.body, encoding: request.query.encoding });
      return db.transaction().execute((trx) => importCustomers({ trx, actor, prepared, dryRun: request.query.dryRun }));
    });

    app.post('/api/import/documents', { preValidation: staffOnly, bodyLimit: MAX_CSV_BYTES, schema: schema('Import documents from CSV, one row per line item; all rows or none') }, async (request) => {
      const actor = requireActor(request);
      const report = await db.transaction().execute((trx) => importDocuments({ trx, actor, csv: request.body, dryRun: request.query.dryRun, encoding: request.query.encoding }));
      // Final documents were committed without PDFs; render and archive them on all cores now.
      if (!report.dryRun && report.created > 0) await archiveMissingPdfs({ db });
      return report;
    });
  };
