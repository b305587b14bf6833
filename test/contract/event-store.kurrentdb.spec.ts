import { KurrentDbEventStore, UpcasterRegistry } from '@app/event-store';
import { eventStoreContract } from './event-store.contract';

/**
 * The EventStore contract against a live KurrentDB / EventStoreDB server, e.g.
 *   docker compose --profile kurrentdb up -d kurrentdb
 *   KURRENTDB_URL=esdb://localhost:2113?tls=false npx jest test/contract/event-store.kurrentdb.spec.ts
 * Each run writes fresh streams (unique names); nothing is deleted afterwards.
 * Without KURRENTDB_URL the suite does not run, and says so in the test output.
 */
const url = process.env.KURRENTDB_URL;

if (url) {
  eventStoreContract(`KurrentDB (${url.replace(/\/\/[^@/]*@/, '//***@')})`, ({ upcasters = [] }) => {
    const registry = () => new UpcasterRegistry().register(...upcasters);
    const store = KurrentDbEventStore.fromConnectionString(url, registry());
    const other = KurrentDbEventStore.fromConnectionString(url, registry());
    return Promise.resolve({
      store,
      other,
      gapFreePositions: false,
      uniqueEventIdsAcrossStreams: false,
      cleanup: async () => {
        await store.dispose();
        await other.dispose();
      },
    });
  });
} else {
  const why =
    'KurrentDB contract suite NOT RUN: KURRENTDB_URL is not set. No KurrentDB server can run on the machine ' +
    'this was written on (no container engine, no package), so the adapter has never passed it here; ' +
    'to run it: docker compose --profile kurrentdb up -d kurrentdb, then ' +
    'KURRENTDB_URL=esdb://localhost:2113?tls=false npx jest test/contract/event-store.kurrentdb.spec.ts';
  describe('EventStore contract: KurrentDB', () => {
    beforeAll(() => {
      // Printed with the suite's output even when it passes, so a green run cannot be misread.
      console.warn(why);
    });
    it('NOT RUN (no KURRENTDB_URL, no server on this machine): only the mapping unit tests cover the adapter', () => {
      expect(process.env.KURRENTDB_URL).toBeUndefined();
    });
  });
}
