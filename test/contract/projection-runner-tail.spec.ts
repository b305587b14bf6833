import type { DataSource } from 'typeorm';
import { type EventEnvelope, type Projection, ProjectionRunner, SqlDatabase, SqlEventStore } from '@app/event-store';
import { newTestStorage, openTestDataSource, type TestStorage } from '../support/test-storage';

/** Records, in memory, every event handed to it. */
class Recorder implements Projection {
  readonly version = 1;
  readonly entities = [];
  readonly seen: number[] = [];
  constructor(
    readonly name: string,
    readonly eventTypes?: string[],
  ) {}
  handle(events: EventEnvelope[]) {
    for (const e of events) this.seen.push(e.globalPosition);
    return Promise.resolve();
  }
}

/**
 * The live projections share the log's tail (ADR 0044): an appended page is read from the store
 * once, not once per projection, and each projection still gets every event it reads exactly once,
 * in order, whether the tail holds it or it was pushed out.
 */
describe('ProjectionRunner: projections share the tail of the log', () => {
  let storage: TestStorage;
  let ds: DataSource;
  let store: SqlEventStore;

  beforeAll(async () => {
    storage = newTestStorage();
    ds = await openTestDataSource(storage);
    store = new SqlEventStore(new SqlDatabase(ds));
  });
  afterAll(async () => {
    await ds.destroy();
    await storage.cleanup();
  });

  const waitFor = async (runner: ProjectionRunner, head: number) => {
    for (let i = 0; i < 500 && Object.values(await runner.positions()).some((p) => p < head); i++) await new Promise((r) => setTimeout(r, 10));
  };

  it('ten live projections read an appended batch from the store once, and each gets all of it', async () => {
    const projections = Array.from({ length: 10 }, (_, i) => new Recorder(`tail-${i}`, i % 2 ? ['test.Wanted'] : undefined));
    const runner = new ProjectionRunner(new SqlDatabase(ds), store, projections, { batchSize: 100, pollIntervalMs: 5_000 });
    await runner.prepare();
    await runner.start();
    // Let every loop go idle on the empty log before counting.
    await waitFor(runner, 0);
    await new Promise((r) => setTimeout(r, 100));
    const reads = jest.spyOn(store, 'readAll');
    const before = await store.headPosition();
    const appended = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.append(`tail-a-${i}`, [{ type: i % 5 ? 'test.Other' : 'test.Wanted', data: { i } }])),
    );
    runner.notify();
    const head = await store.headPosition();
    await waitFor(runner, head);
    await runner.stop();
    const pagesWithEvents = (await Promise.all(reads.mock.results.map((r) => r.value as Promise<EventEnvelope[]>))).filter((page) => page.length > 0);
    reads.mockRestore();
    // One projection per loop would be 10 pages (or more); shared, it is the pages the appends made visible.
    expect(pagesWithEvents.length).toBeLessThanOrEqual(3);
    const all = appended.map((r) => r.lastPosition).sort((a, b) => a - b);
    const wanted = appended
      .filter((_, i) => i % 5 === 0)
      .map((r) => r.lastPosition)
      .sort((a, b) => a - b);
    for (const [i, p] of projections.entries()) expect(p.seen.filter((x) => x > before)).toEqual(i % 2 ? wanted : all);
  });

  it('hands every event once, in order, when the tail is smaller than a batch and is pushed out', async () => {
    const projections = Array.from({ length: 4 }, (_, i) => new Recorder(`small-tail-${i}`));
    const runner = new ProjectionRunner(new SqlDatabase(ds), store, projections, { batchSize: 7, tailSize: 3, pollIntervalMs: 10 });
    await runner.prepare();
    await runner.start();
    for (let i = 0; i < 60; i++) {
      await store.append(`small-${i % 9}`, [{ type: 'test.Other', data: { i } }]);
      if (i % 4 === 0) runner.notify();
    }
    const head = await store.headPosition();
    await waitFor(runner, head);
    await runner.stop();
    const everything = Array.from({ length: head }, (_, i) => i + 1);
    for (const p of projections) expect(p.seen).toEqual(everything);
  });

  it('under test, the events it hands out are frozen: a projection cannot change what the others see', async () => {
    let changed: unknown;
    const meddler: Projection = {
      name: 'tail-meddler',
      version: 1,
      entities: [],
      handle(events) {
        try {
          (events[0].data as Record<string, unknown>).i = 'changed';
        } catch (e) {
          changed = e;
        }
        return Promise.resolve();
      },
    };
    const runner = new ProjectionRunner(new SqlDatabase(ds), store, [meddler], { batchSize: 10 });
    await runner.prepare();
    await runner.catchUp();
    expect(changed).toBeInstanceOf(TypeError);
  });
});
