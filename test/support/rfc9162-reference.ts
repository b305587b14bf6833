import { createHash } from 'node:crypto';

/**
 * A second, independently written RFC 9162 checker for the tests: it rebuilds the root from an
 * inclusion proof by following the recursive definition of PATH (§2.1.3.1) backwards, instead
 * of the iterative algorithm of §2.1.3.2 the product uses.
 */
const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
export const refLeafHash = (data: Buffer) => sha(Buffer.from([0]), data);
const node = (l: Buffer, r: Buffer) => sha(Buffer.from([1]), l, r);

function k(n: number): number {
  return 2 ** Math.floor(Math.log2(n - 1));
}

export function refRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return leaves[0];
  const s = k(leaves.length);
  return node(refRoot(leaves.slice(0, s)), refRoot(leaves.slice(s)));
}

export function refRootFromInclusion(index: number, size: number, leaf: Buffer, path: Buffer[]): Buffer | null {
  if (index < 0 || index >= size) return null;
  if (size === 1) return path.length === 0 ? leaf : null;
  if (path.length === 0) return null;
  const s = k(size);
  const sibling = path[path.length - 1];
  const rest = path.slice(0, -1);
  if (index < s) {
    const left = refRootFromInclusion(index, s, leaf, rest);
    return left && node(left, sibling);
  }
  const right = refRootFromInclusion(index - s, size - s, leaf, rest);
  return right && node(sibling, right);
}
