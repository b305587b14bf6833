import type { EventStore } from './event-store.port';

/**
 * How many events lie after `position` up to `head`: a subtraction on a gap-free log (SQL); on a
 * sparse one (KurrentDB byte offsets) the events are counted, at most `cap` (then "≥ cap").
 */
export async function eventsBehind(store: Pick<EventStore, 'readAll' | 'gapFreePositions'>, position: number, head: number, cap = 10_000): Promise<number> {
  if (head <= position) return 0;
  if (store.gapFreePositions !== false) return head - position;
  let count = 0;
  let after = position;
  while (count < cap) {
    const batch = await store.readAll(after, Math.min(1000, cap - count), { raw: true });
    for (const e of batch) {
      if (e.globalPosition > head) return count;
      count++;
    }
    if (batch.length === 0) return count;
    after = batch[batch.length - 1].globalPosition;
  }
  return count;
}
