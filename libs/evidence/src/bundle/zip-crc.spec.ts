import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { zipCrc32 } from './zip-crc';

describe("yazl's CRC-32 (zip-crc)", () => {
  it("is the function yazl's own buffer-crc32 now runs", () => {
    const load = createRequire(__filename);
    const yazlCopy = load(load.resolve('buffer-crc32', { paths: [dirname(load.resolve('yazl'))] })) as { unsigned: unknown };
    expect(yazlCopy.unsigned).toBe(zipCrc32);
  });

  it('runs natively for Buffers and equals the JavaScript one, chunk after chunk', () => {
    // ASCII text: as a string it takes buffer-crc32's own loop, as a Buffer Node's zlib.
    const chunks = Array.from({ length: 50 }, (_, i) => randomBytes(1 + i * 37).toString('base64'));
    let native = 0;
    let javascript = 0;
    for (const c of chunks) {
      native = zipCrc32(Buffer.from(c), native);
      javascript = zipCrc32(c, javascript);
      expect(native).toBe(javascript);
    }
    const whole = Buffer.from(chunks.join(''));
    expect(native).toBe(crc32(whole));
    expect(zipCrc32(whole)).toBe(crc32(whole));
  });
});
