import fc from 'fast-check';
import { Column, Entity, PrimaryColumn, type DataSource } from 'typeorm';
import {
  ConcurrencyError,
  type EventEnvelope,
  type ExpectedRevision,
  type Projection,
  type ProjectionContext,
  ProjectionRunner,
  SqlDatabase,
  SqlEventStore,
} from '@app/event-store';
import { snapshotReadModels } from '../support/read-models';
import { newTestStorage, openTestDataSource, testStorageKind, type TestStorage } from '../support/test-storage';
import { pick } from './support';

/** Per stream: how many events took effect, the sum of their positions, the last revision seen. */
@Entity('prop_stream_tally')
class StreamTally {
  @PrimaryColumn({ type: 'varchar', length: 100 }) streamId!: string;
  @Column({ type: 'integer' }) events!: number;
  @Column({ type: 'bigint' }) positionSum!: number;
  @Column({ type: 'integer' }) lastRevision!: number;
}

class TallyProjection implements Projection {
  readonly name = 'prop-tally';
  readonly version = 1;
  readonly entities = [StreamTally];
  async handle(events: EventEnvelope[], ctx: ProjectionContext): Promise<void> {
    for (const e of events) {
      if (!e.streamId.startsWith('prop-')) continue;
      await ctx.increment(StreamTally, { streamId: e.streamId }, { events: 1, positionSum: e.globalPosition }, { lastRevision: -1 });
      await ctx.upsert(StreamTally, { streamId: e.streamId, lastRevision: e.streamRevision }, ['streamId']);
    }
  }
}

type Expect = 'any' | 'no_stream' | 'current' | 'stale';
type Op =
  | { kind: 'append'; via: 0 | 1; stream: number; count: number; expect: Expect }
  | { kind: 'readAll'; via: 0 | 1; after: number; limit: number }
  | { kind: 'project'; via: 0 | 1 };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      via: fc.constantFrom(0 as const, 1 as const),
      stream: fc.nat(3),
      count: fc.integer({ min: 1, max: 3 }),
      expect: fc.constantFrom<Expect>('any', 'no_stream', 'current', 'stale'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('readAll' as const),
      via: fc.constantFrom(0 as const, 1 as const),
      after: fc.nat(40),
      limit: fc.integer({ min: 1, max: 50 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('project' as const), via: fc.constantFrom(0 as const, 1 as const) }) },
);
/** A scenario: steps run one after the other; the operations of a step run concurrently. */
const scenario = fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: pick(6, 12) });

/**
 * Property-based test of the event store (docs/design.md §3–4) on the store this run targets: two
 * store instances and two projection runners (two PostgreSQL sessions) interleave appends with every kind of expected revision, reads
 * of the global log and projection runs. After every step: appends are atomic, a conflict writes
 * nothing, positions are one gap-free total order, a reader never sees a gap, stream revisions
 * are contiguous, and the projection applied every event exactly once (and equals a rebuild).
 */
describe(`Event store properties under interleaving (${testStorageKind()})`, () => {
  let storage: TestStorage;
  const ds: DataSource[] = [];
  let stores: SqlEventStore[];
  let runners: ProjectionRunner[];
  let run = 0;

  beforeAll(async () => {
    storage = newTestStorage();
    // SQLite: one connection per process (a second one in the same process would block the
    // event loop on the file lock), so both sides share it; PostgreSQL: two pools, two sessions.
    ds.push(await openTestDataSource(storage, [StreamTally]));
    ds.push(testStorageKind() === 'postgres' ? await openTestDataSource(storage, [StreamTally]) : ds[0]);
    stores = ds.map((d) => new SqlEventStore(new SqlDatabase(d)));
    runners = ds.map((d, i) => new ProjectionRunner(new SqlDatabase(d), stores[i], [new TallyProjection()], { batchSize: 7 }));
    await runners[0].prepare();
    await runners[1].prepare();
  });
  afterAll(async () => {
    for (const d of new Set(ds)) await d.destroy();
    await storage?.cleanup();
  });

  it(
    'keeps §3–4 invariants whatever the interleaving',
    async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async (steps) => {
          const prefix = `prop-${run++}-`;
          const revision = new Map<number, number>(); // model: last revision per stream of this run
          const written = new Map<number, EventEnvelope[]>();
          for (const step of steps) {
            const startRevision = new Map(revision);
            const outcomes = await Promise.allSettled(
              step.map(async (o) => {
                if (o.kind === 'readAll') return { o, read: await stores[o.via].readAll(o.after, o.limit) };
                if (o.kind === 'project') return { o, projected: await runners[o.via].catchUp() };
                const current = startRevision.get(o.stream);
                const expected: ExpectedRevision = o.expect === 'current' ? (current ?? 'no_stream') : o.expect === 'stale' ? (current ?? -1) + 1 : o.expect;
                const events = Array.from({ length: o.count }, (_, i) => ({ type: 'prop.Happened', data: { i, via: o.via } }));
                try {
                  return { o, result: await stores[o.via].append(`${prefix}${o.stream}`, events, { expectedRevision: expected }) };
                } catch (err) {
                  if (!(err instanceof ConcurrencyError)) throw err;
                  return { o, conflict: true as const };
                }
              }),
            );
            for (const r of outcomes) if (r.status === 'rejected') throw r.reason;
            const done = outcomes.map(
              (r) => (r as PromiseFulfilledResult<{ o: Op; read?: EventEnvelope[]; result?: { events: EventEnvelope[] }; conflict?: true }>).value,
            );

            for (const d of done) {
              if (d.read) {
                // A reader sees one gap-free ascending run right after `after`: nothing skipped.
                const positions = d.read.map((e) => e.globalPosition);
                expect(positions).toEqual(positions.map((_, i) => (d.o as { after: number }).after + 1 + i));
              }
              if (d.result) {
                const o = d.o as Extract<Op, { kind: 'append' }>;
                expect(d.result.events).toHaveLength(o.count);
                written.set(o.stream, [...(written.get(o.stream) ?? []), ...d.result.events]);
              }
              if (d.conflict) {
                const o = d.o as Extract<Op, { kind: 'append' }>;
                // Only a wrong expectation conflicts: 'stale' always, 'no_stream'/'current' only if someone else wrote.
                expect(o.expect).not.toBe('any');
              }
            }
            // Per stream of this run: the stored stream is exactly the acknowledged appends, in position order.
            for (const [stream, events] of written) {
              const stored = await stores[0].readStream(`${prefix}${stream}`);
              const acknowledged = [...events].sort((a, b) => a.globalPosition - b.globalPosition);
              expect(stored.map((e) => e.eventId)).toEqual(acknowledged.map((e) => e.eventId));
              expect(stored.map((e) => e.streamRevision)).toEqual(stored.map((_, i) => i));
              revision.set(stream, stored.length - 1);
            }
            for (const d of done) {
              const o = d.o;
              const alone = step.filter((x) => x.kind === 'append' && x.stream === (o as { stream?: number }).stream).length === 1;
              // Alone on its stream, an append with an expectation that cannot hold must conflict.
              if (o.kind === 'append' && alone && (o.expect === 'stale' || (o.expect === 'no_stream' && startRevision.has(o.stream))))
                expect(d.conflict).toBe(true);
              if (o.kind === 'append' && alone && o.expect !== 'stale' && !(o.expect === 'no_stream' && startRevision.has(o.stream)))
                expect(d.result).toBeDefined();
            }
          }

          // The whole log: one total order 1..head with no gap and no duplicate.
          const all = await stores[1].readAll(0, 1_000_000);
          expect(all.map((e) => e.globalPosition)).toEqual(all.map((_, i) => i + 1));
          expect(new Set(all.map((e) => e.eventId)).size).toBe(all.length);

          // Both runners race to the head; every event took effect exactly once.
          await Promise.all(runners.map((r) => r.catchUp()));
          const tally: Array<{ streamId: string; events: number; positionSum: number | string; lastRevision: number }> = await ds[0].query(
            `SELECT * FROM prop_stream_tally WHERE "streamId" LIKE '${prefix}%' ORDER BY "streamId"`,
          );
          const expected = new Map<string, { events: number; positionSum: number; lastRevision: number }>();
          for (const e of all.filter((x) => x.streamId.startsWith(prefix))) {
            const t = expected.get(e.streamId) ?? { events: 0, positionSum: 0, lastRevision: -1 };
            expected.set(e.streamId, { events: t.events + 1, positionSum: t.positionSum + e.globalPosition, lastRevision: e.streamRevision });
          }
          expect(
            tally.map((t) => ({ streamId: t.streamId, events: Number(t.events), positionSum: Number(t.positionSum), lastRevision: Number(t.lastRevision) })),
          ).toEqual([...expected].sort(([a], [b]) => a.localeCompare(b)).map(([streamId, v]) => ({ streamId, ...v })));
        }),
        { numRuns: pick(12, 150) },
      );
      // And a rebuild from position 0 yields the same rows as the live, interleaved runs.
      const live = await snapshotReadModels(ds[0], runners[0]);
      await runners[0].rebuild('prop-tally');
      expect(await snapshotReadModels(ds[0], runners[0])).toEqual(live);
    },
    pick(120_000, 1_200_000),
  );
});
