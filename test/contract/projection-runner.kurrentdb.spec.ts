import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { type EventEnvelope, KurrentDbEventStore, type Projection, type ProjectionContext, ProjectionRunner, SqlDatabase } from '@app/event-store';
import { newTestStorage, openTestDataSource, type TestStorage } from '../support/test-storage';

/**
 * Projections with the events in KurrentDB and checkpoints + read models in SQL: exactly once
 * when two runners race, the checkpoint at KurrentDB's (sparse) head, and a runner woken by an
 * append from another client through the filtered $all subscription, not by its poll.
 * Runs only with KURRENTDB_URL (a throw-away server: it reads $all from the start); see
 * docs/kurrentdb.md. Without it, it says that it did not run.
 */
const url = process.env.KURRENTDB_URL;
const run = `r${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

@Entity('rm_test_kurrent_seen')
class SeenRow {
  @PrimaryColumn({ type: 'varchar', length: 80 }) eventId!: string;
  @Column({ type: 'bigint' }) position!: string;
}

/** Records every event of this run it applies; a repeat breaks the primary key. */
class SeenProjection implements Projection {
  readonly name = 'test-kurrent-seen';
  readonly version = 1;
  readonly entities = [SeenRow];
  async handle(events: EventEnvelope[], ctx: ProjectionContext) {
    const ours = events.filter((e) => e.streamId.startsWith(`${run}-`));
    if (ours.length)
      await ctx.insert(
        SeenRow,
        ours.map((e) => ({ eventId: e.eventId, position: String(e.globalPosition) })),
      );
  }
}

if (url) {
  describe(`ProjectionRunner on KurrentDB (${url.replace(/\/\/[^@/]*@/, '//***@')})`, () => {
    let storage: TestStorage;
    let ds: DataSource;
    let ds2: DataSource;
    const stores: KurrentDbEventStore[] = [];
    const kurrent = () => {
      const s = KurrentDbEventStore.fromConnectionString(url);
      stores.push(s);
      return s;
    };
    const seen = async () => (await ds.query<Array<{ position: string }>>('SELECT position FROM rm_test_kurrent_seen')).map((r) => Number(r.position));

    beforeAll(async () => {
      storage = newTestStorage();
      ds = await openTestDataSource(storage, [SeenRow]);
      ds2 = storage.config.kind === 'postgres' ? await openTestDataSource(storage, [SeenRow]) : ds;
    });
    afterAll(async () => {
      for (const s of stores) await s.dispose();
      if (ds2 !== ds) await ds2.destroy();
      await ds.destroy();
      await storage.cleanup();
    });

    it('applies every event exactly once when two runners race, and checkpoints at the sparse head', async () => {
      const writer = kurrent();
      const positions: number[] = [];
      for (let i = 0; i < 30; i++) {
        const r = await writer.append(`${run}-${i % 4}`, [
          { type: 'test.Seen', data: { i } },
          { type: 'test.Seen', data: { i } },
        ]);
        positions.push(...r.events.map((e) => e.globalPosition));
      }
      const a = new ProjectionRunner(new SqlDatabase(ds), kurrent(), [new SeenProjection()], { batchSize: 7 });
      const b = new ProjectionRunner(new SqlDatabase(ds2), kurrent(), [new SeenProjection()], { batchSize: 5 });
      await a.prepare();
      await b.prepare();
      await Promise.all([a.catchUp(), b.catchUp(), a.catchUp()]);
      expect((await seen()).sort((x: number, y: number) => x - y)).toEqual(positions);
      expect((await a.positions())['test-kurrent-seen']).toBe(await writer.headPosition());
    }, 120_000);

    it('wakes on an append by another client through the subscription, long before its poll', async () => {
      const reader = kurrent();
      const runner = new ProjectionRunner(new SqlDatabase(ds), reader, [new SeenProjection()], { pollIntervalMs: 600_000 });
      await runner.prepare();
      await runner.catchUp();
      await runner.start();
      const stopListening = reader.onAppended(() => runner.notify()); // as ProjectionRegistry does
      try {
        // Let the live subscription reach the end of $all before the append.
        await new Promise((r) => setTimeout(r, 2_000));
        const { lastPosition } = await kurrent().append(`${run}-pushed`, [{ type: 'test.Seen', data: {} }]);
        for (let i = 0; i < 100 && !(await seen()).includes(lastPosition); i++) await new Promise((r) => setTimeout(r, 100));
        expect(await seen()).toContain(lastPosition);
      } finally {
        stopListening();
        await runner.stop();
      }
    }, 60_000);
  });
} else {
  describe('ProjectionRunner on KurrentDB', () => {
    beforeAll(() => {
      console.warn(
        'ProjectionRunner-on-KurrentDB suite NOT RUN: KURRENTDB_URL is not set (no KurrentDB server can run on this machine); see docs/kurrentdb.md.',
      );
    });
    it('NOT RUN (no KURRENTDB_URL, no server on this machine)', () => {
      expect(process.env.KURRENTDB_URL).toBeUndefined();
    });
  });
}
