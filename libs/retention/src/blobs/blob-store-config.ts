import { join } from 'node:path';
import { type BlobStore, FileSystemBlobStore, type S3BlobStoreConfig } from './blob-store';

export type BlobStoreConfig = { kind: 'filesystem'; dir: string } | S3BlobStoreConfig;

/**
 * `BLOB_STORE=filesystem` (default; `BLOB_DIR`, else `<dataDir>/blobs`) or `BLOB_STORE=s3` with
 * `S3_BUCKET` (required), `S3_PREFIX`, `S3_ENDPOINT`, `S3_REGION`, `S3_FORCE_PATH_STYLE`.
 * Credentials are not read here: the AWS SDK's default chain finds them.
 */
export function blobStoreConfigFromEnv(dataDir: string, env: NodeJS.ProcessEnv = process.env): BlobStoreConfig {
  const kind = (env.BLOB_STORE || 'filesystem').toLowerCase();
  if (kind === 'filesystem') return { kind, dir: env.BLOB_DIR || join(dataDir, 'blobs') };
  if (kind !== 's3') throw new Error(`BLOB_STORE must be filesystem or s3, not "${env.BLOB_STORE}"`);
  if (!env.S3_BUCKET) throw new Error('BLOB_STORE=s3 needs S3_BUCKET');
  const pathStyle = (env.S3_FORCE_PATH_STYLE || 'false').toLowerCase();
  if (pathStyle !== 'true' && pathStyle !== 'false') throw new Error(`S3_FORCE_PATH_STYLE must be true or false, not "${env.S3_FORCE_PATH_STYLE}"`);
  return {
    kind,
    bucket: env.S3_BUCKET,
    prefix: env.S3_PREFIX ?? '',
    ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
    region: env.S3_REGION || env.AWS_REGION || 'us-east-1',
    forcePathStyle: pathStyle === 'true',
  };
}

export function openBlobStore(config: BlobStoreConfig): BlobStore {
  if (config.kind === 'filesystem') return new FileSystemBlobStore(config.dir);
  // Loaded only when chosen: the AWS SDK adds about 0.1 s to every start of the CLI and the API.
  // A synchronous require keeps this factory synchronous; `import()` would make every caller await.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { S3BlobStore } = require('./s3-blob-store') as typeof import('./s3-blob-store');
  return S3BlobStore.connect(config);
}

/** For the start-up line: where the log artefacts go. */
export function blobStoreLocation(config: BlobStoreConfig): string {
  return config.kind === 'filesystem' ? config.dir : `s3://${config.bucket}/${config.prefix}${config.endpoint ? ` at ${config.endpoint}` : ''}`;
}
