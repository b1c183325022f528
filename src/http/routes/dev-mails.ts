import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../domain/errors.ts';
import type { CaughtMail, MailCatcher } from '../../mail/catcher.ts';
import { currentMailCatcher } from '../../mail/demo.ts';
import { staffOnly } from '../auth.ts';
import type { AppDeps } from '../deps.ts';

function summary(m: CaughtMail) {
  return {
    id: m.id,
    receivedAt: m.receivedAt,
    messageId: m.messageId,
    subject: m.subject,
    from: m.from,
    to: m.to,
    envelope: m.envelope,
    size: m.size,
    attachments: m.attachments.map((a) => ({ index: a.index, filename: a.filename, contentType: a.contentType, size: a.size })),
  };
}

/**
 * The built-in mail catcher's inbox (demo/dev only): the routes exist only when demo mode is on,
 * so a production server does not even have them.
 */
export const devMailRoutes =
  (deps: AppDeps, catcher: () => MailCatcher | undefined = currentMailCatcher): FastifyPluginAsyncZod =>
  async (app) => {
    if (!deps.config.demo) return;
    const tags = ['dev'];
    const running = (): MailCatcher => {
      const c = catcher();
      if (!c) throw new AppError('unavailable', 'devMails.catcherNotRunning', 'the built-in mail catcher is not running', { retryable: false });
      return c;
    };
    const find = (id: number): CaughtMail => {
      const m = running().get(id);
      if (!m) throw notFound('devMail', id);
      return m;
    };
    const params = z.strictObject({ id: z.coerce.number().int().positive() });

    app.get('/api/dev/mails', { preValidation: staffOnly, schema: { tags, summary: 'Messages caught by the built-in mail catcher, newest first' } }, async () => {
      const c = running();
      return { items: c.messages().map(summary), smtp: { host: c.host, port: c.port } };
    });

    app.get('/api/dev/mails/:id', { preValidation: staffOnly, schema: { tags, params } }, async (request) => {
      const m = find(request.params.id);
      return { ...summary(m), date: m.date, headers: m.headers, text: m.text, html: m.html };
    });

    app.get(
      '/api/dev/mails/:id/attachments/:index',
      { preValidation: staffOnly, schema: { tags, params: params.extend({ index: z.coerce.number().int().min(0) }) } },
      async (request, reply) => {
        const attachment = find(request.params.id).attachments[request.params.index];
        if (!attachment) throw notFound('devMailAttachment', request.params.index);
        const ascii = attachment.filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
        return reply
          .type(attachment.contentType)
          .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(attachment.filename)}`)
          .send(attachment.content);
      },
    );
  };
