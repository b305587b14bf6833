import type { EventEnvelope, EventStore } from '@app/event-store';
import { type BundleScope, streamsInScope } from './scope';
import { type Decrypt, timelineEntry, type TimelineEntry } from './timeline';

export interface Reconstruction {
  asOf: string;
  /** Last global position the registry had recorded at `asOf`. */
  cutoffPosition: number;
  streams: string[];
  timeline: TimelineEntry[];
  truncated: boolean;
}

/**
 * The last position recorded at or before `asOf`. Positions are assigned under the log's head
 * lock with the commit's clock, so recordedAt rises with position and a binary search finds it.
 */
export async function positionAsOf(store: EventStore, asOf: string): Promise<number> {
  return lastPositionRecordedBy(await store.headPosition(), asOf, async (after) => {
    const [e] = await store.readAll(after, 1, { raw: true });
    return e;
  });
}

/**
 * Binary search over the position range (0, head] for the last event with recordedAt ≤ asOf.
 * Each probe jumps to the first real event at or after the middle, so it needs no dense
 * positions: on KurrentDB's byte offsets it takes about log2(head) ≈ 40 reads, not one per event.
 */
export async function lastPositionRecordedBy(
  head: number,
  asOf: string,
  firstAfter: (after: number) => Promise<Pick<EventEnvelope, 'globalPosition' | 'recordedAt'> | undefined>,
): Promise<number> {
  let lo = 0;
  let hi = head;
  while (lo < hi) {
    const mid = lo + Math.ceil((hi - lo) / 2);
    const e = await firstAfter(mid - 1);
    // No event in [mid, e.globalPosition): either e is early enough (answer ≥ e) or the answer is < mid.
    if (e && e.recordedAt <= asOf) lo = e.globalPosition;
    else hi = mid - 1;
  }
  return lo;
}

/** What the registry knew at `asOf` about the scope, rebuilt from the events alone. */
export async function reconstruct(deps: { store: EventStore; decrypt: Decrypt }, scope: BundleScope, asOf: string, limit = 5000): Promise<Reconstruction> {
  const cutoff = await positionAsOf(deps.store, asOf);
  const streams = await streamsInScope(deps.store, scope, cutoff);
  streams.delete('ledger-keys');
  const timeline: TimelineEntry[] = [];
  let truncated = false;
  let after = 0;
  outer: while (after < cutoff) {
    const batch = await deps.store.readAll(after, 2000, { raw: true });
    if (batch.length === 0) break;
    for (const e of batch) {
      if (e.globalPosition > cutoff) break outer;
      if (!streams.has(e.streamId)) continue;
      if (timeline.length >= limit) {
        truncated = true;
        break outer;
      }
      timeline.push(await timelineEntry(e, deps.decrypt));
    }
    after = batch[batch.length - 1].globalPosition;
  }
  return { asOf, cutoffPosition: cutoff, streams: [...streams].sort(), timeline, truncated };
}
