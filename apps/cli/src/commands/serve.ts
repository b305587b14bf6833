import { createApp } from '@app/api';
import { assertStorageWritable, storageConfigFromEnv } from '@app/event-store';
import { blobStoreConfigFromEnv, blobStoreLocation } from '@app/retention';
import { tokenCommandFor } from './token-hint';

export async function serve(port: number, host: string): Promise<void> {
  const config = storageConfigFromEnv();
  assertStorageWritable(config); // before Nest starts: a plain "registry: …" line and exit 1
  const blobs = blobStoreConfigFromEnv(config.dataDir); // likewise for a wrong BLOB_STORE / S3_* setting
  const app = await createApp(config);
  await app.listen(port, host);
  const url = `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`;
  const store = config.kind === 'sqlite' ? `embedded SQLite at ${config.sqliteFile}` : 'PostgreSQL';
  process.stdout.write(
    [
      '',
      `oversight-registry is running at ${url}  (${store})`,
      `  Web app: ${url}/   (sign in with a token, see below)`,
      `  API:     ${url}/api/v1`,
      `  Docs:    ${url}/docs   (OpenAPI JSON at ${url}/docs-json)`,
      `  Health:  ${url}/health`,
      `  Log artefacts: ${blobStoreLocation(blobs)}`,
      '  Get a token, in another terminal (in this repository):',
      `    ${tokenCommandFor(config.dataDir)}`,
      '',
    ].join('\n') + '\n',
  );
}
