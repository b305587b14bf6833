import { EMPTY_ROOT, nodeHash } from './merkle';

/** A compact range as plain data, to hand to another thread and back (a Buffer arrives as a Uint8Array). */
export interface RangeEdge {
  count: number;
  peaks: Array<{ size: number; hash: Uint8Array }>;
}

/**
 * The right edge of an append-only Merkle tree: one hash per perfect subtree, so appending
 * a leaf and computing the root cost O(log n) without keeping every leaf in memory.
 */
export class CompactRange {
  private readonly peaks: Array<{ size: number; hash: Buffer }> = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  get edge(): RangeEdge {
    return { count: this.count, peaks: this.peaks.map((p) => ({ size: p.size, hash: p.hash })) };
  }

  static from(edge: RangeEdge): CompactRange {
    const range = new CompactRange();
    for (const p of edge.peaks) range.peaks.push({ size: p.size, hash: Buffer.from(p.hash.buffer, p.hash.byteOffset, p.hash.byteLength) });
    range.count = edge.count;
    return range;
  }

  append(leaf: Buffer): void {
    let node = { size: 1, hash: leaf };
    while (this.peaks.length && this.peaks[this.peaks.length - 1].size === node.size) {
      const left = this.peaks.pop()!;
      node = { size: left.size * 2, hash: nodeHash(left.hash, node.hash) };
    }
    this.peaks.push(node);
    this.count++;
  }

  /** MTH of all leaves appended so far (RFC 9162 splits at powers of two, matching the peaks). */
  root(): Buffer {
    if (this.peaks.length === 0) return EMPTY_ROOT;
    let acc = this.peaks[this.peaks.length - 1].hash;
    for (let i = this.peaks.length - 2; i >= 0; i--) acc = nodeHash(this.peaks[i].hash, acc);
    return acc;
  }
}
