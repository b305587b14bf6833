import { createHash, randomBytes } from 'node:crypto';
import { PackedTree } from '../ledger/packed-tree';
import { verifyInclusion } from '../ledger/merkle';
import { accessLogLeaf, accessLogProofLine, entryHashOf } from './access-log-proofs';

const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
/** RFC 9162 §2.1.1 again, from its words: the split at the largest power of two below n. */
function mth(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha(Buffer.from([1]), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

describe('access-log tree proofs (VERIFY.md B.17)', () => {
  it('a leaf is SHA-256(0x00 ‖ the 32 bytes of entryHash), not of its hex text', () => {
    const h = randomBytes(32).toString('hex');
    expect(accessLogLeaf(h)).toEqual(sha(Buffer.from([0]), Buffer.from(h, 'hex')));
  });

  it('every proof line brings its entry to the root at leaf index seq − afterSeq − 1, for trees of 1 to 33 entries after a purge', () => {
    const afterSeq = 5;
    for (let size = 1; size <= 33; size++) {
      const hashes = Array.from({ length: size }, () => randomBytes(32).toString('hex'));
      const leaves = hashes.map(accessLogLeaf);
      const tree = PackedTree.fromLeaves(leaves, size);
      const root = mth(leaves);
      expect(tree.root()).toEqual(root);
      const anchored = { position: 1, head: { afterSeq, size, rootHash: root.toString('hex') }, tree };
      for (let i = 0; i < size; i++) {
        const line = JSON.parse(accessLogProofLine(anchored, afterSeq + 1 + i)) as { leafIndex: number; proof: string[]; seq: number; treeSize: number };
        expect(line).toMatchObject({ leafIndex: i, seq: afterSeq + 1 + i, treeSize: size });
        const proof = line.proof.map((p) => Buffer.from(p, 'hex'));
        expect(verifyInclusion(i, size, leaves[i], proof, root)).toBe(true);
        // Moved to another index, the same proof fails.
        if (size > 1) expect(verifyInclusion((i + 1) % size, size, leaves[i], proof, root)).toBe(false);
      }
    }
  });

  it('the entry hash is VERIFY.md’s: SHA-256(prevHash ‖ LF ‖ JSON array of the members, null for a missing ip or user agent)', () => {
    const e = {
      seq: 7,
      entryId: 'e-7',
      requestId: 'r-7',
      at: '2026-12-07T00:00:00.000Z',
      actor: { subject: 'alice', role: 'clinician' },
      action: 'read',
      dataSubject: 'ps_x',
      resource: 'GET /api/v1/reviews/1',
      prevHash: '0'.repeat(64),
      entryHash: '',
    };
    const text = `${'0'.repeat(64)}\n[7,"e-7","r-7","2026-12-07T00:00:00.000Z","alice","clinician","read","ps_x","GET /api/v1/reviews/1",null,null]`;
    expect(entryHashOf(e)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
  });
});
