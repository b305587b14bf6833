import { Inject, Injectable } from '@nestjs/common';
import { type Actor, CLOCK, type Clock, EVENT_STORE, type EventStore } from '@app/event-store';
import { AccessLog, type AccessLogPurge, type AccessLogVerification } from './access-log';

const ANCHORS = 'access-log-anchors';
const PURGES = 'access-log-purges';

export interface AccessLogReport {
  /** The chain verifies, every anchor matches and every purge record has its event. */
  ok: boolean;
  chain: AccessLogVerification;
  /** Anchors and purges the event log holds (the ledger seals them). */
  anchors: number;
  mismatchedAnchors: Array<{ seq: number; entryHash: string; found: string | null }>;
  /** Purge records in the database with no `identity.AccessLogPurged` event: deleted behind the CLI. */
  unrecordedPurges: Array<{ throughSeq: number; anchorHash: string }>;
}

/**
 * The Merkle tree head over the access-log entries of seq `afterSeq + 1` … `afterSeq + size`,
 * leaf index = seq − afterSeq − 1 (ADR 0047): recorded in `identity.AccessLogAnchored`.
 */
export interface AccessLogTreeHead {
  afterSeq: number;
  size: number;
  rootHash: string;
  /**
   * The per-subject commitment under the same head (ADR 0050): a tree of one leaf per data subject
   * (its hashed key and the hash of its seqs), sorted by key, so an extract missing an entry fails.
   */
  subjects?: { size: number; rootHash: string };
}

/** Computes the tree head over the entries after `afterSeq` through `throughSeq`. */
export type AccessLogTreeOf = (afterSeq: number, throughSeq: number) => Promise<AccessLogTreeHead>;

export interface AccessLogAnchor {
  seq: number;
  entryHash: string;
  /** False when that head was anchored already (nothing appended). */
  anchored: boolean;
  /** The global position of the anchor event in the event log. */
  position: number;
  tree?: AccessLogTreeHead;
}

/**
 * The access log's tie to the event log, which the ledger seals into signed tree heads (ADR 0033):
 * purges recorded there before they happen, the chain's head anchored there, and a check of the
 * stored chain against both. The hash chain alone cannot show an entry changed by someone who
 * also re-hashed every later entry; a hash kept in the sealed event log can.
 */
@Injectable()
export class AccessLogEvidence {
  constructor(
    private readonly log: AccessLog,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Plans the purge, records `identity.AccessLogPurged` (once per purge, by key), then applies it. */
  async purge(before: string, by: Actor, reason?: string): Promise<AccessLogPurge> {
    const { fromSeq, ...purge } = await this.log.planPurge(before);
    if (purge.entries === 0) return purge;
    // A rerun after a failure plans the same purge: the key makes its event count once.
    await this.store.append(PURGES, [{ type: 'identity.AccessLogPurged', data: { ...purge, reason: reason ?? null, by } }], {
      expectedRevision: 'any',
      idempotencyKey: `access-log-purge-${purge.throughSeq}`,
      metadata: { actor: by },
    });
    await this.log.applyPurge({ ...purge, fromSeq }, by, reason);
    return purge;
  }

  /**
   * Records the chain's head as `identity.AccessLogAnchored`; refuses a chain that does not
   * verify. `null` when the log is empty; `anchored: false` when that head is anchored already.
   * With `treeOf` (the Merkle tree over the entries, which this library cannot compute: ADR 0047)
   * the event also records the tree head, and an earlier anchor of the same entry without one (or
   * without its per-subject commitment, ADR 0050) does not count as anchored.
   */
  async anchor(by: Actor, treeOf?: AccessLogTreeOf): Promise<AccessLogAnchor | null> {
    const check = await this.log.verify();
    if (!check.ok) throw new Error(`The access log does not verify (entry #${check.firstBadSeq}): nothing anchored`);
    const head = await this.log.head();
    if (!head) return null;
    // The tree restarts after a purge: it covers the entries after the last purge (ADR 0047).
    const afterSeq = check.purgedThroughSeq;
    const last = (await this.store.readStream(ANCHORS)).at(-1);
    const lastData = last?.data as { seq: number; tree?: AccessLogTreeHead } | undefined;
    if (lastData?.seq === head.seq && (!treeOf || head.seq === afterSeq || (lastData.tree?.afterSeq === afterSeq && !!lastData.tree.subjects))) {
      return { ...head, anchored: false, position: last!.globalPosition, ...(lastData.tree ? { tree: lastData.tree } : {}) };
    }
    const tree = treeOf && head.seq > afterSeq ? await treeOf(afterSeq, head.seq) : undefined;
    const appended = await this.store.append(
      ANCHORS,
      [{ type: 'identity.AccessLogAnchored', data: { ...head, ...(tree ? { tree } : {}), at: this.clock.now().toISOString(), by } }],
      { expectedRevision: 'any', metadata: { actor: by } },
    );
    return { ...head, anchored: true, position: appended.lastPosition, ...(tree ? { tree } : {}) };
  }

  /** The chain, then every anchor and purge event against it, then every purge record against an event. */
  async verify(): Promise<AccessLogReport> {
    const chain = await this.log.verify();
    const anchored = (await this.store.readStream(ANCHORS)).map((e) => e.data as { seq: number; entryHash: string });
    const purged = (await this.store.readStream(PURGES)).map((e) => e.data as { throughSeq: number; anchorHash: string });
    const anchors = [...anchored, ...purged.map((p) => ({ seq: p.throughSeq, entryHash: p.anchorHash }))];
    const purges = await this.log.purges();
    const mismatchedAnchors = await this.log.mismatchedAnchors(anchors, purges);
    const recorded = new Set(purged.map((p) => `${p.throughSeq}:${p.anchorHash}`));
    const unrecordedPurges = purges.filter((p) => !recorded.has(`${p.throughSeq}:${p.anchorHash}`));
    return { ok: chain.ok && !mismatchedAnchors.length && !unrecordedPurges.length, chain, anchors: anchors.length, mismatchedAnchors, unrecordedPurges };
  }
}
