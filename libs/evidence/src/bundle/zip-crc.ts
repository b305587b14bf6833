import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';

type Crc32 = (input: Buffer | string, previous?: Buffer | number) => number;

/**
 * yazl takes the CRC-32 of every zip entry with buffer-crc32, a table loop in JavaScript (~0.7 s
 * of the main thread per 100k exported events), and has no option to take it from elsewhere.
 * Node's zlib.crc32 (Node ≥ 20.15; package.json asks ≥ 20.19) computes the same checksum natively,
 * so yazl's own copy of buffer-crc32 is pointed at it for Buffers; anything else keeps the original.
 */
const load = createRequire(__filename);
const yazlCrc32 = load(load.resolve('buffer-crc32', { paths: [dirname(load.resolve('yazl'))] })) as { unsigned: Crc32 };

const javascript = yazlCrc32.unsigned;
if (javascript.name !== 'nativeUnsigned') {
  yazlCrc32.unsigned = function nativeUnsigned(input, previous) {
    // buffer-crc32 continues from `previous` as a signed 32-bit number; zlib wants it unsigned.
    if (Buffer.isBuffer(input) && (previous === undefined || typeof previous === 'number')) return crc32(input, (previous ?? 0) >>> 0);
    return javascript(input, previous);
  };
}

/** yazl's CRC-32 as it now runs (tests compare it with buffer-crc32's JavaScript for text). */
export const zipCrc32: Crc32 = yazlCrc32.unsigned;
