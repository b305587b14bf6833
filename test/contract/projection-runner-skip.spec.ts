import { DataSource, Entity, PrimaryColumn } from 'typeorm';
import { type EventEnvelope, type Projection, type ProjectionContext, ProjectionRunner, SqlDatabase, SqlEventStore } from '@app/event-store';
import { newTestStorage, openTestDataSource, type TestStorage } from '../support/test-storage';

@Entity('rm_test_skip')
class SeenRow {
  @PrimaryColumn({ type: 'integer' }) position!: number;
}

/** Reads only `test.Wanted`; records every position it applied. */
class WantedProjection implements Projection {
  readonly name = 'test-skip';
  readonly version = 1;
  readonly entities = [SeenRow];
  readonly eventTypes = ['test.Wanted'];
  async handle(events: EventEnvelope[], ctx: ProjectionContext) {
    await ctx.insert(
      SeenRow,
      events.map((e) => ({ position: e.globalPosition })),
    );
  }
}

/**
 * Events a projection does not read move its checkpoint without a commit of their own
 * (docs/adr/0009: one fsync per projection per append otherwise); the stored checkpoint still
 * reaches the head by the end of catchUp and on stop, and no wanted event is skipped or repeated.
 */
describe('ProjectionRunner over events a projection does not read', () => {
  let storage: TestStorage;
  let ds: DataSource;
  let store: SqlEventStore;

  beforeAll(async () => {
    storage = newTestStorage();
    ds = await openTestDataSource(storage, [SeenRow]);
    store = new SqlEventStore(new SqlDatabase(ds));
  });
  afterAll(async () => {
    await ds.destroy();
    await storage.cleanup();
  });

  const stored = async () =>
    Number((await ds.query<Array<{ position: number | string }>>(`SELECT position FROM projection_checkpoints WHERE name = 'test-skip'`))[0].position);
  const seen = async () =>
    (await ds.query<Array<{ position: number | string }>>(`SELECT position FROM rm_test_skip ORDER BY position`)).map((r) => Number(r.position));

  it('applies every wanted event once and still stores the head after catchUp and stop', async () => {
    const runner = new ProjectionRunner(new SqlDatabase(ds), store, [new WantedProjection()], { batchSize: 3, pollIntervalMs: 10 });
    await runner.prepare();
    const wanted: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await store.append(`s-${i}`, [{ type: i % 4 === 0 ? 'test.Wanted' : 'test.Other', data: { i } }]);
      if (i % 4 === 0) wanted.push(r.lastPosition);
    }
    await runner.catchUp();
    expect(await seen()).toEqual(wanted);
    expect(await stored()).toBe(await store.headPosition());

    await runner.start();
    for (let i = 0; i < 10; i++) {
      const r = await store.append(`t-${i}`, [{ type: i === 5 ? 'test.Wanted' : 'test.Other', data: { i } }]);
      if (i === 5) wanted.push(r.lastPosition);
      runner.notify();
    }
    const head = await store.headPosition();
    for (let i = 0; i < 200 && (await runner.positions())['test-skip'] < head; i++) await new Promise((r) => setTimeout(r, 10));
    await runner.stop();
    expect(await seen()).toEqual(wanted);
    expect(await stored()).toBe(head);
  });

  it('does not commit a batch of only unread events', async () => {
    const db = new SqlDatabase(ds);
    const runner = new ProjectionRunner(db, store, [new WantedProjection()], { batchSize: 3 });
    await runner.prepare();
    await runner.catchUp();
    for (let i = 0; i < 9; i++) await store.append(`u-${i}`, [{ type: 'test.Other', data: { i } }]);
    const transactions = jest.spyOn(db, 'transaction');
    await runner.catchUp();
    // Three batches, no commit of their own: only the checkpoint they moved, written once at
    // the end of catchUp, and without waiting for a flush (it can be derived again).
    expect(transactions).toHaveBeenCalledTimes(1);
    expect(transactions).toHaveBeenCalledWith(expect.any(Function), { durable: false });
    expect(await stored()).toBe(await store.headPosition());
  });
});
