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
  /** Hex of every level, made once: proofs slice it instead of converting a hash per use. */
  private hexLevels?: string[];

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
    const levels = [bottom];
    for (let width = size; width > 1; ) {
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
    return this.hex(0).slice(index * 64, (index + 1) * 64);
  }

  /** PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, as hex strings (bottom-up, as the RFC lists it). */
  inclusionProofHex(index: number): string[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) throw new RangeError(`leaf ${index} is not in a tree of ${this.size}`);
    const path: string[] = [];
    for (let level = 0, i = index; level < this.levels.length - 1; level++, i >>= 1) {
      const sibling = i ^ 1;
      if (sibling * HASH < this.levels[level].length) path.push(this.hex(level).slice(sibling * 64, (sibling + 1) * 64));
    }
    return path;
  }

  private hex(level: number): string {
    this.hexLevels ??= this.levels.map((l) => l.toString('hex'));
    return this.hexLevels[level];
  }
}
