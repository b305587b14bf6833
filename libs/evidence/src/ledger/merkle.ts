import { createHash } from 'node:crypto';

/** RFC 9162 §2.1: the Merkle Tree Hash over leaf hashes, with inclusion and consistency proofs. */
const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);

export function leafHash(leafBytes: Buffer | string): Buffer {
  return createHash('sha256').update(LEAF).update(leafBytes).digest();
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(NODE).update(left).update(right).digest();
}

export const EMPTY_ROOT = createHash('sha256').digest();

/** Largest power of two strictly smaller than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}

/**
 * A tree over known leaf hashes. Subtree hashes are memoised, so all proofs for one tree
 * size cost O(n) in total rather than O(n) each.
 */
export class MerkleTree {
  private readonly memo = new Map<string, Buffer>();

  constructor(private readonly leaves: Buffer[]) {}

  get size(): number {
    return this.leaves.length;
  }

  /** MTH(D[start:start+n]). */
  hash(start: number, n: number): Buffer {
    if (n === 0) return EMPTY_ROOT;
    if (n === 1) return this.leaves[start];
    const key = `${start}:${n}`;
    const cached = this.memo.get(key);
    if (cached) return cached;
    const k = split(n);
    const h = nodeHash(this.hash(start, k), this.hash(start + k, n - k));
    this.memo.set(key, h);
    return h;
  }

  root(treeSize = this.size): Buffer {
    this.check(treeSize);
    return this.hash(0, treeSize);
  }

  /** PATH(m, D[0:treeSize]) — RFC 9162 §2.1.3.1. */
  inclusionProof(index: number, treeSize = this.size): Buffer[] {
    this.check(treeSize);
    if (index < 0 || index >= treeSize) throw new RangeError(`leaf ${index} is not in a tree of ${treeSize}`);
    const path: Buffer[] = [];
    const walk = (m: number, start: number, n: number) => {
      if (n <= 1) return;
      const k = split(n);
      if (m < k) {
        walk(m, start, k);
        path.push(this.hash(start + k, n - k));
      } else {
        walk(m - k, start + k, n - k);
        path.push(this.hash(start, k));
      }
    };
    walk(index, 0, treeSize);
    return path;
  }

  /** PROOF(m, D[0:n]) — RFC 9162 §2.1.4.1. */
  consistencyProof(m: number, n = this.size): Buffer[] {
    this.check(n);
    if (m < 1 || m > n) throw new RangeError(`no consistency proof from ${m} to ${n}`);
    const proof: Buffer[] = [];
    const sub = (m: number, start: number, n: number, complete: boolean) => {
      if (m === n) {
        if (!complete) proof.push(this.hash(start, n));
        return;
      }
      const k = split(n);
      if (m <= k) {
        sub(m, start, k, complete);
        proof.push(this.hash(start + k, n - k));
      } else {
        sub(m - k, start + k, n - k, false);
        proof.push(this.hash(start, k));
      }
    };
    sub(m, 0, n, true);
    return proof;
  }

  private check(treeSize: number) {
    if (!Number.isInteger(treeSize) || treeSize < 0 || treeSize > this.size) {
      throw new RangeError(`tree size ${treeSize} is outside 0..${this.size}`);
    }
  }
}

/** RFC 9162 §2.1.3.2: does `proof` show leaf `index` with `leaf` hash in a tree with `root`? */
export function verifyInclusion(index: number, treeSize: number, leaf: Buffer, proof: Buffer[], root: Buffer): boolean {
  return new InclusionVerifier(treeSize, root).verify(index, leaf, proof);
}

/**
 * Checks many inclusion proofs against one tree head (RFC 9162 §2.1.3.2). Proofs of leaves in
 * order share most of their path, so the last verified path is kept (one node per level): once a
 * proof reaches a node already proven at the same place in the tree with the same hash, the rest
 * of the path is known to lead to the root, and its remaining elements must equal the ones that
 * were proven. A proof that differs anywhere still fails; the work drops from log n hashes per
 * proof to about two.
 */
export class InclusionVerifier {
  /** The last verified path: node after each proof element, keyed by level. */
  private known = new Map<number, { index: number; hash: Buffer; step: number }>();
  private knownProof: Buffer[] = [];

  constructor(
    readonly treeSize: number,
    private readonly rootHash: Buffer,
  ) {}

  verify(index: number, leaf: Buffer, proof: Buffer[]): boolean {
    if (!Number.isInteger(index) || index < 0 || index >= this.treeSize) return false;
    let fn = index;
    let sn = this.treeSize - 1;
    let level = 0;
    let r = leaf;
    const path = new Map<number, { index: number; hash: Buffer; step: number }>();
    for (let k = 0; k < proof.length; k++) {
      const p = proof[k];
      if (sn === 0) return false;
      if ((fn & 1) === 1 || fn === sn) {
        r = nodeHash(p, r);
        if ((fn & 1) === 0) {
          while ((fn & 1) === 0 && fn !== 0) {
            fn >>= 1;
            sn >>= 1;
            level++;
          }
        }
      } else {
        r = nodeHash(r, p);
      }
      fn >>= 1;
      sn >>= 1;
      level++;
      path.set(level, { index: fn, hash: r, step: k });
      const seen = this.known.get(level);
      if (seen && seen.index === fn) {
        // Same place in the same tree: the state (fn, sn) from here on is the same as before.
        if (!seen.hash.equals(r)) return false;
        const rest = proof.length - k - 1;
        if (rest !== this.knownProof.length - seen.step - 1) return false;
        for (let t = 1; t <= rest; t++) if (!proof[k + t].equals(this.knownProof[seen.step + t])) return false;
        for (const [l, node] of this.known) if (l > level) path.set(l, { ...node, step: node.step - seen.step + k });
        this.remember(path, proof);
        return true;
      }
    }
    if (sn !== 0 || !r.equals(this.rootHash)) return false;
    this.remember(path, proof);
    return true;
  }

  private remember(path: Map<number, { index: number; hash: Buffer; step: number }>, proof: Buffer[]): void {
    this.known = path;
    this.knownProof = proof;
  }
}

/** RFC 9162 §2.1.4.2: is the tree of size `second` an append-only extension of the one of `first`? */
export function verifyConsistency(first: number, second: number, firstRoot: Buffer, secondRoot: Buffer, proof: Buffer[]): boolean {
  if (first > second) return false;
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  if (first === 0) return proof.length === 0;
  let path = proof;
  if ((first & (first - 1)) === 0) path = [firstRoot, ...proof];
  if (path.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while ((fn & 1) === 1) {
    fn >>= 1;
    sn >>= 1;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && fr.equals(firstRoot) && sr.equals(secondRoot);
}
