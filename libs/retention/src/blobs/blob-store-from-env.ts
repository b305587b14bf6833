import { join } from 'node:path';
import { type BlobStore, FileSystemBlobStore } from './blob-store';

/** `BLOB_STORE=filesystem` (default: `BLOB_DIR`, else `<dataDir>/blobs`) or `BLOB_STORE=s3` (`S3_*`). */
export function blobStoreFromEnv(dataDir: string, env: NodeJS.ProcessEnv = process.env): BlobStore {
  const kind = (env.BLOB_STORE || 'filesystem').toLowerCase();
  if (kind === 'filesystem') return new FileSystemBlobStore(env.BLOB_DIR || join(dataDir, 'blobs'));
  if (kind === 's3') {
    // Loaded only when chosen: the AWS SDK adds about 0.1 s to every start of the CLI and the API.
    const { S3BlobStore } = require('./s3-blob-store') as typeof import('./s3-blob-store');
    return S3BlobStore.fromEnv(env);
  }
  throw new Error(`BLOB_STORE must be filesystem or s3, not "${env.BLOB_STORE}"`);
}
