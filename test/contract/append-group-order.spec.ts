import { ConcurrencyError, SqlDatabase, SqlEventStore, type AppendResult } from '@app/event-store';
import { newTestStorage, openTestDataSource, testStorageKind, type TestStorage } from '../support/test-storage';

/**
 * The SQL store groups appends that queue up together into one transaction (ADR 0018), and on
 * SQLite checks and inserts a group without idempotency keys together (ADR 0048). Appends to one
 * stream made in one loop are decided in the order they were made, each seeing the ones before.
 */
describe(`append group: appends to one stream made together, in call order (${testStorageKind()})`, () => {
  let storage: TestStorage;
  let store: SqlEventStore;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    storage = newTestStorage();
    const ds = await openTestDataSource(storage);
    store = new SqlEventStore(new SqlDatabase(ds));
    cleanup = async () => {
      await ds.destroy();
      await storage.cleanup();
    };
  });
  afterAll(() => cleanup());

  it('each append sees the earlier ones of its group: chained revisions pass, a stale one is refused and takes no position', async () => {
    const s = `group-${Date.now()}`;
    const others = Array.from({ length: 10 }, (_, i) => `group-other-${Date.now()}-${i}`);
    const head = await store.headPosition();
    const ev = (n: number) => ({ type: 'contract.G', data: { n } });
    const outcomes = await Promise.allSettled<AppendResult>([
      store.append(s, [ev(0)], { expectedRevision: 'no_stream' }),
      ...others.map((o, i) => store.append(o, [ev(100 + i)], { expectedRevision: 'no_stream' })),
      store.append(s, [ev(1), ev(2)], { expectedRevision: 0 }),
      store.append(s, [ev(9)], { expectedRevision: 0 }),
      store.append(s, [ev(3)], { expectedRevision: 2 }),
      store.append(s, [ev(8)], { expectedRevision: 'no_stream' }),
      store.append(s, [ev(4)], { expectedRevision: 'stream_exists' }),
    ]);
    const mine = outcomes.slice(0, 1).concat(outcomes.slice(1 + others.length));
    expect(mine.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect((mine[2] as PromiseRejectedResult).reason).toMatchObject({ name: 'ConcurrencyError', actual: 2 });
    expect((mine[4] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
    const results = mine.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(results.map((r) => r.nextExpectedRevision)).toEqual([0, 2, 3, 4]);
    const events = await store.readStream(s);
    expect(events.map((e) => [e.streamRevision, e.data.n])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    // What each caller was answered is what is stored, position for position.
    for (const r of results)
      expect(r.events.map((e) => e.globalPosition)).toEqual(events.filter((e) => r.events.some((x) => x.eventId === e.eventId)).map((e) => e.globalPosition));
    const after = await store.readAll(head, 1000);
    expect(after).toHaveLength(5 + others.length);
    expect(after.map((e) => e.globalPosition)).toEqual(after.map((_, i) => head + 1 + i));
  });
});
