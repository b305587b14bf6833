import { crc32, constants, deflateRawSync } from 'node:zlib';

/** One entry exactly as it goes into the zip: its (compressed) bytes and what the headers claim. */
export interface RawEntry {
  name: string;
  /** The bytes after the local header: deflate data (method 8) or the file itself (method 0). */
  data: Buffer;
  method?: 0 | 8;
  /** What the headers claim the entry inflates to (hostile zips lie). */
  uncompressedSize?: number;
  crc?: number;
  /** Unix mode (e.g. 0o120777 for a symbolic link). */
  mode?: number;
}

/**
 * A zip written byte by byte, so a test can state sizes, modes and names no zip library would
 * write (PKWARE APPNOTE §4.3: local headers, central directory, end record; no zip64).
 */
export function rawZip(entries: RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const method = e.method ?? 8;
    const size = e.uncompressedSize ?? e.data.length;
    const crc = e.crc ?? 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE((3 << 8) | 20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x800, 8);
    cd.writeUInt16LE(method, 10);
    cd.writeUInt16LE(0x21, 14);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(e.data.length, 20);
    cd.writeUInt32LE(size, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, name, e.data);
    central.push(cd, name);
    offset += local.length + name.length + e.data.length;
  }
  const cdBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cdBytes, end]);
}

/** A small file, deflated as a zip writer would. */
export function deflated(name: string, text: string | Buffer): RawEntry {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return { name, data: deflateRawSync(bytes), uncompressedSize: bytes.length, crc: crc32(bytes) };
}

/**
 * Deflate data for `copies` repetitions of `block` without compressing them all: the block is
 * compressed once ending in a full flush (byte-aligned, no reference to earlier data), repeated,
 * and closed with an empty final block. 3 GiB of one byte fit in about 3 MB this way.
 */
export function repeatedDeflate(block: Buffer, copies: number): Buffer {
  const once = deflateRawSync(block, { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const out = Buffer.allocUnsafe(once.length * copies + 2);
  for (let i = 0; i < copies; i++) once.copy(out, i * once.length);
  out[out.length - 2] = 0x03; // BFINAL=1, fixed Huffman, end of block
  out[out.length - 1] = 0x00;
  return out;
}

/**
 * The entries every bundle must have, with harmless contents, all listed in the manifest (with a
 * dummy digest), so that the verifier reads them: the hostile entry, under one of these names,
 * decides the verdict.
 */
export function bundleSkeleton(except: string[] = []): RawEntry[] {
  const payload = [
    'data/events.jsonl',
    'data/proofs.jsonl',
    'data/checkpoint.json',
    'data/checkpoint.sig',
    'data/public-key.pem',
    'data/completeness.json',
    'data/report.pdf',
    'data/plaintexts.jsonl',
    'data/timeline.json',
    'data/timeline.csv',
    'data/report.html',
    'data/coverage.json',
  ];
  const files: Record<string, string> = {
    'bagit.txt': 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n',
    'bag-info.txt': 'Source-Organization: x\n',
    'manifest-sha256.txt': payload.map((n) => `${'0'.repeat(64)}  ${n}\n`).join(''),
    'tagmanifest-sha256.txt': '',
    'bundle-statement.json': '{}',
    'bundle-statement.sig': '',
    'data/events.jsonl': '',
    'data/proofs.jsonl': '',
    'data/checkpoint.json': '{}',
    'data/checkpoint.sig': '',
    'data/public-key.pem': '',
    'data/completeness.json': '{}',
    'data/report.pdf': '',
    'data/plaintexts.jsonl': '',
    'data/timeline.json': '',
    'data/timeline.csv': '',
    'data/report.html': '',
    'data/coverage.json': '',
  };
  return Object.entries(files)
    .filter(([name]) => !except.includes(name))
    .map(([name, text]) => deflated(name, text));
}
