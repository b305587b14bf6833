import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { type EventEnvelope, type Projection, type ProjectionContext, ProjectionRunner, SqlDatabase, SqlEventStore } from '@app/event-store';
import { newTestStorage, openTestDataSource, type TestStorage } from '../support/test-storage';

@Entity('rm_test_counts')
class CountRow {
  @PrimaryColumn({ type: 'varchar', length: 50 }) key!: string;
  @Column({ type: 'integer' }) n!: number;
  @Column({ type: 'simple-json' }) seen!: number[];
}

/** Counts events per stream and remembers every position it saw: a skip or a repeat shows. */
class CountingProjection implements Projection {
  readonly name: string = 'test-counts';
  readonly entities = [CountRow];
  readonly eventTypes = ['test.Counted', 'test.Poison'];
  calls = 0;
  constructor(readonly version = 1) {}

  async handle(events: EventEnvelope[], ctx: ProjectionContext) {
    this.calls++;
    for (const e of events) {
      if (e.type === 'test.Poison' && e.data.explode) throw new Error('poison event');
      const row = await ctx.find<CountRow>(CountRow, { key: e.streamId });
      if (row) await ctx.update(CountRow, { n: row.n + 1, seen: [...row.seen, e.globalPosition] }, { key: e.streamId });
      else await ctx.insert(CountRow, { key: e.streamId, n: 1, seen: [e.globalPosition] });
    }
  }
}

async function rows(ds: DataSource, table = 'rm_test_counts') {
  const r = await ds.query<Array<{ key: string; n: number | string; seen: string }>>(`SELECT "key", n, seen FROM "${table}" ORDER BY "key"`);
  return r.map((x) => ({ key: x.key, n: Number(x.n), seen: x.seen }));
}

describe('ProjectionRunner', () => {
  let storage: TestStorage;
  let ds: DataSource;
  let ds2: DataSource;
  let store: SqlEventStore;

  beforeAll(async () => {
    storage = newTestStorage();
    ds = await openTestDataSource(storage, [CountRow]);
    // PostgreSQL: a second pool, as another process would have. SQLite: one connection per
    // process (its busy wait would block this very thread), the queue is what serialises.
    ds2 = storage.config.kind === 'postgres' ? await openTestDataSource(storage, [CountRow]) : ds;
    store = new SqlEventStore(new SqlDatabase(ds));
    for (let i = 0; i < 60; i++) {
      await store.append(`s-${i % 7}`, [
        { type: 'test.Counted', data: { i } },
        { type: 'test.Ignored', data: {} },
      ]);
    }
  });
  afterAll(async () => {
    if (ds2 !== ds) await ds2.destroy();
    await ds.destroy();
    await storage.cleanup();
  });

  it('applies every event exactly once when two runners race on one checkpoint', async () => {
    const a = new ProjectionRunner(new SqlDatabase(ds), store, [new CountingProjection()], { batchSize: 7 });
    const b = new ProjectionRunner(new SqlDatabase(ds2), new SqlEventStore(new SqlDatabase(ds2)), [new CountingProjection()], { batchSize: 5 });
    await a.prepare();
    await b.prepare();
    await Promise.all([a.catchUp(), b.catchUp(), a.catchUp()]);
    const result = await rows(ds);
    expect(result.reduce((sum: number, r: { n: number }) => sum + r.n, 0)).toBe(60);
    const positions = result.flatMap((r: { seen: string }) => JSON.parse(r.seen) as number[]).sort((x: number, y: number) => x - y);
    expect(new Set(positions).size).toBe(60);
    expect((await a.positions())['test-counts']).toBe(await store.headPosition());
  });

  it('rebuilds blue/green into new tables with the same rows, while the old ones keep serving', async () => {
    const runner = new ProjectionRunner(new SqlDatabase(ds), store, [new CountingProjection()], { batchSize: 11 });
    await runner.prepare();
    await runner.catchUp();
    const live = await rows(ds);
    const progress: number[] = [];
    const { position } = await runner.rebuild('test-counts', (p) => progress.push(p.position));
    expect(position).toBe(await store.headPosition());
    expect(progress.length).toBeGreaterThan(1);
    expect(await rows(ds)).toEqual(live);
    const tables: Array<{ name: string }> =
      ds.options.type === 'postgres'
        ? await ds.query(`SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()`)
        : await ds.query(`SELECT name FROM sqlite_master WHERE type = 'table'`);
    expect(tables.map((t) => t.name).filter((n) => n.startsWith('rm_test_counts'))).toEqual(['rm_test_counts']);
  });

  it('rolls back a failing batch with its checkpoint, and retries from the same place', async () => {
    const runner = new ProjectionRunner(new SqlDatabase(ds), store, [new CountingProjection()], { batchSize: 100 });
    await runner.prepare();
    await runner.catchUp();
    const before = await rows(ds);
    const checkpoint = (await runner.positions())['test-counts'];
    await store.append('s-0', [{ type: 'test.Counted', data: {} }]);
    const poison = await store.append('poison', [{ type: 'test.Poison', data: { explode: true } }]);
    await expect(runner.catchUp()).rejects.toThrow('poison event');
    expect(await rows(ds)).toEqual(before);
    expect((await runner.positions())['test-counts']).toBe(checkpoint);
    expect(poison.lastPosition).toBeGreaterThan(checkpoint);
  });

  it('rebuilds a projection whose version changed before it runs live again', async () => {
    // The poison event from the previous test is still in the log: make this version skip it.
    class V2 extends CountingProjection {
      override async handle(events: EventEnvelope[], ctx: ProjectionContext) {
        return super.handle(
          events.filter((e) => e.type !== 'test.Poison'),
          ctx,
        );
      }
    }
    const runner = new ProjectionRunner(new SqlDatabase(ds), store, [new V2(2)], { batchSize: 50, pollIntervalMs: 10 });
    const stale = await runner.prepare();
    expect(stale.map((p) => p.name)).toEqual(['test-counts']);
    await runner.start();
    const head = await store.headPosition();
    for (let i = 0; i < 200 && (await runner.positions())['test-counts'] < head; i++) await new Promise((r) => setTimeout(r, 25));
    await runner.stop();
    const [cp] = await ds.query<Array<{ position: number | string; version: number | string }>>(
      `SELECT position, version FROM projection_checkpoints WHERE name = 'test-counts'`,
    );
    expect(Number(cp.version)).toBe(2);
    expect(Number(cp.position)).toBe(head);
    const total = (await rows(ds)).reduce((sum: number, r: { n: number }) => sum + r.n, 0);
    expect(total).toBe(61);
  });

  it('fails the batch, with its checkpoint, when a projection inserts a row that exists already', async () => {
    // New rows are written with a plain INSERT (no upsert): a duplicate is a projection bug to surface, not to paper over.
    class Duplicating extends CountingProjection {
      override readonly name = 'test-duplicating';
      override async handle(events: EventEnvelope[], ctx: ProjectionContext) {
        // Once per stream: a second insert in the same batch is caught by the context itself.
        const streams = new Set(events.filter((e) => e.type === 'test.Counted').map((e) => e.streamId));
        for (const key of streams) await ctx.insert(CountRow, { key, n: 0, seen: [] });
      }
    }
    const before = await rows(ds);
    expect(before.length).toBeGreaterThan(0);
    const runner = new ProjectionRunner(new SqlDatabase(ds), store, [new Duplicating()], { batchSize: 100 });
    await runner.prepare();
    await expect(runner.catchUp()).rejects.toThrow(/duplicate key|UNIQUE constraint/);
    expect(await rows(ds)).toEqual(before);
    expect((await runner.positions())['test-duplicating']).toBe(0);
  });
});
