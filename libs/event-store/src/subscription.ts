import type { EventEmitter } from 'node:events';
import type { EventEnvelope } from './envelope';
import type { EventStore, SubscribeOptions, Subscription } from './event-store.port';

/**
 * Catch-up subscription over `readAll`: reads batches until caught up, then waits for an
 * in-process append notification or the poll interval (other processes may append too).
 * The handler runs for one batch at a time; a failing handler is retried after a pause,
 * from the same position, so no event is skipped.
 */
export function pollingSubscription(
  store: Pick<EventStore, 'readAll'>,
  appended: EventEmitter,
  after: number,
  handler: (events: EventEnvelope[]) => Promise<void>,
  options: SubscribeOptions = {},
): Subscription {
  const batchSize = options.batchSize ?? 500;
  const pollMs = options.pollIntervalMs ?? 250;
  let position = after;
  let stopped = false;
  const { sleep, wake } = wakeableSleep();
  const onAppend = () => wake();
  appended.on('appended', onAppend);

  const loop = (async () => {
    while (!stopped) {
      try {
        const batch = await store.readAll(position, batchSize);
        if (stopped) break;
        if (batch.length === 0) {
          await sleep(pollMs);
          continue;
        }
        await handler(batch);
        position = batch[batch.length - 1].globalPosition;
      } catch {
        if (!stopped) await sleep(Math.max(pollMs, 1000));
      }
    }
  })();

  return {
    async stop() {
      stopped = true;
      appended.off('appended', onAppend);
      wake();
      await loop;
    },
  };
}

/** A sleep that `wake()` ends at once: an append notification or a stop must not wait out a poll. */
export function wakeableSleep(): { sleep: (ms: number) => Promise<void>; wake: () => void } {
  let wake: (() => void) | undefined;
  return {
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      }),
    wake: () => wake?.(),
  };
}
