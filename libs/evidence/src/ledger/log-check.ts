import type { EventEnvelope } from '@app/event-store';
import { eventLeafHash } from './leaf';

/**
 * Pure pieces of sealing and verification that touch positions. The tree's leaf index is its own
 * dense sequence (0, 1, 2… in global read order); positions are only labels of the leaves, so
 * sparse positions (KurrentDB byte offsets) and dense ones (SQL) are sealed and checked alike.
 */

export interface LeafRow {
  leafIndex: number;
  position: number;
  leafHash: string;
}

export interface LogProblem {
  position: number;
  problem: string;
}

/** Leaf rows for events read in global order, numbered on from `nextIndex` whatever their positions. */
export function leafRows(nextIndex: number, events: EventEnvelope[]): LeafRow[] {
  return events.map((e, i) => ({ leafIndex: nextIndex + i, position: e.globalPosition, leafHash: eventLeafHash(e).toString('hex') }));
}

/**
 * A missing position between two events read in order. Only a gap-free log (SQL) can tell that an
 * event is missing from its number alone; on a sparse log gaps are normal and the sealed leaves
 * (checkSealedLeaf) are what show a removed event.
 */
export function missingPosition(previous: number, next: number, gapFree: boolean): LogProblem | undefined {
  if (!gapFree || next === previous + 1) return undefined;
  return { position: previous + 1, problem: `event at position ${previous + 1} is missing (next stored position is ${next})` };
}

/** A sealed leaf compared with the log as read now (positions and hashes in read order). */
export function checkSealedLeaf(row: LeafRow, positions: readonly number[], hashes: readonly Buffer[]): LogProblem | undefined {
  const i = row.leafIndex;
  if (i >= positions.length || positions[i] !== row.position) {
    return { position: row.position, problem: `sealed event at position ${row.position} is no longer in the log at its place` };
  }
  if (hashes[i].toString('hex') !== row.leafHash) {
    return { position: row.position, problem: `event at position ${row.position} differs from what was sealed` };
  }
  return undefined;
}
