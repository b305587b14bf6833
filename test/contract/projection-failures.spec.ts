import { type DataSource, Entity, PrimaryColumn } from 'typeorm';
import { type EventEnvelope, type Projection, type ProjectionContext, ProjectionRunner, SqlDatabase, SqlEventStore } from '@app/event-store';
import { eventually } from '../reliability/support';
import { newTestStorage, openTestDataSource, type TestStorage } from '../support/test-storage';

@Entity('rm_test_notes_a')
class NoteA {
  @PrimaryColumn({ type: 'integer' }) position!: number;
}

@Entity('rm_test_notes_b')
class NoteB {
  @PrimaryColumn({ type: 'integer' }) position!: number;
}

/** Refuses a note marked `poison` while `refuse` is set, with the note's text in its message. */
class Refusing implements Projection {
  readonly name = 'test-refusing';
  readonly version = 1;
  readonly entities = [NoteA];
  readonly eventTypes = ['test.Noted'];
  refuse = true;
  async handle(events: EventEnvelope[], ctx: ProjectionContext) {
    for (const e of events) {
      if (this.refuse && e.data.poison) throw new Error(`cannot apply note "${String(e.data.text)}"`);
      await ctx.insert(NoteA, { position: e.globalPosition });
    }
  }
}

/** Reads the same events and never fails: it must not wait for the other one. */
class Steady implements Projection {
  readonly name = 'test-steady';
  readonly version = 1;
  readonly entities = [NoteB];
  readonly eventTypes = ['test.Noted'];
  async handle(events: EventEnvelope[], ctx: ProjectionContext) {
    await ctx.insert(
      NoteB,
      events.map((e) => ({ position: e.globalPosition })),
    );
  }
}

/**
 * A projection that fails on an event stops there (ADR 0003) and says so: the event's position,
 * type and stream, a sanitised error, since when and how many attempts, on its checkpoint row
 * where any process reads it. Other projections keep following the log; moving past the event
 * or a rebuild clears it.
 */
describe('ProjectionRunner: a failing projection is recorded, and only it stands still', () => {
  let storage: TestStorage;
  let ds: DataSource;
  let store: SqlEventStore;
  let runner: ProjectionRunner;
  const runners: ProjectionRunner[] = [];
  // A failed assertion must not leave a runner following the log (Jest would never exit).
  const newRunner = () => {
    runner = new ProjectionRunner(new SqlDatabase(ds), store, [refusing, new Steady()], { batchSize: 50, pollIntervalMs: 20, failureBackoffMs: 50 });
    runners.push(runner);
    return runner;
  };
  const refusing = new Refusing();
  const count = async (table: string) => Number((await ds.query<Array<{ n: number | string }>>(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
  const note = (i: number, extra: Record<string, unknown> = {}) => store.append(`note-${i}`, [{ type: 'test.Noted', data: { i, ...extra } }]);
  const statusOf = async (name: string) => (await runner.status()).find((s) => s.projection === name)!;

  beforeAll(async () => {
    storage = newTestStorage();
    ds = await openTestDataSource(storage, [NoteA, NoteB]);
    store = new SqlEventStore(new SqlDatabase(ds));
  });
  afterAll(async () => {
    for (const r of runners) await r.stop();
    await ds.destroy();
    await storage.cleanup();
  });

  it('names the one event a batch fails on, keeps the others going, and clears once it moves past', async () => {
    for (let i = 0; i < 5; i++) await note(i);
    const poison = await note(5, { poison: true, text: 'Jansen, Anna' });
    for (let i = 6; i < 10; i++) await note(i);
    await newRunner().start();

    // The first batch held all ten notes: narrowed, the five before the poison are applied.
    const stalled = await eventually(async () => (await statusOf('test-refusing')).failure, 10_000, 'failure recorded');
    expect(stalled).toMatchObject({ position: poison.lastPosition, eventType: 'test.Noted', streamId: 'note-5', error: 'cannot apply note "…"', attempts: 1 });
    expect(JSON.stringify(await runner.status())).not.toContain('Jansen');
    expect(Date.parse(stalled.since)).not.toBeNaN();
    expect((await statusOf('test-refusing')).position).toBe(poison.lastPosition - 1);
    expect(await count('rm_test_notes_a')).toBe(5);
    expect(runner.failed.get('test-refusing')).toBeGreaterThanOrEqual(1);

    // The other projection reads the same events and is at the head, and follows new ones.
    const later = await note(10);
    await eventually(async () => (await statusOf('test-steady')).position === later.lastPosition, 5_000, 'steady at the head');
    expect(await count('rm_test_notes_b')).toBe(11);
    expect((await statusOf('test-steady')).failure).toBeUndefined();

    // Retries count up on the same event; the start of the stall stays.
    const again = await eventually(
      async () => {
        const f = (await statusOf('test-refusing')).failure;
        return f && f.attempts >= 2 ? f : undefined;
      },
      10_000,
      'second attempt',
    );
    expect(again.since).toBe(stalled.since);
    expect(again.position).toBe(poison.lastPosition);

    // The fix is deployed: the next attempt after the back-off moves past and clears it.
    refusing.refuse = false;
    const last = await note(11);
    runner.notify();
    await eventually(
      async () => {
        const s = await statusOf('test-refusing');
        return s.position === last.lastPosition && !s.failure;
      },
      10_000,
      'recovered',
    );
    expect(await count('rm_test_notes_a')).toBe(12);
    await runner.stop();
  }, 60_000);

  it('a rebuild clears a recorded failure', async () => {
    refusing.refuse = true;
    const poison = await note(12, { poison: true, text: 'x' });
    await newRunner().start();
    expect((await eventually(async () => (await statusOf('test-refusing')).failure, 10_000, 'failure recorded')).position).toBe(poison.lastPosition);
    await runner.stop();

    refusing.refuse = false;
    await runner.rebuild('test-refusing');
    const after = await statusOf('test-refusing');
    expect(after.failure).toBeUndefined();
    expect(after.position).toBe(poison.lastPosition);
    expect(await count('rm_test_notes_a')).toBe(13);
  }, 60_000);

  it('does not retry a stalled projection on every append: under write load it waits out its back-off', async () => {
    refusing.refuse = true;
    const poison = await note(13, { poison: true, text: 'y' });
    await newRunner().start();
    const first = await eventually(
      async () => {
        const f = (await statusOf('test-refusing')).failure;
        return f?.position === poison.lastPosition && f.attempts >= 3 ? f : undefined;
      },
      10_000,
      'third attempt',
    );
    // Back-off now 50 ms × 2³ = 400 ms and doubling: 40 appends in ~0.5 s, each nudging the loops.
    const start = Date.now();
    for (let i = 0; i < 40; i++) {
      await note(100 + i);
      runner.notify();
      await new Promise((r) => setTimeout(r, 12));
    }
    const attempts = (await statusOf('test-refusing')).failure!.attempts - first.attempts;
    const elapsed = Date.now() - start;
    // Each append waking the loop would be ~40 attempts; the back-off allows a few.
    expect(attempts).toBeLessThanOrEqual(Math.ceil(elapsed / 400) + 1);
    await runner.stop();
    refusing.refuse = false;
  }, 60_000);
});
