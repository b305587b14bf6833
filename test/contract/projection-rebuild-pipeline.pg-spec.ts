import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { type EventEnvelope, type Projection, type ProjectionContext, ProjectionRunner, SqlDatabase, SqlEventStore } from '@app/event-store';
import { newTestStorage, openTestDataSource, type TestStorage } from '../support/test-storage';

@Entity('rm_test_pipeline')
class TallyRow {
  @PrimaryColumn({ type: 'varchar', length: 50 }) key!: string;
  @Column({ type: 'integer' }) bucket!: number;
  @Column({ type: 'integer' }) n!: number;
  @Column({ type: 'simple-json' }) seen!: number[];
  /** Set for the whole bucket by a statement that names no key (not held in the unit of work). */
  @Column({ type: 'integer' }) lastInBucket!: number;
  /** What this row's `lastInBucket` was when its own stream's event came: reads what came before. */
  @Column({ type: 'simple-json' }) observed!: number[];
}

/** Each event reads its stream's row (by key) and then writes its whole bucket (by query). */
class TallyProjection implements Projection {
  readonly name = 'test-pipeline';
  readonly version = 1;
  readonly entities = [TallyRow];
  readonly eventTypes = ['test.Tallied'];

  async handle(events: EventEnvelope[], ctx: ProjectionContext) {
    for (const e of events) {
      const key = e.streamId;
      const bucket = Number(e.data.bucket);
      const row = await ctx.find<TallyRow>(TallyRow, { key });
      if (row) {
        await ctx.update(TallyRow, { n: row.n + 1, seen: [...row.seen, e.globalPosition], observed: [...row.observed, row.lastInBucket] }, { key });
      } else {
        await ctx.insert(TallyRow, { key, bucket, n: 1, seen: [e.globalPosition], lastInBucket: 0, observed: [0] });
      }
      await ctx.update(TallyRow, { lastInBucket: e.globalPosition }, { bucket });
    }
  }
}

async function rows(ds: DataSource) {
  return ds.query<Array<Record<string, unknown> & { n: number | string }>>(
    `SELECT "key", bucket, n, seen, "lastInBucket", observed FROM rm_test_pipeline ORDER BY "key"`,
  );
}

/**
 * A PostgreSQL rebuild projects batch N+1 while batch N still writes and commits (ADR 0030).
 * A trigger holds every rebuild batch 100 ms before its writes, so N+1 always reads while N
 * has not committed: a row N holds, or changed by a statement naming no key, read from the
 * table then would be stale, and the rebuilt rows would differ from the live ones.
 */
describe('PostgreSQL rebuild: the next batch projected while the previous one commits', () => {
  let storage: TestStorage;
  let ds: DataSource;
  let store: SqlEventStore;

  beforeAll(async () => {
    storage = newTestStorage('postgres');
    ds = await openTestDataSource(storage, [TallyRow]);
    store = new SqlEventStore(new SqlDatabase(ds));
    for (let i = 0; i < 120; i++) await store.append(`s-${i % 7}`, [{ type: 'test.Tallied', data: { bucket: (i % 7) % 3 } }]);
  });
  afterAll(async () => {
    await ds.destroy();
    await storage.cleanup();
  });

  it('rebuilds exactly the rows of the live run, batch after batch', async () => {
    const runner = new ProjectionRunner(new SqlDatabase(ds), store, [new TallyProjection()], { batchSize: 5, rebuildBatchSize: 10 });
    await runner.prepare();
    await runner.catchUp();
    const live = await rows(ds);
    expect(live).toHaveLength(7);
    expect(live.reduce((sum, r) => sum + Number(r.n), 0)).toBe(120);

    await ds.query(`
      CREATE FUNCTION slow_rebuild_batch() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.name LIKE '%#rebuild-%' AND NEW.position > OLD.position THEN PERFORM pg_sleep(0.1); END IF;
        RETURN NEW;
      END $$`);
    await ds.query(`CREATE TRIGGER slow_rebuild_batch BEFORE UPDATE ON projection_checkpoints FOR EACH ROW EXECUTE FUNCTION slow_rebuild_batch()`);
    try {
      const progress: number[] = [];
      const { position } = await runner.rebuild('test-pipeline', (p) => progress.push(p.position));
      expect(position).toBe(120);
      expect(progress[progress.length - 1]).toBe(120);
      expect(await rows(ds)).toEqual(live);
    } finally {
      await ds.query('DROP TRIGGER slow_rebuild_batch ON projection_checkpoints');
      await ds.query('DROP FUNCTION slow_rebuild_batch()');
    }
  });
});
