import { createHash, randomUUID } from 'node:crypto';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ProblemException } from '@app/platform';

export const BLOB_STORE = Symbol('BLOB_STORE');

/** Here rather than in blob-store-config.ts, which loads the S3 store lazily: both read it without importing each other. */
export interface S3BlobStoreConfig {
  kind: 's3';
  bucket: string;
  /** Put before every key, e.g. `registry/`; empty for the bucket's root. */
  prefix: string;
  /** Unset for AWS itself; the URL of MinIO, Ceph RGW, … otherwise. */
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Without them the SDK waits for ever on a server that accepts and never answers. Defaults: 5 s to connect, 60 s of silence. */
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
}

export interface StoredBlob {
  sha256: string;
  sizeBytes: number;
  /** The content was there already (same SHA-256): nothing new was written. */
  existed: boolean;
}

export type BlobRejection = 'empty' | 'sha256-mismatch' | 'too-large';

/** The content was refused; no blob was written and the temporary file is gone. */
export class BlobRejectedError extends Error {
  override readonly name = 'BlobRejectedError';
  constructor(
    readonly reason: BlobRejection,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The store (a bucket) cannot be reached right now; nothing was stored. Answered like a database
 * outage: 503 with Retry-After, and the watched folder keeps the file for its next scan.
 */
export class BlobStoreUnavailableError extends ProblemException {
  constructor(why: string, cause?: unknown) {
    super(503, 'blob-store-unavailable', 'Service unavailable', `The blob store cannot be reached right now (${why}); retry shortly`);
    this.cause = cause;
  }
}

/** Content-addressed storage of log artefacts: a blob's name is its SHA-256. */
export interface BlobStore {
  /** What /health names: `filesystem` or `s3`. */
  readonly kind: string;
  /** Streams `source` in (never buffered whole), hashing as it goes. */
  put(source: Readable, options?: { expectedSha256?: string; maxBytes?: number }): Promise<StoredBlob>;
  exists(sha256: string): Promise<boolean>;
  /** Null when the blob is not (or no longer) there. */
  read(sha256: string): Promise<Readable | null>;
  /** Idempotent: true when something was removed. */
  delete(sha256: string): Promise<boolean>;
  /** Rejects, saying why, when the store cannot be reached or written (for /health). */
  probe(): Promise<void>;
}

export const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Counts and hashes the bytes that pass through, and fails the stream as soon as more than
 * `maxBytes` came, so an oversized upload stops there instead of being stored first.
 */
export class ContentMeter extends Transform {
  private readonly hash = createHash('sha256');
  sizeBytes = 0;
  /** Set when the meter itself refused the content (not when the source or the sink failed). */
  rejection: BlobRejectedError | undefined;

  constructor(private readonly maxBytes = Number.MAX_SAFE_INTEGER) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.sizeBytes += chunk.length;
    if (this.sizeBytes > this.maxBytes) {
      this.rejection = new BlobRejectedError('too-large', `The content is larger than ${this.maxBytes} bytes`);
      return done(this.rejection);
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  /** Once the stream has ended: the content's SHA-256, or why it is refused (empty, not the claimed hash). */
  verify(expectedSha256?: string): string {
    const sha256 = this.hash.digest('hex');
    if (this.sizeBytes === 0) throw new BlobRejectedError('empty', 'The content is empty');
    if (expectedSha256 !== undefined && expectedSha256 !== sha256) {
      throw new BlobRejectedError('sha256-mismatch', `The content's SHA-256 is ${sha256}, not the one claimed`);
    }
    return sha256;
  }
}

/**
 * Blobs under `<root>/sha256/ab/cd/<sha256>`. A write goes to `<root>/tmp`, is fsynced and only
 * then renamed to its hash name, so a blob under its name is always complete.
 */
export class FileSystemBlobStore implements BlobStore {
  readonly kind = 'filesystem';

  constructor(private readonly root: string) {}

  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`Not a SHA-256: ${sha256}`);
    return join(this.root, 'sha256', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(source: Readable, options: { expectedSha256?: string; maxBytes?: number } = {}): Promise<StoredBlob> {
    const tmpDir = join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, `${randomUUID()}.part`);
    const meter = new ContentMeter(options.maxBytes);
    try {
      await pipeline(source, meter, createWriteStream(tmp, { flags: 'wx' }));
      const sha256 = meter.verify(options.expectedSha256);
      const size = meter.sizeBytes;
      const target = this.pathOf(sha256);
      if (await this.exists(sha256)) {
        await rm(tmp, { force: true });
        return { sha256, sizeBytes: size, existed: true };
      }
      await fsync(tmp);
      await mkdir(dirname(target), { recursive: true });
      await rename(tmp, target);
      await fsync(dirname(target));
      return { sha256, sizeBytes: size, existed: false };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async exists(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(sha256))).isFile();
    } catch {
      return false;
    }
  }

  async read(sha256: string): Promise<Readable | null> {
    if (!(await this.exists(sha256))) return null;
    return createReadStream(this.pathOf(sha256));
  }

  async delete(sha256: string): Promise<boolean> {
    const had = await this.exists(sha256);
    await rm(this.pathOf(sha256), { force: true });
    if (had) await fsync(dirname(this.pathOf(sha256)));
    return had;
  }

  async probe(): Promise<void> {
    // The folder is made on the first upload: until then its nearest existing parent must be writable.
    let path = this.root;
    for (;;) {
      try {
        await access(path, constants.W_OK);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(path) === path) {
          throw new Error(`${path} is not writable (${(err as NodeJS.ErrnoException).code})`, { cause: err });
        }
        path = dirname(path);
      }
    }
  }
}

/** Flushes a file or directory to disk; a rename is durable only once its directory is synced. */
async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
