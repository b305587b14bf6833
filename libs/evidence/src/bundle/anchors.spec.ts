import { leafHash, MerkleTree, verifyConsistency } from '../ledger/merkle';
import { anchorsForBundle, consistent, MAX_BUNDLE_ANCHORS } from './anchors';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`event ${i}`)));
const at = (minutes: number) => new Date(Date.UTC(2026, 11, 6, 0, minutes)).toISOString();

describe('External anchors in a bundle', () => {
  it('checks RFC 9162 §2.1.4.2 consistency exactly as the reference does, for every pair of sizes up to 40, and refuses any changed element', () => {
    const l = leaves(40);
    const tree = new MerkleTree(l);
    for (let n = 1; n <= 40; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = tree.consistencyProof(m, n);
        expect(consistent(m, n, tree.root(m), tree.root(n), proof)).toBe(true);
        expect(consistent(m, n, tree.root(m), tree.root(n), proof)).toBe(verifyConsistency(m, n, tree.root(m), tree.root(n), proof));
        // A rewritten leaf below m: the old root no longer leads to the new one.
        const changed = new MerkleTree(l.map((h, i) => (i === m - 1 ? leafHash(Buffer.from('rewritten')) : h)));
        expect(consistent(m, n, tree.root(m), changed.root(n), changed.consistencyProof(m, n))).toBe(false);
        proof.forEach((_, k) => {
          const bad = proof.map((p, j) => (j === k ? leafHash(p) : p));
          expect(consistent(m, n, tree.root(m), tree.root(n), bad)).toBe(false);
        });
      }
    }
    expect(consistent(0, 5, tree.root(1), tree.root(5), [])).toBe(false);
    expect(consistent(6, 5, tree.root(5), tree.root(5), [])).toBe(false);
  });

  it('chooses for each event the first anchored tree that holds it, the earliest of one size, and none past the head', () => {
    const all = [
      { anchorId: 'a', treeSize: 3, genTime: at(1) },
      { anchorId: 'b', treeSize: 5, genTime: at(3) },
      { anchorId: 'b-earlier', treeSize: 5, genTime: at(2) },
      { anchorId: 'c', treeSize: 9, genTime: at(4) },
      { anchorId: 'd', treeSize: 12, genTime: at(5) },
    ];
    const bundleLeaves = [0, 1, 6, 7, 10];
    const chosen = anchorsForBundle(all, bundleLeaves.length, (k) => bundleLeaves[k], 11);
    expect(chosen.map((a) => a.anchorId)).toEqual(['a', 'c']);
    expect(anchorsForBundle(all, 2, (k) => [3, 4][k], 12).map((a) => a.anchorId)).toEqual(['b-earlier']);
    expect(anchorsForBundle(all, 1, () => 12, 13)).toEqual([]);
  });

  it('keeps at most MAX_BUNDLE_ANCHORS, thinning towards later anchors and keeping the last', () => {
    const all = Array.from({ length: 1000 }, (_, i) => ({ anchorId: `a${i}`, treeSize: i + 1, genTime: at(i) }));
    const chosen = anchorsForBundle(all, 1000, (k) => k, 1000);
    expect(chosen).toHaveLength(MAX_BUNDLE_ANCHORS);
    expect(chosen[chosen.length - 1].anchorId).toBe('a999');
    // Each event is then covered by an anchor no earlier than its own first one: never an earlier time.
    for (let leaf = 0, a = 0; leaf < 1000; leaf++) {
      while (chosen[a].treeSize <= leaf) a++;
      expect(chosen[a].treeSize).toBeGreaterThan(leaf);
    }
    expect(new Set(chosen.map((a) => a.anchorId)).size).toBe(MAX_BUNDLE_ANCHORS);
  });
});
