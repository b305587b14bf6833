import { DataSource } from 'typeorm';
import { type EventStore, SqlDatabase, SqlEventStore, eventsBehind } from '@app/event-store';
import { newTestStorage, openTestDataSource, type TestStorage } from '../support/test-storage';

/**
 * Projection lag in events (`registry projections status`, oversight_projection_lag_events):
 * a subtraction on the gap-free SQL log; counted by reading on a sparse log (KurrentDB), where a
 * subtraction of byte offsets would be meaningless. Both ways must agree on the same real log.
 */
describe('eventsBehind', () => {
  let storage: TestStorage;
  let ds: DataSource;
  let store: SqlEventStore;

  beforeAll(async () => {
    storage = newTestStorage();
    ds = await openTestDataSource(storage);
    store = new SqlEventStore(new SqlDatabase(ds));
    for (let i = 0; i < 7; i++)
      await store.append(`lag-${i % 3}`, [
        { type: 'test.Lag', data: { i } },
        { type: 'test.Lag', data: { i } },
      ]);
  });
  afterAll(async () => {
    await ds.destroy();
    await storage.cleanup();
  });

  it('subtracts on a gap-free log and counts the same number of events when positions are sparse', async () => {
    expect((store as EventStore).gapFreePositions).not.toBe(false);
    const head = await store.headPosition();
    expect(head).toBe(14);
    // The counting path, reading this real log: what the KurrentDB adapter (gapFreePositions = false) gets.
    const counting = { gapFreePositions: false, readAll: store.readAll.bind(store) };
    for (const position of [0, 1, 5, 13, 14, 20]) {
      const expected = Math.max(0, head - position);
      expect(await eventsBehind(store, position, head)).toBe(expected);
      expect(await eventsBehind(counting, position, head)).toBe(expected);
    }
  });

  it('counts only up to the head it was given, and at most the cap', async () => {
    const counting = { gapFreePositions: false, readAll: store.readAll.bind(store) };
    await store.append('lag-later', [{ type: 'test.Lag', data: {} }]);
    expect(await eventsBehind(counting, 2, 14)).toBe(12);
    expect(await eventsBehind(counting, 0, 15, 5)).toBe(5);
  });
});
