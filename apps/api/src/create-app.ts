import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { restrictNewFiles, storageConfigFromEnv, type StorageConfig } from '@app/event-store';
import { routeRoles, withPublicRoutesUnsecured } from '@app/identity';
import { answerClientErrorsAsProblems, problemValidationPipe, rejectDeepJson } from '@app/platform';
import { AppModule } from './app.module';
import { serveWebApp } from './web-app';

export const API_PREFIX = 'api/v1';

/** Builds the configured application; used by `registry serve` and by the e2e tests alike. */
export async function createApp(config: StorageConfig = storageConfigFromEnv()): Promise<INestApplication> {
  // Before anything opens the database or writes a key, bundle or blob: files at rest 0600 (FILE_MODE).
  restrictNewFiles();
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    // Start-up chatter stays quiet; request and error logs go through pino from here on.
    logger: ['error', 'warn'],
    bodyParser: false,
  });
  // 1 MB is far above any legitimate review; bigger bodies get 413 problem+json.
  app.useBodyParser('json', { limit: process.env.BODY_LIMIT ?? '1mb', type: ['application/json', 'application/*+json'], verify: rejectDeepJson() });
  app.disable('x-powered-by');
  answerClientErrorsAsProblems(app.getHttpServer());
  // Behind a reverse proxy the access log must record the client, not the proxy (e.g. TRUST_PROXY=1).
  if (process.env.TRUST_PROXY) app.set('trust proxy', /^\d+$/.test(process.env.TRUST_PROXY) ? Number(process.env.TRUST_PROXY) : process.env.TRUST_PROXY);
  // The FHIR facade has its own base, /fhir (libs/fhir), next to the API's.
  app.setGlobalPrefix(API_PREFIX, { exclude: ['health', 'metrics', '.well-known/oversight-registry-keys', 'fhir', 'fhir/{*path}'] });
  app.useGlobalPipes(problemValidationPipe());
  // The browser app (apps/web) at `/`; registered before the routes, it leaves API paths alone.
  serveWebApp(app);
  app.enableShutdownHooks();

  const doc = new DocumentBuilder()
    .setTitle('oversight-registry')
    .setDescription(
      'Evidence of human oversight, serious incidents, log retention and disclosure for AI systems in hospitals. ' +
        'Every write is an immutable event; errors are RFC 9457 problem+json.',
    )
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, () => withPublicRoutesUnsecured(SwaggerModule.createDocument(app, doc), routeRoles(app)), { jsonDocumentUrl: 'docs-json' });
  await app.init();
  // Route mapping at init stays quiet; from here on application logs go through pino.
  app.useLogger(app.get(Logger));
  return app;
}
