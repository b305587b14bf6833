import { randomUUID } from 'node:crypto';
import { pipeline, type Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { type BlobStore, BlobStoreUnavailableError, ContentMeter, type S3BlobStoreConfig, SHA256, type StoredBlob } from './blob-store';

export interface S3BlobStoreOptions {
  bucket: string;
  /** Put before every key, e.g. `registry/`; empty for the bucket's root. */
  prefix?: string;
  /** Bytes per part of the streamed upload; at most `queueSize` parts are in memory at once. */
  partSize?: number;
  queueSize?: number;
  /** Largest object one CopyObject may copy (S3: 5 GiB); larger ones are copied part by part. */
  singleCopyMaxBytes?: number;
  /** Bytes per part of that part-by-part copy. */
  copyPartSize?: number;
}

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/**
 * Blobs as objects `<prefix>sha256/<sha256>` in an S3-compatible bucket. An upload is streamed
 * (multipart, never held whole) to `<prefix>tmp/<uuid>` while it is hashed; only when its hash
 * is known and checked is it copied to its content key, server-side, and the temporary object
 * deleted. So an object under a content key is always complete and always that content.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly singleCopyMaxBytes: number;
  private readonly copyPartSize: number;

  constructor(
    private readonly client: S3Client,
    options: S3BlobStoreOptions,
  ) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.partSize = options.partSize ?? 8 * MiB;
    this.queueSize = options.queueSize ?? 2;
    this.singleCopyMaxBytes = options.singleCopyMaxBytes ?? 5 * GiB;
    this.copyPartSize = options.copyPartSize ?? 1 * GiB;
  }

  /** A client for `config`; credentials from the AWS SDK's default chain (AWS_ACCESS_KEY_ID, profile, instance role, …). */
  static connect(config: S3BlobStoreConfig): S3BlobStore {
    const client = new S3Client({
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      requestHandler: { connectionTimeout: config.connectTimeoutMs ?? 5_000, socketTimeout: config.idleTimeoutMs ?? 60_000 },
    });
    return new S3BlobStore(client, { bucket: config.bucket, prefix: config.prefix });
  }

  keyOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`Not a SHA-256: ${sha256}`);
    return `${this.prefix}sha256/${sha256}`;
  }

  async put(source: Readable, options: { expectedSha256?: string; maxBytes?: number } = {}): Promise<StoredBlob> {
    const meter = new ContentMeter(options.maxBytes);
    // A failure of the source or the meter reaches the upload through `body` and aborts it.
    const body = pipeline(source, meter, () => undefined);
    const temporary = `${this.prefix}tmp/${randomUUID()}`;
    try {
      try {
        const upload = new Upload({
          client: this.client,
          params: { Bucket: this.bucket, Key: temporary, Body: body },
          partSize: this.partSize,
          queueSize: this.queueSize,
        });
        await upload.done();
      } catch (err) {
        body.destroy();
        throw meter.rejection ?? this.unavailable(err);
      }
      const sha256 = meter.verify(options.expectedSha256);
      const sizeBytes = meter.sizeBytes;
      if (await this.exists(sha256)) return { sha256, sizeBytes, existed: true };
      await this.copy(temporary, this.keyOf(sha256), sizeBytes);
      return { sha256, sizeBytes, existed: false };
    } finally {
      // Best effort: a temporary object a failure leaves is never read (see docs/retention.md for the bucket's expiry rule).
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: temporary })).catch(() => undefined);
    }
  }

  async exists(sha256: string): Promise<boolean> {
    try {
      await this.reachable(this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(sha256) })));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async read(sha256: string): Promise<Readable | null> {
    try {
      const object = await this.reachable(this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(sha256) })));
      return object.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async delete(sha256: string): Promise<boolean> {
    const had = await this.exists(sha256);
    await this.reachable(this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(sha256) })));
    return had;
  }

  async probe(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: AbortSignal.timeout(3000) });
    } catch (err) {
      throw new Error(`Bucket ${this.bucket}: ${(err as Error).name} ${(err as Error).message}`.trim(), { cause: err });
    }
  }

  private reachable<T>(request: Promise<T>): Promise<T> {
    return request.catch((err: unknown) => {
      throw this.unavailable(err);
    });
  }

  /**
   * What the SDK retried and still failed (network, timeout, 5xx, throttling: its own judgement of
   * transient), or a 5xx, becomes BlobStoreUnavailableError: retrying later may help. Anything else
   * (403, 404, credentials, 501) is left as it is.
   */
  private unavailable(err: unknown): unknown {
    const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number; attempts?: number } };
    const status = e.$metadata?.httpStatusCode;
    const transient =
      (e.$metadata?.attempts ?? 0) > 1 ||
      (status !== undefined && status >= 500 && status !== 501) ||
      e.name === 'TimeoutError' ||
      (e.code !== undefined && NETWORK_ERRORS.has(e.code));
    return transient ? new BlobStoreUnavailableError(e.code ?? (status ? `HTTP ${status}` : (e.name ?? 'no answer')), err) : err;
  }

  /** Server-side copy: one CopyObject up to its 5 GiB limit, part by part above it. */
  private async copy(from: string, to: string, sizeBytes: number): Promise<void> {
    const source = `${this.bucket}/${from.split('/').map(encodeURIComponent).join('/')}`;
    if (sizeBytes <= this.singleCopyMaxBytes) {
      await this.reachable(this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: source })));
      return;
    }
    const { UploadId } = await this.reachable(this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: to })));
    try {
      const parts = [];
      for (let start = 0, n = 1; start < sizeBytes; start += this.copyPartSize, n++) {
        const end = Math.min(start + this.copyPartSize, sizeBytes) - 1;
        const part = await this.client.send(
          new UploadPartCopyCommand({ Bucket: this.bucket, Key: to, UploadId, PartNumber: n, CopySource: source, CopySourceRange: `bytes=${start}-${end}` }),
        );
        parts.push({ PartNumber: n, ETag: part.CopyPartResult?.ETag });
      }
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId })).catch(() => undefined);
      throw this.unavailable(err);
    }
  }
}

const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}
