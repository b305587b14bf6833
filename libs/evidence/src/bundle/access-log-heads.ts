import { Injectable } from '@nestjs/common';
import type { Actor } from '@app/event-store';
import { AccessLog, AccessLogEvidence } from '@app/identity';
import { leafHash } from '../ledger/merkle';
import { PackedTree } from '../ledger/packed-tree';
import { type AnchoredAccessLog, seqsHash, subjectKey, subjectLeaf, type SubjectTree } from './access-log-proofs';

/** Both trees over the entries of seq `afterSeq + 1` … `throughSeq` (leaf index = seq − afterSeq − 1), from one read. */
export async function accessLogTrees(log: AccessLog, afterSeq: number, throughSeq: number): Promise<{ tree: PackedTree; subjects: SubjectTree }> {
  const seqsOf = new Map<string, number[]>();
  const hashes = await log.entryHashes(afterSeq, throughSeq, (seq, subject) => {
    const seqs = seqsOf.get(subject);
    if (seqs) seqs.push(seq);
    else seqsOf.set(subject, [seq]);
  });
  const size = throughSeq - afterSeq;
  function* leaves() {
    for (let i = 0; i < size; i++) yield leafHash(hashes.subarray(i * 32, (i + 1) * 32));
  }
  const tree = PackedTree.fromLeaves(leaves(), size);
  const sorted = [...seqsOf.entries()]
    .map(([subject, seqs]) => ({ key: subjectKey(subject), seqs: seqsHash(seqs) }))
    .sort((a, b) => Buffer.compare(a.key, b.key));
  const keys = Buffer.concat(sorted.map((s) => s.key));
  const seqsHashes = Buffer.concat(sorted.map((s) => s.seqs));
  const subjects = PackedTree.fromLeaves(
    sorted.map((s) => subjectLeaf(s.key, s.seqs)),
    sorted.length,
  );
  return { tree, subjects: { tree: subjects, keys, seqsHashes, seqsOf } };
}

/** The tree over the entries of seq `afterSeq + 1` … `throughSeq` (leaf index = seq − afterSeq − 1). */
export async function accessLogTree(log: AccessLog, afterSeq: number, throughSeq: number): Promise<PackedTree> {
  return (await accessLogTrees(log, afterSeq, throughSeq)).tree;
}

/**
 * Anchors the access log with its tree head (behind `registry access-log anchor` and every bundle
 * export). Lives here, not in identity, because the tree is the ledger's (identity may not import
 * evidence; ADR 0047), and not in access-log-proofs.ts, so the offline verifier loads neither Nest
 * nor the access log (ADR 0049).
 */
@Injectable()
export class AccessLogHeads {
  constructor(
    private readonly log: AccessLog,
    private readonly evidence: AccessLogEvidence,
  ) {}

  /** The current head anchored (unless it is already, with its tree); null when no entry is left to prove. */
  async anchor(by: Actor): Promise<(AnchoredAccessLog & { seq: number; entryHash: string; anchored: boolean }) | null> {
    let built: Awaited<ReturnType<typeof accessLogTrees>> | undefined;
    const anchored = await this.evidence.anchor(by, async (afterSeq, throughSeq) => {
      built = await accessLogTrees(this.log, afterSeq, throughSeq);
      const subjects = { size: built.subjects.tree.size, rootHash: built.subjects.tree.root().toString('hex') };
      return { afterSeq, size: built.tree.size, rootHash: built.tree.root().toString('hex'), subjects };
    });
    if (!anchored?.tree) return null;
    const head = anchored.tree;
    const { tree, subjects } = built ?? (await accessLogTrees(this.log, head.afterSeq, head.afterSeq + head.size));
    // Anchored earlier: the stored entries must still give the roots the event log holds.
    if (tree.root().toString('hex') !== head.rootHash || (head.subjects && subjects.tree.root().toString('hex') !== head.subjects.rootHash))
      throw new Error(`The access log no longer gives the tree head anchored at position ${anchored.position}`);
    return {
      seq: anchored.seq,
      entryHash: anchored.entryHash,
      anchored: anchored.anchored,
      position: anchored.position,
      head,
      tree,
      ...(head.subjects ? { subjects } : {}),
    };
  }
}
