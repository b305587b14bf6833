import { createHash, randomBytes } from 'node:crypto';
import { PackedTree } from '../ledger/packed-tree';
import { verifyInclusion } from '../ledger/merkle';
import { accessLogLeaf, accessLogProofLine, accessLogSubjectLine, entryHashOf, seqsHash, subjectKey, subjectLeaf, type SubjectTree } from './access-log-proofs';

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

  describe('the subject tree (B.17 completeness, ADR 0050)', () => {
    // B.17's formulas written out again: key = SHA-256("access-log-subject:" ‖ pseudonym), seqs 8 bytes big-endian.
    const key = (subject: string) => createHash('sha256').update(`access-log-subject:${subject}`, 'utf8').digest();
    const seqs8 = (seqs: number[]) => Buffer.concat(seqs.map((q) => Buffer.from(q.toString(16).padStart(16, '0'), 'hex')));

    /** A subject tree as `accessLogTrees` builds it, from subject → seqs. */
    function treeOf(bySubject: Map<string, number[]>): SubjectTree {
      const sorted = [...bySubject].map(([s, q]) => ({ key: subjectKey(s), seqs: seqsHash(q) })).sort((a, b) => Buffer.compare(a.key, b.key));
      const tree = PackedTree.fromLeaves(
        sorted.map((l) => subjectLeaf(l.key, l.seqs)),
        sorted.length,
      );
      return { tree, keys: Buffer.concat(sorted.map((l) => l.key)), seqsHashes: Buffer.concat(sorted.map((l) => l.seqs)), seqsOf: bySubject };
    }
    const anchoredWith = (subjects: SubjectTree) => ({
      position: 1,
      head: { afterSeq: 0, size: 1, rootHash: '' },
      tree: PackedTree.fromLeaves([accessLogLeaf('00'.repeat(32))], 1),
      subjects,
    });

    it('given the formulas, when hashed, then key, seqsHash and leaf are those VERIFY.md states', () => {
      expect(subjectKey('p-x')).toEqual(key('p-x'));
      expect(seqsHash([1, 300, 70000])).toEqual(sha(seqs8([1, 300, 70000])));
      expect(subjectLeaf(key('p-x'), sha(seqs8([2])))).toEqual(sha(Buffer.from([0]), key('p-x'), sha(seqs8([2]))));
    });

    it('given 1 to 12 subjects, when a present subject is asked for, then its line lists its seqs and proves its leaf; when an absent one is, then two adjacent leaves enclose its key (edges included)', () => {
      for (let n = 1; n <= 12; n++) {
        const by = new Map(Array.from({ length: n }, (_, i) => [`p-${n}-${i}`, [i + 1, i + 100]] as [string, number[]]));
        const st = treeOf(by);
        const root = st.tree.root();
        for (const [subject, seqs] of by) {
          const line = JSON.parse(accessLogSubjectLine(anchoredWith(st), subject)) as { leafIndex: number; proof: string[]; seqs: number[]; treeSize: number };
          expect(line).toMatchObject({ seqs, treeSize: n });
          const leaf = sha(Buffer.from([0]), key(subject), sha(seqs8(seqs)));
          expect(
            verifyInclusion(
              line.leafIndex,
              n,
              leaf,
              line.proof.map((h) => Buffer.from(h, 'hex')),
              root,
            ),
          ).toBe(true);
        }
        // Enough absent subjects that some fall below the first key and above the last.
        let below = 0;
        let above = 0;
        for (let a = 0; a < 40; a++) {
          const absent = `absent-${n}-${a}`;
          type Side = { leafIndex: number; proof: string[]; seqsHash: string; subjectKey: string } | null;
          const line = JSON.parse(accessLogSubjectLine(anchoredWith(st), absent)) as { absent: boolean; left: Side; right: Side; treeSize: number };
          expect(line.absent).toBe(true);
          const k = key(absent);
          for (const side of [line.left, line.right]) {
            if (!side) continue;
            const leaf = sha(Buffer.from([0]), Buffer.from(side.subjectKey, 'hex'), Buffer.from(side.seqsHash, 'hex'));
            expect(
              verifyInclusion(
                side.leafIndex,
                n,
                leaf,
                side.proof.map((h) => Buffer.from(h, 'hex')),
                root,
              ),
            ).toBe(true);
          }
          if (line.left) expect(Buffer.compare(Buffer.from(line.left.subjectKey, 'hex'), k)).toBe(-1);
          if (line.right) expect(Buffer.compare(Buffer.from(line.right.subjectKey, 'hex'), k)).toBe(1);
          if (!line.left) {
            below++;
            expect(line.right!.leafIndex).toBe(0);
          } else if (!line.right) {
            above++;
            expect(line.left.leafIndex).toBe(n - 1);
          } else expect(line.right.leafIndex).toBe(line.left.leafIndex + 1);
          // No pseudonym of another subject in the line: hashes only.
          for (const other of by.keys()) expect(JSON.stringify(line)).not.toContain(other);
        }
        if (n <= 2) expect(below + above).toBeGreaterThan(0);
      }
    });
  });
});
