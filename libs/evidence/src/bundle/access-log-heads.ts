import { Injectable } from '@nestjs/common';
import type { Actor } from '@app/event-store';
import { AccessLog, AccessLogEvidence } from '@app/identity';
import { leafHash } from '../ledger/merkle';
import { PackedTree } from '../ledger/packed-tree';
import type { AnchoredAccessLog } from './access-log-proofs';

/** The tree over the entries of seq `afterSeq + 1` … `throughSeq` (leaf index = seq − afterSeq − 1). */
export async function accessLogTree(log: AccessLog, afterSeq: number, throughSeq: number): Promise<PackedTree> {
  const hashes = await log.entryHashes(afterSeq, throughSeq);
  const size = throughSeq - afterSeq;
  function* leaves() {
    for (let i = 0; i < size; i++) yield leafHash(hashes.subarray(i * 32, (i + 1) * 32));
  }
  return PackedTree.fromLeaves(leaves(), size);
}

/**
 * Anchors the access log with its tree head (behind `registry access-log anchor` and every bundle
 * export). Lives here, not in identity, because the tree is the ledger's (identity may not import
 * evidence; ADR 0047).
 */
@Injectable()
export class AccessLogHeads {
  constructor(
    private readonly log: AccessLog,
    private readonly evidence: AccessLogEvidence,
  ) {}

  /** The current head anchored (unless it is already, with its tree); null when no entry is left to prove. */
  async anchor(by: Actor): Promise<(AnchoredAccessLog & { seq: number; entryHash: string; anchored: boolean }) | null> {
    let built: PackedTree | undefined;
    const anchored = await this.evidence.anchor(by, async (afterSeq, throughSeq) => {
      built = await accessLogTree(this.log, afterSeq, throughSeq);
      return { afterSeq, size: built.size, rootHash: built.root().toString('hex') };
    });
    if (!anchored?.tree) return null;
    const head = anchored.tree;
    const tree = built ?? (await accessLogTree(this.log, head.afterSeq, head.afterSeq + head.size));
    // Anchored earlier: the stored entries must still give the root the event log holds.
    if (tree.root().toString('hex') !== head.rootHash)
      throw new Error(`The access log no longer gives the tree head anchored at position ${anchored.position}`);
    return { seq: anchored.seq, entryHash: anchored.entryHash, anchored: anchored.anchored, position: anchored.position, head, tree };
  }
}
