import { createHash, hash } from 'node:crypto';

/** RFC 9162 §2.1: the Merkle Tree Hash over leaf hashes, with inclusion and consistency proofs. */
const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);
const HASH = 32;
/** 0x01 ‖ left ‖ right, reused: a node is hashed in one call, without a Hash object per node. */
const NODE_INPUT = Buffer.alloc(1 + 2 * HASH, 0x01);

export function leafHash(leafBytes: Buffer | string): Buffer {
  // As text the leaf is hashed in one call: U+0000 is the one byte 0x00 in UTF-8.
  if (typeof leafBytes === 'string') return hash('sha256', `\u0000${leafBytes}`, 'buffer');
  return createHash('sha256').update(LEAF).update(leafBytes).digest();
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  if (left.length !== HASH || right.length !== HASH) return createHash('sha256').update(NODE).update(left).update(right).digest();
  left.copy(NODE_INPUT, 1);
  right.copy(NODE_INPUT, 1 + HASH);
  return hash('sha256', NODE_INPUT, 'buffer');
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

/** A proof element as written in a bundle: a SHA-256 node hash in lower-case hex. */
const HEX_HASH = /^[0-9a-f]{64}$/;

/**
 * Checks many inclusion proofs against one tree head (RFC 9162 §2.1.3.2). Proofs of leaves in
 * order share most of their path, so the last verified path is kept (one node per level): once a
 * proof reaches a node already proven at the same place in the tree with the same hash, the rest
 * of the path is known to lead to the root, and its remaining elements must equal the ones that
 * were proven. A proof that differs anywhere still fails; the work drops from log n hashes per
 * proof to about two. Elements are taken as hex text (as bundles hold them): only those hashed
 * become bytes, the rest are compared as text, and every element must be 64 lower-case hex digits.
 */
export class InclusionVerifier {
  /** The last verified path by level (1 = above the leaves): node index (−1: level skipped), hash, proof element. */
  private readonly knownIndex: number[] = [];
  private readonly knownHash: Buffer[] = [];
  private readonly knownStep: number[] = [];
  private knownTop = 0;
  private knownProof: string[] = [];
  /** The path being checked, committed to `known*` only when it verifies. */
  private readonly pathIndex: number[] = [];
  private readonly pathHash: Buffer[] = [];
  private readonly pathStep: number[] = [];

  constructor(
    readonly treeSize: number,
    private readonly rootHash: Buffer,
  ) {}

  verify(index: number, leaf: Buffer, proof: Buffer[]): boolean {
    return this.verifyHex(
      index,
      leaf,
      proof.map((p) => p.toString('hex')),
    );
  }

  verifyHex(index: number, leaf: Buffer, proof: string[]): boolean {
    if (!Number.isInteger(index) || index < 0 || index >= this.treeSize) return false;
    let fn = index;
    let sn = this.treeSize - 1;
    let level = 0;
    let r = leaf;
    for (let k = 0; k < proof.length; k++) {
      const p = proof[k];
      if (sn === 0 || !HEX_HASH.test(p)) return false;
      const element = Buffer.from(p, 'hex');
      if ((fn & 1) === 1 || fn === sn) {
        r = nodeHash(element, r);
        if ((fn & 1) === 0) {
          while ((fn & 1) === 0 && fn !== 0) {
            fn >>= 1;
            sn >>= 1;
            this.pathIndex[++level] = -1;
          }
        }
      } else {
        r = nodeHash(r, element);
      }
      fn >>= 1;
      sn >>= 1;
      level++;
      this.pathIndex[level] = fn;
      this.pathHash[level] = r;
      this.pathStep[level] = k;
      if (level <= this.knownTop && this.knownIndex[level] === fn) {
        // Same place in the same tree: the state (fn, sn) from here on is the same as before.
        const step = this.knownStep[level];
        if (!this.knownHash[level].equals(r)) return false;
        const rest = proof.length - k - 1;
        if (rest !== this.knownProof.length - step - 1) return false;
        for (let t = 1; t <= rest; t++) if (proof[k + t] !== this.knownProof[step + t]) return false;
        for (let l = level + 1; l <= this.knownTop; l++) this.knownStep[l] += k - step;
        this.remember(level, proof);
        return true;
      }
    }
    if (sn !== 0 || !r.equals(this.rootHash)) return false;
    this.knownTop = level;
    this.remember(level, proof);
    return true;
  }

  /** Makes levels 1..top of the checked path the known one (the levels above stay). */
  private remember(top: number, proof: string[]): void {
    for (let l = 1; l <= top; l++) {
      this.knownIndex[l] = this.pathIndex[l];
      this.knownHash[l] = this.pathHash[l];
      this.knownStep[l] = this.pathStep[l];
    }
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
