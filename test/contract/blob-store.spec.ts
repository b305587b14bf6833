import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { BlobRejectedError, type BlobStore, blobStoreConfigFromEnv, BlobStoreUnavailableError, FileSystemBlobStore, openBlobStore } from '@app/retention';
import { S3BlobStore, type S3BlobStoreOptions } from '../../libs/retention/src/blobs/s3-blob-store';
import { startS3Server, type TestS3Server } from '../support/s3-server';

const MiB = 1024 ** 2;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Content streamed in 64 KiB chunks, as an upload arrives. */
function chunked(content: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < content.length; i += 64 * 1024) yield content.subarray(i, i + 64 * 1024);
    })(),
  );
}

/** Random bytes: a part stored twice, lost or out of order changes the hash. */
const content = (bytes: number) => randomBytes(bytes);

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

interface Harness {
  store: BlobStore;
  /** Everything the store holds, temporary objects included. */
  stored(): Promise<string[]>;
  /** The same store with other S3 options (multipart sizes); the file store ignores them. */
  withOptions(options: Partial<S3BlobStoreOptions>): BlobStore;
  /** A store of this kind that cannot be reached or written. */
  broken(): BlobStore;
  close(): Promise<void>;
}

function files(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)).map((f) => `${name}/${f}`) : [name]));
}

function fileSystemHarness(): Promise<Harness> {
  const root = mkdtempSync(join(tmpdir(), 'blobs-'));
  const store = new FileSystemBlobStore(join(root, 'blobs'));
  return Promise.resolve({
    store,
    stored: () => Promise.resolve(files(join(root, 'blobs'))),
    withOptions: () => store,
    broken: () => {
      writeFileSync(join(root, 'a-file'), '');
      return new FileSystemBlobStore(join(root, 'a-file', 'blobs'));
    },
    close: () => Promise.resolve(rmSync(root, { recursive: true, force: true })),
  });
}

async function s3Harness(): Promise<Harness> {
  const server: TestS3Server = await startS3Server();
  const client = (endpoint = server.endpoint) =>
    new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, maxAttempts: 1 });
  const s3 = client();
  // Parts of 5 MiB (the S3 minimum) so that a few MiB already take the multipart path.
  const options = { bucket: server.bucket, prefix: 'registry/', partSize: 5 * MiB };
  return {
    store: new S3BlobStore(s3, options),
    stored: async () => ((await s3.send(new ListObjectsV2Command({ Bucket: server.bucket }))).Contents ?? []).map((o) => o.Key!),
    withOptions: (more) => new S3BlobStore(s3, { ...options, ...more }),
    broken: () => new S3BlobStore(s3, { ...options, bucket: 'no-such-bucket' }),
    close: async () => {
      s3.destroy();
      await server.close();
    },
  };
}

describe.each([
  ['file system', fileSystemHarness],
  ['S3 (s3rver)', s3Harness],
])('Blob store: %s', (_name, start) => {
  let h: Harness;
  beforeAll(async () => {
    h = await start();
  });
  afterAll(async () => h?.close());

  async function expectRejected(put: Promise<unknown>, reason: BlobRejectedError['reason']): Promise<void> {
    const err = await put.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BlobRejectedError);
    expect((err as BlobRejectedError).reason).toBe(reason);
  }

  it('stores content under its SHA-256 and streams it back', async () => {
    const body = content(300 * 1024);
    const before = await h.stored();
    const put = await h.store.put(chunked(body), { expectedSha256: sha256(body) });
    expect(put).toEqual({ sha256: sha256(body), sizeBytes: body.length, existed: false });
    expect(await h.store.exists(put.sha256)).toBe(true);
    expect(sha256(await readAll((await h.store.read(put.sha256))!))).toBe(sha256(body));
    const added = (await h.stored()).filter((k) => !before.includes(k));
    expect(added).toHaveLength(1);
    expect(added[0].endsWith(put.sha256)).toBe(true);
  });

  it('streams content of several parts and keeps the bytes in order', async () => {
    const body = content(13 * MiB);
    const put = await h.store.put(chunked(body), { maxBytes: 13 * MiB });
    expect(put).toEqual({ sha256: sha256(body), sizeBytes: body.length, existed: false });
    const back = await readAll((await h.store.read(put.sha256))!);
    expect(back.length).toBe(body.length);
    expect(sha256(back)).toBe(sha256(body));
  });

  it('stores the same content once and says it was there', async () => {
    const body = content(70 * 1024);
    const first = await h.store.put(chunked(body));
    const before = await h.stored();
    const again = await h.store.put(chunked(body), { expectedSha256: sha256(body) });
    expect(again).toEqual({ sha256: first.sha256, sizeBytes: body.length, existed: true });
    expect(await h.stored()).toEqual(before);
  });

  it('refuses a wrong claimed SHA-256, an empty body and too many bytes, leaving nothing behind', async () => {
    const before = await h.stored();
    const body = content(40 * 1024);
    await expectRejected(h.store.put(chunked(body), { expectedSha256: sha256(Buffer.from('other')) }), 'sha256-mismatch');
    await expectRejected(h.store.put(Readable.from([])), 'empty');
    await expectRejected(h.store.put(chunked(body), { maxBytes: body.length - 1 }), 'too-large');
    // Past the first part: the multipart upload already started is given up.
    await expectRejected(h.store.put(chunked(content(12 * MiB)), { maxBytes: 7 * MiB }), 'too-large');
    expect(await h.store.exists(sha256(body))).toBe(false);
    expect(await h.stored()).toEqual(before);
  });

  it('fails with the source when the upload breaks off, leaving nothing behind', async () => {
    const before = await h.stored();
    const broken = Readable.from(
      // Async on purpose: the break-off arrives as a rejected read, as from a socket (a sync generator's throw fails the upload differently).
      // eslint-disable-next-line @typescript-eslint/require-await
      (async function* () {
        yield content(6 * MiB);
        throw new Error('client went away');
      })(),
    );
    await expect(h.store.put(broken)).rejects.toThrow('client went away');
    expect(await h.stored()).toEqual(before);
  });

  it('deletes idempotently, after which the blob is not found', async () => {
    const body = content(10 * 1024);
    const { sha256: sha } = await h.store.put(chunked(body));
    expect(await h.store.delete(sha)).toBe(true);
    expect(await h.store.exists(sha)).toBe(false);
    expect(await h.store.read(sha)).toBeNull();
    expect(await h.store.delete(sha)).toBe(false);
    expect(await h.store.read(sha256(Buffer.from('never stored')))).toBeNull();
  });

  it('answers the health probe, and says why when it cannot be used', async () => {
    await expect(h.store.probe()).resolves.toBeUndefined();
    await expect(h.broken().probe()).rejects.toThrow(/a-file|no-such-bucket/);
  });
});

describe('S3 blob store specifics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await s3Harness();
  });
  afterAll(async () => h?.close());

  it('names objects <prefix>sha256/<hash> and keeps no temporary object', async () => {
    const body = content(1000);
    await h.store.put(chunked(body));
    expect(await h.stored()).toEqual([`registry/sha256/${sha256(body)}`]);
  });

  it('copies part by part above the single-copy limit; a copy that fails leaves nothing behind', async () => {
    // s3rver has no UploadPartCopy, so here the part-by-part copy fails: its clean-up is what this checks.
    const store = h.withOptions({ singleCopyMaxBytes: 5 * MiB, copyPartSize: 5 * MiB });
    const before = await h.stored();
    const body = content(6 * MiB);
    await expect(store.put(chunked(body))).rejects.toThrow(/not implemented/i);
    expect(await store.exists(sha256(body))).toBe(false);
    expect(await h.stored()).toEqual(before);
  });
});

describe('S3 blob store against a server that accepts and never answers', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  const saved = { ...process.env };
  beforeAll(async () => {
    // Credentials come from the SDK's default chain, as in production.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
    process.env = saved;
  });

  it('gives up after its idle timeout: BlobStoreUnavailableError (503), not a request that hangs', async () => {
    const { port } = silent.address() as AddressInfo;
    const store = openBlobStore({
      kind: 's3',
      bucket: 'logs',
      prefix: '',
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      idleTimeoutMs: 200,
    });
    const err = await store.exists('d'.repeat(64)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlobStoreUnavailableError);
    expect((err as BlobStoreUnavailableError).getStatus()).toBe(503);
    const put = await store.put(Readable.from([Buffer.from('x')])).catch((e: unknown) => e);
    expect(put).toBeInstanceOf(BlobStoreUnavailableError);
  });
});

describe('blob store configuration', () => {
  it('keeps blobs in BLOB_DIR, or by default in the data folder', () => {
    expect(blobStoreConfigFromEnv('/data', {})).toEqual({ kind: 'filesystem', dir: '/data/blobs' });
    expect(blobStoreConfigFromEnv('/data', { BLOB_DIR: '/mnt/blobs' })).toEqual({ kind: 'filesystem', dir: '/mnt/blobs' });
    expect(openBlobStore(blobStoreConfigFromEnv('/data', {}))).toBeInstanceOf(FileSystemBlobStore);
  });

  it('selects S3 from S3_*, and refuses an incomplete or unknown configuration', () => {
    const env = { BLOB_STORE: 'S3', S3_BUCKET: 'logs', S3_PREFIX: 'hospital-a/', S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: 'true' };
    const config = blobStoreConfigFromEnv('/data', env);
    expect(config).toEqual({ kind: 's3', bucket: 'logs', prefix: 'hospital-a/', endpoint: 'http://minio:9000', region: 'us-east-1', forcePathStyle: true });
    expect(blobStoreConfigFromEnv('/data', { BLOB_STORE: 's3', S3_BUCKET: 'logs', AWS_REGION: 'eu-central-1' })).toEqual({
      kind: 's3',
      bucket: 'logs',
      prefix: '',
      region: 'eu-central-1',
      forcePathStyle: false,
    });
    const store = openBlobStore(config) as S3BlobStore;
    expect(store.kind).toBe('s3');
    expect(store.keyOf('c'.repeat(64))).toBe(`hospital-a/sha256/${'c'.repeat(64)}`);
    expect(() => blobStoreConfigFromEnv('/data', { BLOB_STORE: 's3' })).toThrow('BLOB_STORE=s3 needs S3_BUCKET');
    expect(() => blobStoreConfigFromEnv('/data', { ...env, S3_FORCE_PATH_STYLE: 'yes' })).toThrow('S3_FORCE_PATH_STYLE must be true or false');
    expect(() => blobStoreConfigFromEnv('/data', { BLOB_STORE: 'gcs' })).toThrow('BLOB_STORE must be filesystem or s3, not "gcs"');
  });
});
