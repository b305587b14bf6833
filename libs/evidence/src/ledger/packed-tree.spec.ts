import { createHash } from 'node:crypto';
import { InclusionVerifier, leafHash, MerkleTree, verifyConsistency, verifyInclusion } from './merkle';
import { PackedTree } from './packed-tree';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`event ${i}`)));
const hex = (b: Buffer) => b.toString('hex');

describe('PackedTree (hashes only) and InclusionVerifier', () => {
  it('gives the same root and inclusion proofs as the recursive RFC 9162 definition, for every size up to 70', () => {
    for (let n = 1; n <= 70; n++) {
      const l = leaves(n);
      const reference = new MerkleTree(l);
      const packed = PackedTree.fromLeaves(l, n);
      expect(hex(packed.root())).toBe(hex(reference.root()));
      for (let i = 0; i < n; i++) {
        expect(packed.inclusionProofHex(i)).toEqual(reference.inclusionProof(i).map(hex));
        expect(packed.leafHex(i)).toBe(hex(l[i]));
      }
    }
  });

  it('gives the RFC 9162 §2.1.4.1 consistency proof of the recursive definition from every earlier size, for every size up to 70', () => {
    for (let n = 1; n <= 70; n++) {
      const l = leaves(n);
      const reference = new MerkleTree(l);
      const packed = PackedTree.fromLeaves(l, n);
      for (let m = 1; m <= n; m++) {
        const proof = packed.consistencyProofHex(m);
        expect(proof).toEqual(reference.consistencyProof(m).map(hex));
        expect(
          verifyConsistency(
            m,
            n,
            reference.root(m),
            packed.root(),
            proof.map((p) => Buffer.from(p, 'hex')),
          ),
        ).toBe(true);
      }
    }
  });

  it('writes the leaf hash and the proof as JSON bytes equal to the RFC 8785 form of the reference proof', () => {
    for (const n of [1, 2, 5, 64, 70]) {
      const l = leaves(n);
      const reference = new MerkleTree(l);
      const packed = PackedTree.fromLeaves(l, n);
      for (let i = 0; i < n; i++) {
        const out = Buffer.alloc(packed.maxProofJsonBytes + 8, 0x2e);
        const afterLeaf = packed.writeLeafHex(i, out, 4);
        expect(out.toString('latin1', 4, afterLeaf)).toBe(hex(l[i]));
        const end = packed.writeInclusionProofJson(i, out, afterLeaf);
        expect(end).toBeLessThanOrEqual(4 + packed.maxProofJsonBytes);
        expect(JSON.parse(`[${out.toString('latin1', afterLeaf, end)}]`)).toEqual(reference.inclusionProof(i).map(hex));
        expect(out.toString('latin1', 0, 4) + out.toString('latin1', end)).toMatch(/^\.+$/);
      }
    }
  });

  it('takes only the first `size` leaves, and refuses too few', () => {
    const l = leaves(10);
    expect(hex(PackedTree.fromLeaves(l, 7).root())).toBe(hex(new MerkleTree(l).root(7)));
    expect(() => PackedTree.fromLeaves(l, 11)).toThrow(RangeError);
  });

  it('accepts exactly the proofs the plain RFC algorithm accepts, in order, with gaps and repeated', () => {
    for (const n of [1, 2, 3, 5, 8, 13, 64, 100]) {
      const l = leaves(n);
      const tree = new MerkleTree(l);
      const root = tree.root();
      const verifier = new InclusionVerifier(n, root);
      const order = [...Array(n).keys()].filter((i) => i % 3 !== 1).concat([0, n - 1, Math.floor(n / 2)]);
      for (const i of order) {
        const proof = tree.inclusionProof(i);
        expect(verifier.verify(i, l[i], proof)).toBe(true);
        expect(verifyInclusion(i, n, l[i], proof, root)).toBe(true);
      }
    }
  });

  it('rejects a changed leaf, a changed proof element at any depth, a wrong index and a padded proof, even after earlier successes', () => {
    const n = 100;
    const l = leaves(n);
    const tree = new MerkleTree(l);
    const verifier = new InclusionVerifier(n, tree.root());
    const flip = (b: Buffer) => {
      const c = Buffer.from(b);
      c[5] ^= 1;
      return c;
    };
    for (let i = 0; i < n; i++) {
      const proof = tree.inclusionProof(i);
      expect(verifier.verify(i, flip(l[i]), proof)).toBe(false);
      for (let k = 0; k < proof.length; k++) {
        const bad = [...proof];
        bad[k] = flip(bad[k]);
        expect(verifier.verify(i, l[i], bad)).toBe(false);
      }
      expect(verifier.verify(i, l[i], [...proof, createHash('sha256').digest()])).toBe(false);
      expect(verifier.verify(i, l[i], proof.slice(0, -1))).toBe(false);
      if (i + 1 < n) expect(verifier.verify(i + 1, l[i], proof)).toBe(false);
      expect(verifier.verify(i, l[i], proof)).toBe(true);
    }
  });

  it('takes proof elements as text only as 64 lower-case hex digits, at any depth, after earlier successes', () => {
    const n = 37;
    const l = leaves(n);
    const tree = new MerkleTree(l);
    const verifier = new InclusionVerifier(n, tree.root());
    for (let i = 0; i < n; i++) {
      const proof = tree.inclusionProof(i).map(hex);
      for (let k = 0; k < proof.length; k++) {
        for (const variant of [proof[k].toUpperCase(), `${proof[k]}0`, `${proof[k]}zz`, proof[k].slice(2), ` ${proof[k]}`]) {
          const bad = [...proof];
          bad[k] = variant;
          expect(verifier.verifyHex(i, l[i], bad)).toBe(false);
        }
      }
      expect(verifier.verifyHex(i, l[i], proof)).toBe(true);
    }
  });
});
