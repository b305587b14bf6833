import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  /** Environment that makes the registry keep its blobs in this server's bucket. */
  env: Record<string, string>;
  /** Stops answering (connections refused) until `start` again, keeping every object. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real S3-protocol server (s3rver: objects in files under a temporary folder) on a random
 * loopback port, with one empty bucket. Path-style addressing; it accepts the keys S3RVER/S3RVER.
 */
export async function startS3Server(bucket = 'registry-blobs'): Promise<TestS3Server> {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const server = (port: number) => new S3rver({ address: '127.0.0.1', port, directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
  let running = server(0);
  const { port } = await running.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    env: {
      BLOB_STORE: 's3',
      S3_ENDPOINT: endpoint,
      S3_BUCKET: bucket,
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    },
    stop: () => running.close(),
    start: async () => {
      running = server(port);
      await running.run();
    },
    close: async () => {
      await running.close().catch(() => undefined);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
