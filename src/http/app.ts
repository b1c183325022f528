import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { registerAuth } from './auth.ts';
import type { AppDeps } from './deps.ts';
import { errorHandler, problemFromAppError, sendProblem } from './errors.ts';
import { AppError } from '../domain/errors.ts';
import { authRoutes } from './routes/auth.ts';
import { companyRoutes } from './routes/company.ts';
import { customerRoutes } from './routes/customers.ts';
import { documentRoutes } from './routes/documents.ts';
import { healthRoutes } from './routes/health.ts';
import { importRoutes } from './routes/import.ts';
import { pdfRoutes } from './routes/pdf.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { dispatchRoutes } from './routes/dispatches.ts';
import { userRoutes } from './routes/users.ts';
import { mailSettingsRoutes } from './routes/mail-settings.ts';
import { templateRoutes } from './routes/templates.ts';
import { devMailRoutes } from './routes/dev-mails.ts';
import { paymentRoutes } from './routes/payments.ts';
import { LOG_REDACT } from '../log-redact.ts';
import { bankRoutes } from './routes/bank.ts';
import { documentExportRoutes } from './routes/document-export.ts';

export interface BuildAppOptions {
  logger?: boolean | { level: string };
}

export { LOG_REDACT };

/** Fastify's types take a hop count only as a function (`i` counts hops from the socket). */
function trustProxyOption(setting: false | number | string[]): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return setting;
}

export async function buildApp(deps: AppDeps, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger === undefined || options.logger === false ? false : { ...(typeof options.logger === 'object' ? options.logger : {}), redact: LOG_REDACT },
    bodyLimit: 1024 * 1024,
    // Only the configured proxies may name the client's address (X-Forwarded-For); by default none.
    trustProxy: trustProxyOption(deps.config.trustProxy),
    ajv: { customOptions: { removeAdditional: false } },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => sendProblem(reply, problemFromAppError(new AppError('notFound', 'route.notFound', `no route ${request.method} ${request.url.split('?')[0]}`))));

  await app.register(cookie);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        frameSrc: ["'self'", 'blob:'],
        objectSrc: ["'self'", 'blob:'],
        // Only when the app is served over https: on plain http in a LAN (http://praxis-server:3000)
        // the browser would upgrade every script and style request to https and load nothing.
        upgradeInsecureRequests: deps.config.baseUrl?.startsWith('https://') ? [] : null,
      },
    },
  });
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Faktura API', version: '1.0.0', description: 'Send many invoices by e-mail as PDF. Authenticate with the session cookie (plus X-CSRF-Token for writes) or `Authorization: Bearer fkt_…`.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, cookie: { type: 'apiKey', in: 'cookie', name: 'faktura_session' } } },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  registerAuth(app, deps);

  await app.register(healthRoutes(deps));
  await app.register(authRoutes(deps));
  await app.register(customerRoutes(deps));
  await app.register(documentRoutes(deps));
  await app.register(companyRoutes(deps));
  await app.register(userRoutes(deps));
  await app.register(importRoutes(deps));
  await app.register(metricsRoutes(deps));
  await app.register(pdfRoutes(deps));
  await app.register(dispatchRoutes(deps));
  await app.register(mailSettingsRoutes(deps));
  await app.register(templateRoutes(deps));
  await app.register(devMailRoutes(deps));
  await app.register(paymentRoutes(deps));
  await app.register(bankRoutes(deps));
  await app.register(documentExportRoutes(deps));
  // further route modules register here

  return app;
}
