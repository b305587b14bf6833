import { validate as isUuid, version as uuidVersion } from 'uuid';
import {
  ConcurrencyError,
  IdempotencyConflictError,
  UnstorableTextError,
  leafFormatSetting,
  type EventEnvelope,
  type EventStore,
  type NewEvent,
  type Upcaster,
} from '@app/event-store';

export interface ContractFixture {
  store: EventStore;
  /** A second store instance on the same storage, as another process would have it. */
  other?: EventStore;
  /**
   * Positions are consecutive integers (SQL adapters: default true). KurrentDB positions are log
   * byte offsets: increasing and unique, never consecutive (docs/adr/0013-kurrentdb.md).
   */
  gapFreePositions?: boolean;
  /** A caller-given event id is refused in any other stream too (default true; not on KurrentDB). */
  uniqueEventIdsAcrossStreams?: boolean;
  cleanup(): Promise<void>;
}

export type FixtureFactory = (options: { upcasters?: Upcaster[] }) => Promise<ContractFixture>;

const ev = (type: string, data: Record<string, unknown> = {}): NewEvent => ({ type, data });
let streamSeq = 0;
const stream = (prefix = 'test') => `${prefix}-${Date.now().toString(36)}-${++streamSeq}`;

/**
 * The behaviour every EventStore adapter must show (docs/design.md §3–4).
 * Run by event-store.sql.spec.ts (SQLite, PostgreSQL) and event-store.kurrentdb.spec.ts.
 */
export function eventStoreContract(name: string, factory: FixtureFactory): void {
  describe(`EventStore contract: ${name}`, () => {
    let fx: ContractFixture;
    let store: EventStore;
    const gapFree = () => fx.gapFreePositions !== false;
    const expectIncreasing = (positions: number[]) => positions.forEach((p, i) => i > 0 && expect(p).toBeGreaterThan(positions[i - 1]));

    beforeAll(async () => {
      fx = await factory({
        upcasters: [
          {
            type: 'contract.Renamed',
            fromVersion: 1,
            upcast: (data) => ({ fullName: data.name, upcasted: true }),
          },
        ],
      });
      store = fx.store;
    });
    afterAll(async () => fx?.cleanup());

    describe('append and read', () => {
      it('stores exactly the envelope: ids, revisions, positions, times, metadata', async () => {
        const s = stream();
        const before = Date.now();
        const result = await store.append(s, [ev('contract.A', { n: 1 }), ev('contract.B', { n: 2 })], {
          expectedRevision: 'no_stream',
          metadata: { actor: { subject: 'u-1', role: 'clinician' }, correlationId: 'c-1' },
        });
        expect(result.replayed).toBe(false);
        expect(result.nextExpectedRevision).toBe(1);
        if (gapFree()) expect(result.lastPosition - result.firstPosition).toBe(1);
        else expect(result.lastPosition).toBeGreaterThan(result.firstPosition);
        const read = await store.readStream(s);
        expect(read).toEqual(result.events);
        expect(read.map((e) => e.streamRevision)).toEqual([0, 1]);
        expect(read.map((e) => e.globalPosition)).toEqual([result.firstPosition, result.lastPosition]);
        for (const e of read) {
          expect(isUuid(e.eventId)).toBe(true);
          expect(uuidVersion(e.eventId)).toBe(7);
          expect(e.schemaVersion).toBe(1);
          expect(e.streamId).toBe(s);
          expect(new Date(e.recordedAt).toISOString()).toBe(e.recordedAt);
          expect(Date.parse(e.recordedAt)).toBeGreaterThanOrEqual(before - 1000);
          // Leaf format 2, the default (ADR 0039): a 32-byte commitment seed per event, nothing else added.
          const { commitmentSeed, ...metadata } = e.metadata;
          expect(metadata).toEqual({ actor: { subject: 'u-1', role: 'clinician' }, correlationId: 'c-1' });
          if (leafFormatSetting() === 2) expect(commitmentSeed).toMatch(/^[0-9a-f]{64}$/);
          else expect(commitmentSeed).toBeUndefined();
        }
        expect(read.map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }]);
        expect(Object.keys(read[0]).sort()).toEqual(
          ['data', 'eventId', 'globalPosition', 'metadata', 'recordedAt', 'schemaVersion', 'streamId', 'streamRevision', 'type'].sort(),
        );
      });

      it('reads many streams at once, each as readStream gives it, in the order asked', async () => {
        const [a, b, missing] = [stream(), stream(), stream('missing')];
        await store.append(a, [ev('contract.A', { n: 1 }), ev('contract.A', { n: 2 })], { expectedRevision: 'no_stream' });
        await store.append(b, [ev('contract.B', { n: 3 })], { expectedRevision: 'no_stream' });
        const read = await store.readStreams([b, missing, a, b]);
        expect(read).toEqual([await store.readStream(b), [], await store.readStream(a), await store.readStream(b)]);
        expect(read[2].map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }]);
        // More streams than one query takes on the SQL store.
        const many = Array.from({ length: 520 }, () => stream());
        await Promise.all(many.map((s, i) => store.append(s, [ev('contract.A', { i })], { expectedRevision: 'no_stream' })));
        expect((await store.readStreams(many)).map((events) => events.map((e) => e.data))).toEqual(many.map((_, i) => [{ i }]));
      });

      it('returns an empty list for a stream that does not exist', async () => {
        expect(await store.readStream(stream('missing'))).toEqual([]);
      });

      it('continues revisions on later appends and reads from a revision', async () => {
        const s = stream();
        await store.append(s, [ev('contract.A')], { expectedRevision: 'no_stream' });
        await store.append(s, [ev('contract.A'), ev('contract.A')], { expectedRevision: 0 });
        const r = await store.append(s, [ev('contract.A')], { expectedRevision: 2 });
        expect(r.nextExpectedRevision).toBe(3);
        expect((await store.readStream(s)).map((e) => e.streamRevision)).toEqual([0, 1, 2, 3]);
        expect((await store.readStream(s, { fromRevision: 2 })).map((e) => e.streamRevision)).toEqual([2, 3]);
      });

      it('reads a stream as of a global position', async () => {
        const s = stream();
        const first = await store.append(s, [ev('contract.A', { v: 1 })]);
        await store.append(stream(), [ev('contract.Other')]);
        await store.append(s, [ev('contract.A', { v: 2 })]);
        const asOf = await store.readStream(s, { toPosition: first.lastPosition });
        expect(asOf.map((e) => e.data)).toEqual([{ v: 1 }]);
      });

      it('keeps a caller-given event id and refuses it a second time, writing nothing', async () => {
        const id = '01936f0e-8a4b-7c3d-9e2f-0123456789ab';
        const s = stream();
        const r = await store.append(s, [{ type: 'contract.A', data: {}, eventId: id }]);
        expect(r.events[0].eventId).toBe(id);
        if (fx.uniqueEventIdsAcrossStreams === false) return;
        const head = await store.headPosition();
        await expect(store.append(stream(), [{ type: 'contract.A', data: {}, eventId: id }])).rejects.toThrow();
        expect(await store.headPosition()).toBe(head);
      });

      it('applies upcasters on read without changing what is stored', async () => {
        const s = stream();
        await store.append(s, [{ type: 'contract.Renamed', data: { name: 'Ada' }, schemaVersion: 1 }]);
        const [e] = await store.readStream(s);
        expect(e.schemaVersion).toBe(2);
        expect(e.data).toEqual({ fullName: 'Ada', upcasted: true });
        const [stored] = await store.readAll(e.globalPosition - 1, 1, { raw: true });
        expect(stored).toMatchObject({ schemaVersion: 1, data: { name: 'Ada' } });
      });

      it('round-trips large payloads and unicode exactly', async () => {
        const s = stream();
        const text = 'ü é ß 漢字 😀 \u200f RTL עברית "quotes" \\ back \\u0000 not a nul \\\\\\b \n newline \r\n crlf \t tab \ud83d\ude00';
        const big = 'x'.repeat(1024 * 1024);
        await store.append(s, [ev('contract.Text', { text, nested: { list: [1, 2.5, null, true] } }), ev('contract.Big', { big })]);
        const [a, b] = await store.readStream(s);
        expect(a.data).toEqual({ text, nested: { list: [1, 2.5, null, true] } });
        expect((b.data as { big: string }).big.length).toBe(big.length);
      });

      it('rejects invalid input before writing anything', async () => {
        const head = await store.headPosition();
        await expect(store.append(stream(), [])).rejects.toThrow(TypeError);
        await expect(store.append('bad stream id!', [ev('contract.A')])).rejects.toThrow(TypeError);
        await expect(store.append(stream(), [ev('contract.A'), ev('not a type')])).rejects.toThrow(TypeError);
        expect(await store.headPosition()).toBe(head);
      });

      // Accepted means projected: PostgreSQL refuses NUL in text, so a NUL in the log stalled a
      // read model there and not on SQLite (issue 20). No store takes text a read model can't keep.
      it.each([
        ['a NUL', { reason: 'x\u0000y' }, 'data.reason'],
        ['a backspace', { nested: { list: ['ok', 'a\bb'] } }, 'data.nested.list.1'],
        ['a form feed after escaped backslashes', { note: '\\\\\f' }, 'data.note'],
        ['a lone high surrogate', { name: 'a\ud800' }, 'data.name'],
        ['a lone low surrogate', { name: '\udfff b' }, 'data.name'],
        ['an escape in a key', { ['k\u0001']: 1 }, 'data.<key>'],
      ])('refuses an event holding %s, naming the field and writing nothing', async (_what, data, field) => {
        const head = await store.headPosition();
        const s = stream();
        const err = await store.append(s, [ev('contract.A'), ev('contract.Text', data)]).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UnstorableTextError);
        expect((err as UnstorableTextError).field).toBe(field);
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream(s)).toEqual([]);
      });

      it('refuses unstorable text in metadata, writing nothing', async () => {
        const head = await store.headPosition();
        const err = await store
          .append(stream(), [ev('contract.A')], { metadata: { actor: { subject: 'a\u0000b', role: 'clinician' } } })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UnstorableTextError);
        expect((err as UnstorableTextError).field).toBe('metadata.actor.subject');
        expect(await store.headPosition()).toBe(head);
      });
    });

    describe('optimistic concurrency', () => {
      it('fails a wrong expected revision with ConcurrencyError and writes nothing', async () => {
        const s = stream();
        await store.append(s, [ev('contract.A')], { expectedRevision: 'no_stream' });
        const head = await store.headPosition();
        await expect(store.append(s, [ev('contract.A')], { expectedRevision: 5 })).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(store.append(s, [ev('contract.A')], { expectedRevision: 'no_stream' })).rejects.toMatchObject({
          name: 'ConcurrencyError',
          streamId: s,
          actual: 0,
        });
        await expect(store.append(stream(), [ev('contract.A')], { expectedRevision: 'stream_exists' })).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(store.append(stream(), [ev('contract.A')], { expectedRevision: 0 })).rejects.toBeInstanceOf(ConcurrencyError);
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream(s)).toHaveLength(1);
      });

      it('lets exactly one of 16 concurrent appenders win each revision: no loss, no duplicate', async () => {
        const s = stream('race');
        await store.append(s, [ev('contract.Start')], { expectedRevision: 'no_stream' });
        const writers = 16;
        const outcomes = await Promise.allSettled(
          Array.from({ length: writers }, (_, i) => store.append(s, [ev('contract.Race', { writer: i })], { expectedRevision: 0 })),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(writers - 1);
        for (const l of lost) expect(l.reason).toBeInstanceOf(ConcurrencyError);

        // Every writer retries on conflict until its event is in: all land exactly once.
        const perWriter = 3;
        await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            for (let k = 0; k < perWriter; k++) {
              for (;;) {
                const current = await store.readStream(s);
                try {
                  await store.append(s, [ev('contract.Retry', { w, k })], { expectedRevision: current.length - 1 });
                  break;
                } catch (err) {
                  if (!(err instanceof ConcurrencyError)) throw err;
                }
              }
            }
          }),
        );
        const events = await store.readStream(s);
        expect(events.map((e) => e.streamRevision)).toEqual(events.map((_, i) => i));
        const retries = events.filter((e) => e.type === 'contract.Retry').map((e) => `${String(e.data.w)}/${String(e.data.k)}`);
        expect(new Set(retries).size).toBe(writers * perWriter);
        expect(retries).toHaveLength(writers * perWriter);
      });
    });

    describe('idempotency', () => {
      it('returns the first result for a repeated key and writes nothing', async () => {
        const s = stream();
        const key = `key-${s}`;
        const first = await store.append(s, [ev('contract.A', { n: 1 })], { idempotencyKey: key, requestHash: 'h1' });
        const head = await store.headPosition();
        const again = await store.append(s, [ev('contract.A', { n: 1 })], { idempotencyKey: key, requestHash: 'h1' });
        expect(again.replayed).toBe(true);
        expect(again.events.map((e) => e.eventId)).toEqual(first.events.map((e) => e.eventId));
        expect(again.lastPosition).toBe(first.lastPosition);
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream(s)).toHaveLength(1);
        expect(first.events[0].metadata.idempotencyKey).toBe(key);
        const looked = await store.readIdempotent(key, 'h1');
        expect(looked?.events.map((e) => e.eventId)).toEqual(first.events.map((e) => e.eventId));
        expect(looked?.replayed).toBe(true);
        await expect(store.readIdempotent(key, 'other')).rejects.toBeInstanceOf(IdempotencyConflictError);
        expect(await store.readIdempotent(`never-${key}`)).toBeUndefined();
      });

      it('refuses the same key with a different request, writing nothing', async () => {
        const s = stream();
        const key = `key-${s}`;
        await store.append(s, [ev('contract.A')], { idempotencyKey: key, requestHash: 'h1' });
        const head = await store.headPosition();
        await expect(store.append(s, [ev('contract.A')], { idempotencyKey: key, requestHash: 'h2' })).rejects.toBeInstanceOf(IdempotencyConflictError);
        await expect(store.append(stream(), [ev('contract.A')], { idempotencyKey: key, requestHash: 'h1' })).rejects.toBeInstanceOf(IdempotencyConflictError);
        expect(await store.headPosition()).toBe(head);
      });

      it('writes once when the same key arrives concurrently', async () => {
        const s = stream();
        const key = `key-${s}`;
        const results = await Promise.all(Array.from({ length: 8 }, () => store.append(s, [ev('contract.A')], { idempotencyKey: key, requestHash: 'h' })));
        expect(results.filter((r) => !r.replayed)).toHaveLength(1);
        expect(new Set(results.map((r) => r.events[0].eventId)).size).toBe(1);
        expect(await store.readStream(s)).toHaveLength(1);
      });
    });

    describe('atomicity', () => {
      it('writes all events of an append or none', async () => {
        const s = stream();
        const dup = '01936f0e-8a4b-7c3d-9e2f-00000000abcd';
        const head = await store.headPosition();
        await expect(
          store.append(s, [
            { type: 'contract.A', data: { i: 1 }, eventId: dup },
            { type: 'contract.A', data: { i: 2 } },
            { type: 'contract.A', data: { i: 3 }, eventId: dup },
          ]),
        ).rejects.toThrow();
        expect(await store.readStream(s)).toEqual([]);
        expect(await store.headPosition()).toBe(head);
        const ok = await store.append(s, [ev('contract.A'), ev('contract.A')]);
        if (gapFree()) expect(ok.firstPosition).toBe(head + 1);
        else expect(ok.firstPosition).toBeGreaterThan(head);
      });
      it('answers each of many concurrent appends alone when some of them fail', async () => {
        // Concurrent appends may share one commit (group commit, docs/adr/0018): a failing one
        // must not take the others with it, nor leave a gap.
        const [first, exists, taken, fresh, keyed, many] = Array.from({ length: 6 }, () => stream('mixed'));
        await store.append(exists, [ev('contract.A')]);
        const usedId = (await store.append(stream('mixed'), [ev('contract.A')])).events[0].eventId;
        const head = await store.headPosition();
        const outcomes = await Promise.allSettled([
          store.append(first, [ev('contract.M', { n: 1 })]),
          store.append(fresh, [ev('contract.M', { n: 2 })], { expectedRevision: 'no_stream' }),
          store.append(exists, [ev('contract.M', { n: 3 })], { expectedRevision: 'no_stream' }),
          store.append(taken, [{ type: 'contract.M', data: { n: 4 }, eventId: usedId }]),
          store.append(keyed, [ev('contract.M', { n: 5 })], { idempotencyKey: `key-${keyed}`, requestHash: 'h' }),
          store.append(keyed, [ev('contract.M', { n: 5 })], { idempotencyKey: `key-${keyed}`, requestHash: 'h' }),
          store.append(many, [ev('contract.M', { n: 6 }), ev('contract.M', { n: 7 }), ev('contract.M', { n: 8 })], { expectedRevision: 'no_stream' }),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual([
          'fulfilled',
          'fulfilled',
          'rejected',
          fx.uniqueEventIdsAcrossStreams === false ? 'fulfilled' : 'rejected',
          'fulfilled',
          'fulfilled',
          'fulfilled',
        ]);
        expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
        const [k1, k2] = [outcomes[4], outcomes[5]].map((o) => (o as PromiseFulfilledResult<{ replayed: boolean; firstPosition: number }>).value);
        expect([k1.replayed, k2.replayed].sort()).toEqual([false, true]);
        expect(k1.firstPosition).toBe(k2.firstPosition);
        expect((await store.readStream(exists)).map((e) => e.type)).toEqual(['contract.A']);
        expect((await store.readStream(keyed)).map((e) => e.data)).toEqual([{ n: 5 }]);
        // Several events after other appends of the same group: each lands with its own data.
        const manyRead = await store.readStream(many);
        expect(manyRead.map((e) => [e.streamRevision, e.data])).toEqual([
          [0, { n: 6 }],
          [1, { n: 7 }],
          [2, { n: 8 }],
        ]);
        const after = await store.readAll(head, 1000);
        const written = fx.uniqueEventIdsAcrossStreams === false ? 7 : 6;
        expect(after).toHaveLength(written);
        if (gapFree()) expect(after.map((e) => e.globalPosition)).toEqual(after.map((_, i) => head + 1 + i));
      });
    });

    describe('appends made together (a feed batch: one append per new stream, no idempotency key)', () => {
      // ADR 0048: SQLite checks and inserts such a group together; each append is still answered
      // alone, a refused one writes nothing and takes no position.
      const together = async (withTakenId: boolean) => {
        const exists = stream('batch');
        await store.append(exists, [ev('contract.A')]);
        const usedId = (await store.append(stream('batch'), [ev('contract.A')])).events[0].eventId;
        const head = await store.headPosition();
        const fresh = Array.from({ length: 40 }, () => stream('batch'));
        // Made in this order, in one loop.
        const calls: (() => Promise<unknown>)[] = fresh.map((s, i) => () => store.append(s, [ev('contract.Fed', { i })], { expectedRevision: 'no_stream' }));
        calls.splice(10, 0, () => store.append(exists, [ev('contract.Fed', { i: 'exists' })], { expectedRevision: 'no_stream' }));
        calls.splice(20, 0, () => store.append(stream('batch'), [ev('contract.Fed', { i: 'wrong' })], { expectedRevision: 3 }));
        if (withTakenId) calls.splice(30, 0, () => store.append(stream('batch'), [{ type: 'contract.Fed', data: { i: 'taken' }, eventId: usedId }]));
        const outcomes = await Promise.allSettled(calls.map((call) => call()));
        const refused = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [i] : []));
        const takenRefused = withTakenId && fx.uniqueEventIdsAcrossStreams !== false;
        expect(refused).toEqual(takenRefused ? [10, 20, 30] : [10, 20]);
        expect((outcomes[10] as PromiseRejectedResult).reason).toMatchObject({ name: 'ConcurrencyError', streamId: exists, actual: 0 });
        expect((outcomes[20] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
        if (takenRefused) expect((outcomes[30] as PromiseRejectedResult).reason).not.toBeInstanceOf(ConcurrencyError);
        expect((await store.readStream(exists)).map((e) => e.type)).toEqual(['contract.A']);
        const streams = await store.readStreams(fresh);
        expect(streams.map((events) => events.map((e) => [e.streamRevision, e.data.i]))).toEqual(fresh.map((_, i) => [[0, i]]));
        const after = await store.readAll(head, 1000);
        expect(after).toHaveLength(fresh.length + (withTakenId && !takenRefused ? 1 : 0));
        if (gapFree()) expect(after.map((e) => e.globalPosition)).toEqual(after.map((_, i) => head + 1 + i));
        else expectIncreasing(after.map((e) => e.globalPosition));
      };

      it('answers each alone: new streams written, a stream that exists and a wrong revision refused, no gap', () => together(false));
      it('answers each alone when one of them carries an event id already stored', () => together(true));
    });

    describe('global order', () => {
      it('orders all events by a gap-free position and pages through them', async () => {
        const start = await store.headPosition();
        for (let i = 0; i < 5; i++) await store.append(stream('order'), [ev('contract.O', { i }), ev('contract.O', { i })]);
        const all = await store.readAll(start, 1000);
        if (gapFree()) expect(all.map((e) => e.globalPosition)).toEqual(all.map((_, i) => start + 1 + i));
        else expectIncreasing([start, ...all.map((e) => e.globalPosition)]);
        expect(all).toHaveLength(10);
        const page1 = await store.readAll(start, 4);
        const page2 = await store.readAll(page1[3].globalPosition, 4);
        expect([...page1, ...page2].map((e) => e.globalPosition)).toEqual(all.slice(0, 8).map((e) => e.globalPosition));
        expect(await store.headPosition()).toBe(all[all.length - 1].globalPosition);
      });

      it('never lets a tailing reader skip an event while many writers commit concurrently', async () => {
        const start = await store.headPosition();
        const seen: EventEnvelope[] = [];
        let writing = true;
        const reader = (async () => {
          let after = start;
          const reads = fx.other ?? store;
          for (;;) {
            const done = !writing;
            const batch = await reads.readAll(after, 50);
            for (const e of batch) seen.push(e);
            if (batch.length) after = batch[batch.length - 1].globalPosition;
            else if (done) return;
          }
        })();
        await Promise.all(
          Array.from({ length: 16 }, async (_, w) => {
            for (let k = 0; k < 25; k++) {
              await store.append(stream(`w${w}`), [ev('contract.W', { w, k }), ev('contract.W', { w, k })]);
            }
          }),
        );
        writing = false;
        await reader;
        const truth = await store.readAll(start, 100_000);
        expect(truth).toHaveLength(16 * 25 * 2);
        expect(seen.map((e) => e.globalPosition)).toEqual(truth.map((e) => e.globalPosition));
      });
    });

    describe('subscriptions', () => {
      it('catches up from a position, then follows new appends in order', async () => {
        const s = stream('sub');
        const start = await store.headPosition();
        await store.append(s, [ev('contract.S', { i: 0 }), ev('contract.S', { i: 1 })]);
        const got: number[] = [];
        let resolve!: () => void;
        const enough = new Promise<void>((r) => (resolve = r));
        const sub = store.subscribe(
          start,
          (batch) => {
            for (const e of batch) if (e.streamId === s) got.push(e.data.i as number);
            if (got.length >= 4) resolve();
            return Promise.resolve();
          },
          { pollIntervalMs: 20 },
        );
        await store.append(s, [ev('contract.S', { i: 2 })]);
        await store.append(s, [ev('contract.S', { i: 3 })]);
        await enough;
        await sub.stop();
        expect(got).toEqual([0, 1, 2, 3]);
      });
    });
  });
}
