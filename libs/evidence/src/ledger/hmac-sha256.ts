/**
 * HMAC-SHA256 (RFC 2104, FIPS 180-4) for one key and many short messages: the salts of an event's
 * committed members (ADR 0039), derived by the sealer and, for a bundle line in the seed form
 * (ADR 0043), by the verifier. The two padded key blocks are compressed once per key; each message
 * then costs its own blocks and one outer block, in JS, with no Buffer and no native call (Node's
 * one-shot hash costs about a microsecond a call, twice per salt, on inputs of one or two blocks).
 * Checked against node:crypto's createHmac in hmac-sha256.spec.ts. Pure: no Nest, no I/O.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74,
  0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
  0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
  0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
  0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const BLOCK = 64;

const W = new Int32Array(64);

/** One SHA-256 compression of the 64 bytes of `block` at `at` into `h` (8 words, updated in place). */
function compress(h: Int32Array, block: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++, at += 4) W[i] = (block[at] << 24) | (block[at + 1] << 16) | (block[at + 2] << 8) | block[at + 3];
  for (let i = 16; i < 64; i++) {
    const a = W[i - 15];
    const b = W[i - 2];
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
  }
  let a = h[0];
  let b = h[1];
  let c = h[2];
  let d = h[3];
  let e = h[4];
  let f = h[5];
  let g = h[6];
  let k = h[7];
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (k + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    k = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] = (h[0] + a) | 0;
  h[1] = (h[1] + b) | 0;
  h[2] = (h[2] + c) | 0;
  h[3] = (h[3] + d) | 0;
  h[4] = (h[4] + e) | 0;
  h[5] = (h[5] + f) | 0;
  h[6] = (h[6] + g) | 0;
  h[7] = (h[7] + k) | 0;
}

/** The 8 words of `h` as 32 big-endian bytes into `out` at `at`. */
function writeWords(h: Int32Array, out: Uint8Array, at: number): void {
  for (let i = 0; i < 8; i++, at += 4) {
    const w = h[i];
    out[at] = w >>> 24;
    out[at + 1] = (w >>> 16) & 0xff;
    out[at + 2] = (w >>> 8) & 0xff;
    out[at + 3] = w & 0xff;
  }
}

/** HMAC-SHA256 under one key at a time; `rekey` for the next event. */
export class HmacSha256 {
  /** The states after the key ⊕ ipad and key ⊕ opad blocks. */
  private readonly innerStart = new Int32Array(8);
  private readonly outerStart = new Int32Array(8);
  private readonly h = new Int32Array(8);
  private message = Buffer.allocUnsafe(256);
  private readonly outerBlock = new Uint8Array(BLOCK);

  constructor() {
    // The outer message is always the 32-byte inner digest after a 64-byte block: its padding is fixed.
    this.outerBlock[32] = 0x80;
    this.outerBlock[62] = ((BLOCK + 32) * 8) >>> 8;
    this.outerBlock[63] = ((BLOCK + 32) * 8) & 0xff;
  }

  /** A key of at most 64 bytes (an event's 32-byte seed); a longer key is first hashed, as RFC 2104 says, by the caller. */
  rekey(key: Uint8Array): this {
    if (key.length > BLOCK) throw new RangeError('HMAC key longer than a block: hash it first');
    const pad = new Uint8Array(BLOCK);
    for (const [start, byte] of [
      [this.innerStart, 0x36],
      [this.outerStart, 0x5c],
    ] as const) {
      pad.fill(byte);
      for (let i = 0; i < key.length; i++) pad[i] ^= key[i];
      start.set(IV);
      compress(start, pad, 0);
    }
    return this;
  }

  /** HMAC(key, UTF-8 of `text`), its 32 bytes written into `out` at `at`. */
  macInto(text: string, out: Uint8Array, at: number): void {
    // Room for the text's UTF-8, 0x80 and the 8-byte length, in whole blocks.
    const most = 3 * text.length + 9 + BLOCK;
    if (this.message.length < most) this.message = Buffer.allocUnsafe(most * 2);
    const m = this.message;
    const n = m.write(text, 0, 'utf8');
    const blocks = Math.ceil((n + 9) / BLOCK);
    const end = blocks * BLOCK;
    m[n] = 0x80;
    m.fill(0, n + 1, end - 4);
    const bits = (BLOCK + n) * 8; // the key block came first; < 2^32 for any text here
    m[end - 4] = bits >>> 24;
    m[end - 3] = (bits >>> 16) & 0xff;
    m[end - 2] = (bits >>> 8) & 0xff;
    m[end - 1] = bits & 0xff;
    const h = this.h;
    h.set(this.innerStart);
    for (let b = 0; b < end; b += BLOCK) compress(h, m, b);
    writeWords(h, this.outerBlock, 0);
    h.set(this.outerStart);
    compress(h, this.outerBlock, 0);
    writeWords(h, out, at);
  }
}
