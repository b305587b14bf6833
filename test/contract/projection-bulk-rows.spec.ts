import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { type EventEnvelope, type Projection, type ProjectionContext, ProjectionRunner, SqlDatabase, SqlEventStore } from '@app/event-store';
import { newTestStorage, openTestDataSource, type TestStorage } from '../support/test-storage';

@Entity('rm_test_bulk')
class BulkRow {
  @PrimaryColumn({ type: 'bigint' }) position!: number;
  @Column({ type: 'varchar', length: 200 }) label!: string;
  @Column({ type: 'text', nullable: true }) note!: string | null;
  @Column({ type: 'integer' }) n!: number;
  @Column({ type: 'boolean' }) flag!: boolean;
  @Column({ type: 'simple-json' }) data!: unknown;
}

/** Values COPY's text format must escape, or could confuse with its own markers. */
const AWKWARD = ['tab\there', 'line\nbreak', 'cr\rhere', 'back\\slash', '\\N', '\\.', '', 'ünïcødé ✓ 患者', 'end\\'];

function labelOf(i: number) {
  return `${AWKWARD[i % AWKWARD.length]}#${i}`;
}

/** One new row per event: a rebuild's batch sends hundreds of them in one write. */
class BulkProjection implements Projection {
  readonly name = 'test-bulk';
  readonly version = 1;
  readonly entities = [BulkRow];
  readonly eventTypes = ['test.Bulk'];
  duplicateAt?: number;

  async handle(events: EventEnvelope[], ctx: ProjectionContext) {
    for (const e of events) {
      const i = e.data.i as number;
      await ctx.insert(BulkRow, {
        position: this.duplicateAt === e.globalPosition ? 1 : e.globalPosition,
        label: labelOf(i),
        note: i % 4 === 0 ? null : AWKWARD[(i + 3) % AWKWARD.length],
        n: i % 2 ? -i : i * 1000,
        flag: i % 3 === 0,
        data: { i, text: AWKWARD[i % AWKWARD.length], nested: [i, null, 'a\tb'] },
      });
    }
  }
}

async function stored(ds: DataSource, table = 'rm_test_bulk') {
  const rows: Array<Record<string, unknown>> = await ds.query(`SELECT position, label, note, n, flag, data FROM "${table}" ORDER BY position`);
  return rows.map((r) => ({
    position: Number(r.position),
    label: r.label,
    note: r.note,
    n: Number(r.n),
    flag: Boolean(r.flag),
    data: JSON.parse(String(r.data)) as unknown,
  }));
}

describe('Projection rows written in bulk (COPY on PostgreSQL)', () => {
  let storage: TestStorage;
  let ds: DataSource;
  let store: SqlEventStore;
  const EVENTS = 700;

  beforeAll(async () => {
    storage = newTestStorage();
    ds = await openTestDataSource(storage, [BulkRow]);
    store = new SqlEventStore(new SqlDatabase(ds));
    for (let i = 0; i < EVENTS; i += 100) {
      await store.append(
        `bulk-${i}`,
        Array.from({ length: 100 }, (_, k) => ({ type: 'test.Bulk', data: { i: i + k } })),
      );
    }
  });
  afterAll(async () => {
    await ds.destroy();
    await storage.cleanup();
  });

  it('stores every value as given, escapes included, live and after a rebuild', async () => {
    const runner = new ProjectionRunner(new SqlDatabase(ds), store, [new BulkProjection()], { batchSize: 500 });
    await runner.prepare();
    await runner.catchUp();
    const expected = Array.from({ length: EVENTS }, (_, i) => ({
      position: i + 1,
      label: labelOf(i),
      note: i % 4 === 0 ? null : AWKWARD[(i + 3) % AWKWARD.length],
      n: i % 2 ? -i : i * 1000,
      flag: i % 3 === 0,
      data: { i, text: AWKWARD[i % AWKWARD.length], nested: [i, null, 'a\tb'] },
    }));
    expect(await stored(ds)).toEqual(expected);
    await runner.rebuild('test-bulk');
    expect(await stored(ds)).toEqual(expected);
  });

  it('fails the whole batch, with its checkpoint, when one of many new rows exists already', async () => {
    const before = await stored(ds);
    const projection = new BulkProjection();
    // In the second batch of the rebuild (events 501–700): the row is in the table, not in the batch.
    projection.duplicateAt = 600;
    const runner = new ProjectionRunner(new SqlDatabase(ds), store, [projection], { batchSize: 100, rebuildBatchSize: 500 });
    await expect(runner.rebuild('test-bulk')).rejects.toThrow(/duplicate key|UNIQUE constraint/);
    // The live tables are untouched and the failed rebuild left nothing behind.
    expect(await stored(ds)).toEqual(before);
    const checkpoints: Array<{ name: string }> = await ds.query(`SELECT name FROM projection_checkpoints WHERE name LIKE 'test-bulk%'`);
    expect(checkpoints.map((c) => c.name)).toEqual(['test-bulk']);
  });
});
