import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { createInflateRaw } from 'node:zlib';
import * as yauzl from 'yauzl';

/**
 * What a bundle must keep to, to be read at all. The verifier reads hostile input (the other side's
 * or a forger's zip): every limit is checked from the central directory before a byte is inflated,
 * and again on the bytes as they inflate (a header can lie). VERIFY.md states them.
 */
export const BUNDLE_LIMITS = {
  /** Entries in the zip (a bundle has about 14). */
  entries: 64,
  /** Files read whole into memory: the tag files, the tree head, its signature and the key. */
  smallFileBytes: 1 << 20,
  /** completeness.json is parsed whole: one entry per stream in view (about 200 bytes each). */
  completenessBytes: 64 << 20,
  /** Any other entry, uncompressed (read as a stream). */
  entryBytes: 2 ** 31,
  /** All entries together, uncompressed. */
  totalBytes: 2 ** 32,
  /** One line of a .jsonl file. */
  lineBytes: 16 << 20,
  /** Uncompressed ÷ compressed size, for entries above `ratioFloorBytes` (deflate level 1 on JSON stays far below). */
  ratio: 200,
  ratioFloorBytes: 1 << 20,
} as const;

/** Output chunk of the verifier's inflater (zlib's default is 16 KB). */
const INFLATE_CHUNK_BYTES = 256 << 10;

/**
 * The tag files of the bag (RFC 8493 §2.1–2.2; the signed bundle statement and its signature are
 * other tag files, §2.2.4, VERIFY.md B.14); the zip holds these and the payload listed in
 * manifest-sha256.txt, nothing else.
 */
export const TAG_FILES = [
  'bagit.txt',
  'bag-info.txt',
  'manifest-sha256.txt',
  'bundle-statement.json',
  'bundle-statement.sig',
  'tagmanifest-sha256.txt',
] as const;
const SMALL_FILES = new Set<string>([...TAG_FILES, 'data/checkpoint.json', 'data/checkpoint.sig', 'data/public-key.pem']);

/** The bundle is refused (not read further): a limit or a rule of the zip is broken. */
export class BundleRefused extends Error {
  constructor(
    readonly file: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** The most bytes an entry may inflate to, by its name. */
export function entryLimit(name: string): number {
  if (SMALL_FILES.has(name)) return BUNDLE_LIMITS.smallFileBytes;
  if (name === 'data/completeness.json') return BUNDLE_LIMITS.completenessBytes;
  return BUNDLE_LIMITS.entryBytes;
}

/**
 * A payload path as a bag may name it: under `data/`, `/`-separated, no empty, `.` or `..`
 * segment, no backslash or control character. Zip names and manifest lines are held to it, so
 * an extracted bag has exactly the files the manifests list, where they list them.
 */
export function isPayloadPath(name: string): boolean {
  // eslint-disable-next-line no-control-regex -- a control character in an entry name is refused on purpose
  if (!name.startsWith('data/') || /[\\\u0000-\u001f\u007f]/.test(name)) return false;
  return name.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

/** Why one central-directory entry is refused, if it is. */
function refusal(e: yauzl.Entry): string | undefined {
  if (e.fileName.endsWith('/')) return 'a directory entry: a bundle zip holds files only';
  // Unix mode bits, where the zip records them (the high 16 bits of the external attributes).
  const mode = (e.externalFileAttributes >>> 16) & S_IFMT;
  if (mode === S_IFLNK) return 'a symbolic link';
  if (mode !== 0 && mode !== S_IFREG) return 'not a regular file';
  if (e.isEncrypted()) return 'encrypted';
  if (e.compressionMethod !== 0 && e.compressionMethod !== 8) return `compression method ${e.compressionMethod} (only stored and deflate)`;
  const limit = entryLimit(e.fileName);
  if (e.uncompressedSize > limit) return `${e.uncompressedSize} bytes uncompressed, over the limit of ${limit} for this file`;
  if (e.uncompressedSize > BUNDLE_LIMITS.ratioFloorBytes && e.uncompressedSize > BUNDLE_LIMITS.ratio * e.compressedSize) {
    return `compressed ${Math.round(e.uncompressedSize / Math.max(1, e.compressedSize))}:1, over the limit of ${BUNDLE_LIMITS.ratio}:1 (a zip bomb)`;
  }
  return undefined;
}

/** yauzl's own refusals of a name (absolute, `..`, backslash): a rule of the bag, not damage. */
const NAME_ERROR = /^(absolute path|invalid relative path|invalid characters in fileName)/;

/**
 * A bundle zip opened for verification: its central directory checked against every limit and
 * rule before anything is read, then entries read as bounded streams.
 */
export class BagZip {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    readonly entries: ReadonlyMap<string, yauzl.Entry>,
  ) {}

  /** Opens and checks the zip; throws BundleRefused naming the first broken rule. */
  static async open(path: string): Promise<BagZip> {
    const zip = await promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open)(path, {
      lazyEntries: true,
      autoClose: false,
      strictFileNames: true,
      validateEntrySizes: true,
    });
    try {
      if (zip.entryCount > BUNDLE_LIMITS.entries)
        throw new BundleRefused(undefined, `the zip has ${zip.entryCount} entries, over the limit of ${BUNDLE_LIMITS.entries}`);
      const entries = await listEntries(zip);
      return new BagZip(zip, entries);
    } catch (err) {
      zip.close();
      throw err;
    }
  }

  close(): void {
    this.zip.close();
  }

  /** An entry's bytes as they inflate, stopped with BundleRefused past its limit. */
  async *chunks(name: string): AsyncGenerator<Buffer> {
    const entry = this.entries.get(name);
    if (!entry) throw new BundleRefused(name, 'missing from the bundle');
    const limit = Math.min(entryLimit(name), entry.uncompressedSize);
    const stream = await this.inflated(entry);
    // yauzl forwards an inflate error with emit('error'), a tick late and even before anyone reads:
    // unheard it crashes the process, and heard it leaves the stream open, so a reader would wait
    // for ever. Marking the stream failed makes any reader, now or later, get the error.
    stream.on('error', (err) => {
      if (!stream.destroyed) stream.destroy(err);
    });
    let bytes = 0;
    const past = () => new BundleRefused(name, `inflates past ${limit} bytes (its stated size or the limit for this file)`);
    try {
      for await (const chunk of stream) {
        bytes += (chunk as Buffer).length;
        // Checked here, not by yauzl (validateEntrySizes covers only the stored entries read through it).
        if (bytes > limit) throw past();
        yield chunk as Buffer;
      }
      if (bytes < entry.uncompressedSize) throw new Error(`not enough bytes in the stream. expected ${entry.uncompressedSize}. got only ${bytes}`);
    } catch (err) {
      throw /^too many bytes in the stream/.test((err as Error).message) ? past() : err;
    } finally {
      if (!stream.destroyed) stream.destroy();
    }
  }

  /**
   * An entry's bytes as a stream: a stored one through yauzl; a deflated one as its raw bytes from
   * yauzl through an inflater of our own with 256 KB output chunks instead of zlib's 16 KB (a
   * 100,000-event bundle inflates ~300 MB: the small chunks cost half as much CPU again, ADR 0049).
   */
  private async inflated(entry: yauzl.Entry): Promise<Readable> {
    const open = promisify<yauzl.Entry, yauzl.ZipFileOptions, Readable>(this.zip.openReadStream.bind(this.zip));
    if (entry.compressionMethod !== 8) return open(entry, {});
    const raw = await open(entry, { decompress: false });
    const inflate = createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES });
    // A read error (a truncated file) fails the inflater, and so whoever reads it.
    raw.on('error', (err) => inflate.destroy(err));
    // Stopping early (a limit, a refusal) stops the read of the raw bytes too.
    inflate.on('close', () => raw.destroy());
    return raw.pipe(inflate);
  }

  /** A whole (small, limited) entry and its SHA-256. */
  async read(name: string): Promise<{ sha256: string; bytes: Buffer }> {
    const hash = createHash('sha256');
    const parts: Buffer[] = [];
    for await (const c of this.chunks(name)) {
      hash.update(c);
      parts.push(c);
    }
    return { sha256: hash.digest('hex'), bytes: Buffer.concat(parts) };
  }

  /** The SHA-256 of an entry, not kept. */
  async digest(name: string): Promise<string> {
    const hash = createHash('sha256');
    for await (const c of this.chunks(name)) hash.update(c);
    return hash.digest('hex');
  }

  lines(name: string): LineReader {
    return new LineReader(name, this.chunks(name));
  }
}

async function listEntries(zip: yauzl.ZipFile): Promise<Map<string, yauzl.Entry>> {
  const entries = new Map<string, yauzl.Entry>();
  // Names as a case-insensitive file system would see them: two such names are one file there.
  const folded = new Set<string>();
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      const key = e.fileName.normalize('NFC').toLowerCase();
      // A second entry of a name: readers disagree on which copy is "the" file, so neither is.
      if (entries.has(e.fileName) || folded.has(key)) return reject(new BundleRefused(e.fileName, 'the zip holds this name twice'));
      const why = refusal(e);
      if (why) return reject(new BundleRefused(e.fileName, `refused: ${why}`));
      total += e.uncompressedSize;
      if (total > BUNDLE_LIMITS.totalBytes)
        return reject(new BundleRefused(undefined, `the entries total more than ${BUNDLE_LIMITS.totalBytes} bytes uncompressed`));
      entries.set(e.fileName, e);
      folded.add(key);
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', (err: Error) => reject(NAME_ERROR.test(err.message) ? new BundleRefused(undefined, `entry name refused: ${err.message}`) : err));
    zip.readEntry();
  });
  return entries;
}

/**
 * The non-empty lines of an entry, one at a time, numbered from 1, while the entry's bytes are
 * hashed as they stream past: one read of the file serves both the manifest and the checks.
 * Lines are cut on the byte 0x0A (never inside a UTF-8 sequence), so a line is held once and
 * only up to BUNDLE_LIMITS.lineBytes; a line that is not UTF-8 is refused.
 */
export class LineReader {
  private readonly hash = createHash('sha256');
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private lines: string[] = [];
  private at = 0;
  private done = false;
  n = 0;

  constructor(
    private readonly file: string,
    private readonly source: AsyncIterator<Buffer>,
  ) {}

  /**
   * The next line when it is already decoded from the current chunk, else null (then `next()`
   * reads on): a loop over 100,000 lines awaits only where a chunk ends.
   */
  ready(): string | null {
    while (this.at < this.lines.length) {
      const line = this.lines[this.at++];
      if (line) {
        this.n++;
        return line;
      }
    }
    return null;
  }

  async next(): Promise<string | undefined> {
    for (;;) {
      while (this.at < this.lines.length) {
        const line = this.lines[this.at++];
        if (line) {
          this.n++;
          return line;
        }
      }
      if (this.done) return undefined;
      this.lines = [];
      this.at = 0;
      const step: IteratorResult<Buffer, unknown> = await this.source.next();
      if (step.done) {
        this.done = true;
        if (this.pendingBytes) this.lines.push(this.take(Buffer.alloc(0)));
        continue;
      }
      const value = step.value;
      this.hash.update(value);
      let from = 0;
      for (let nl = value.indexOf(0x0a); nl !== -1; nl = value.indexOf(0x0a, from)) {
        this.lines.push(this.take(value.subarray(from, nl)));
        from = nl + 1;
      }
      if (from < value.length) {
        this.pending.push(value.subarray(from));
        this.pendingBytes += value.length - from;
        if (this.pendingBytes > BUNDLE_LIMITS.lineBytes) throw this.tooLong();
      }
    }
  }

  private take(tail: Buffer): string {
    if (this.pendingBytes + tail.length > BUNDLE_LIMITS.lineBytes) throw this.tooLong();
    const bytes = this.pendingBytes ? Buffer.concat([...this.pending, tail]) : tail;
    this.pending = [];
    this.pendingBytes = 0;
    let text: string;
    try {
      text = this.utf8.decode(bytes);
    } catch {
      throw new BundleRefused(this.file, `line ${this.n + 1} is not UTF-8`);
    }
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  }

  private tooLong(): BundleRefused {
    return new BundleRefused(this.file, `line ${this.n + 1} is longer than the limit of ${BUNDLE_LIMITS.lineBytes} bytes`);
  }

  /** Reads to the end; the SHA-256 of every byte. */
  async sha256(): Promise<string> {
    while ((await this.next()) !== undefined);
    return this.hash.digest('hex');
  }
}
