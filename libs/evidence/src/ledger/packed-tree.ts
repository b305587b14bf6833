import { nodeHash } from './merkle';

const HASH = 32;

/**
 * An RFC 9162 tree held as hashes only: one contiguous buffer per level (32 B per node, so about
 * 64 B per leaf in all). Built bottom-up, a lone last node is carried up unchanged, which gives
 * exactly the Merkle Tree Hash of §2.1 (the split at the largest power of two below n). Every
 * inclusion proof then costs one sibling look-up per level, without hashing.
 */
export class PackedTree {
  private readonly levels: Buffer[];

  private constructor(levels: Buffer[]) {
    this.levels = levels;
  }

  /** From the leaf hashes, in leaf order. */
  static fromLeaves(leaves: Iterable<Buffer>, size: number): PackedTree {
    const bottom = Buffer.allocUnsafe(size * HASH);
    let n = 0;
    for (const leaf of leaves) {
      if (n === size) break;
      leaf.copy(bottom, n++ * HASH);
    }
    if (n !== size) throw new RangeError(`expected ${size} leaf hashes, got ${n}`);
    return PackedTree.fromPacked(bottom, size);
  }

  /** From the leaf hashes packed in one buffer (32 B each, in leaf order); the tree keeps it. */
  static fromPacked(bottom: Buffer, size: number): PackedTree {
    if (bottom.length !== size * HASH) throw new RangeError(`expected ${size} leaf hashes, got ${bottom.length / HASH}`);
    const levels = [bottom];
    for (let width = size; width > 1;) {
      const below = levels[levels.length - 1];
      const next = Math.ceil(width / 2);
      const level = Buffer.allocUnsafe(next * HASH);
      for (let i = 0; i < next; i++) {
        const left = below.subarray(2 * i * HASH, (2 * i + 1) * HASH);
        const node = 2 * i + 1 < width ? nodeHash(left, below.subarray((2 * i + 1) * HASH, (2 * i + 2) * HASH)) : left;
        node.copy(level, i * HASH);
      }
      levels.push(level);
      width = next;
    }
    return new PackedTree(levels);
  }

  get size(): number {
    return this.levels[0].length / HASH;
  }

  root(): Buffer {
    const top = this.levels[this.levels.length - 1];
    return Buffer.from(top.subarray(0, HASH));
  }

  leaf(index: number): Buffer {
    return this.levels[0].subarray(index * HASH, (index + 1) * HASH);
  }

  leafHex(index: number): string {
    return this.node(0, index).toString('hex');
  }

  /** PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, as hex strings (bottom-up, as the RFC lists it). */
  inclusionProofHex(index: number): string[] {
    return this.path(index).map(([level, node]) => this.node(level, node).toString('hex'));
  }

  /** Most bytes `writeLeafHex` and `writeInclusionProofJson` write together. */
  get maxProofJsonBytes(): number {
    return 64 + this.levels.length * 67;
  }

  /** Writes the leaf hash as hex into `out` at `offset`; returns the offset after it. */
  writeLeafHex(index: number, out: Buffer, offset: number): number {
    return writeHex(this.levels[0], index * HASH, out, offset);
  }

  /**
   * Writes PATH(index) as the members of a JSON array of hex strings (`"…","…"`, RFC 8785 form)
   * into `out` at `offset`; returns the offset after it. Bytes only: no string per hash.
   */
  writeInclusionProofJson(index: number, out: Buffer, offset: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) throw new RangeError(`leaf ${index} is not in a tree of ${this.size}`);
    let at = offset;
    // path()'s walk, without its array of pairs: one proof per exported event.
    for (let level = 0, i = index; level < this.levels.length - 1; level++, i >>= 1) {
      const sibling = i ^ 1;
      if (sibling * HASH >= this.levels[level].length) continue;
      if (at !== offset) out[at++] = 0x2c; // ,
      out[at++] = 0x22; // "
      at = writeHex(this.levels[level], sibling * HASH, out, at);
      out[at++] = 0x22;
    }
    return at;
  }

  /**
   * PROOF(m, D[0:size]) of RFC 9162 §2.1.4.1, as hex strings. Every subtree the proof names is a
   * node held here: a complete one, or one on the right edge of the tree (a lone last node is
   * carried up, so MTH(D[start:size]) is the node at the level where it fits).
   */
  consistencyProofHex(m: number): string[] {
    if (!Number.isInteger(m) || m < 1 || m > this.size) throw new RangeError(`no consistency proof from ${m} to ${this.size}`);
    const proof: string[] = [];
    const hashOf = (start: number, n: number) => {
      const level = n <= 1 ? 0 : Math.ceil(Math.log2(n));
      return this.node(level, start / 2 ** level).toString('hex');
    };
    const sub = (m: number, start: number, n: number, complete: boolean): void => {
      if (m === n) {
        if (!complete) proof.push(hashOf(start, n));
        return;
      }
      let k = 1;
      while (k * 2 < n) k *= 2;
      if (m <= k) {
        sub(m, start, k, complete);
        proof.push(hashOf(start + k, n - k));
      } else {
        sub(m - k, start + k, n - k, false);
        proof.push(hashOf(start, k));
      }
    };
    sub(m, 0, this.size, true);
    return proof;
  }

  /** The sibling nodes of PATH(index), bottom-up, as [level, index in level]. */
  private path(index: number): Array<[number, number]> {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) throw new RangeError(`leaf ${index} is not in a tree of ${this.size}`);
    const path: Array<[number, number]> = [];
    for (let level = 0, i = index; level < this.levels.length - 1; level++, i >>= 1) {
      const sibling = i ^ 1;
      if (sibling * HASH < this.levels[level].length) path.push([level, sibling]);
    }
    return path;
  }

  private node(level: number, index: number): Buffer {
    return this.levels[level].subarray(index * HASH, (index + 1) * HASH);
  }
}

/** Lower-case hex digits of every byte value, as two ASCII codes each. */
const HEX_DIGITS = Uint8Array.from({ length: 512 }, (_, i) => '0123456789abcdef'.charCodeAt(i & 1 ? (i >> 1) & 15 : i >> 5));

/** Writes the 32-byte hash at `from` of `src` as 64 hex digits into `out` at `at`; returns the offset after it. */
function writeHex(src: Buffer, from: number, out: Buffer, at: number): number {
  for (let i = from; i < from + HASH; i++) {
    const b = src[i] << 1;
    out[at++] = HEX_DIGITS[b];
    out[at++] = HEX_DIGITS[b + 1];
  }
  return at;
}
