import type { Readable } from 'node:stream';
import { END, START, excludeSystemEvents, type AllStreamSubscription, type EventStoreDBClient, type RegexFilter } from '@eventstore/db-client';
import type { EventEnvelope } from '../envelope';
import type { Subscription } from '../event-store.port';
import { wakeableSleep } from '../subscription';
import { comparePositions, fromGlobalPosition, isInternal, toEnvelope } from './kurrentdb-mapping';

/**
 * The server-side filter of every `$all` subscription: event types not beginning with `$`. That
 * drops KurrentDB's system events ($metadata, $statsCollected, links…) and our idempotency claims
 * (type `$oversight.IdempotencyClaim`) before they cross the network.
 */
export function registryEventsFilter(): RegexFilter {
  return excludeSystemEvents();
}

export interface KurrentSubscriptionOptions {
  batchSize?: number;
  /** Pause before re-subscribing after an error or a failing handler. */
  retryMs?: number;
  /** Applied to each envelope before the handler sees it (upcasters). */
  map?: (e: EventEnvelope) => EventEnvelope;
}

/**
 * A catch-up subscription to `$all` with the server-side filter above, starting after a
 * position (or at the end: live events only). Events go to the handler in batches, one batch at
 * a time; the stream is not read while the handler runs (async iteration gives back-pressure).
 * A failing handler or a broken connection ends the server subscription; a new one starts from
 * the last position the handler completed, so no event is skipped (some may be seen again).
 */
export function subscribeToRegistryEvents(
  client: Pick<EventStoreDBClient, 'subscribeToAll'>,
  from: number | 'end',
  handler: (events: EventEnvelope[]) => Promise<void>,
  options: KurrentSubscriptionOptions = {},
): Subscription {
  const batchSize = options.batchSize ?? 500;
  const retryMs = options.retryMs ?? 1000;
  const map = options.map ?? ((e: EventEnvelope) => e);
  let position: number | 'end' = from;
  let stopped = false;
  let current: AllStreamSubscription | undefined;
  const { sleep: pause, wake } = wakeableSleep();

  const run = async (sub: AllStreamSubscription) => {
    let batch: EventEnvelope[] = [];
    for await (const r of sub) {
      if (stopped) return;
      const e = r.event;
      if (!e || isInternal(e.streamId, e.type)) continue;
      // Whether the server starts at or after a position, what we already handed on is dropped.
      if (typeof position === 'number' && position > 0 && comparePositions(e.position, fromGlobalPosition(position)) <= 0) continue;
      batch.push(map(toEnvelope(r)));
      // Hand on what has arrived: a full batch, or whatever is buffered once the buffer is empty.
      // The client's subscription is a Node Readable at run time; its type does not say so.
      if (batch.length >= batchSize || (sub as unknown as Readable).readableLength === 0) {
        await handler(batch);
        position = batch[batch.length - 1].globalPosition;
        batch = [];
      }
    }
  };

  const loop = (async () => {
    while (!stopped) {
      const fromPosition = position === 'end' ? END : position === 0 ? START : fromGlobalPosition(position);
      const sub = client.subscribeToAll({ fromPosition, filter: registryEventsFilter() });
      current = sub;
      try {
        await run(sub);
      } catch {
        // Unreachable server, cancelled call or failing handler: start again from `position`.
      } finally {
        current = undefined;
        await sub.unsubscribe().catch(() => undefined);
      }
      if (!stopped) await pause(retryMs);
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake();
      await current?.unsubscribe().catch(() => undefined);
      await loop;
    },
  };
}
