import { Metadata, status } from '@grpc/grpc-js';
import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  EventStoreDBClient,
  UnavailableError,
  WrongExpectedVersionError,
  convertToCommandError,
  EVENT_TYPE,
  jsonEvent,
  type AllStreamResolvedEvent,
} from '@eventstore/db-client';
import { WrongExpectedVersion } from '@eventstore/db-client/generated/shared_pb';
import { Empty } from 'google-protobuf/google/protobuf/empty_pb';
import { validate as isUuid, version as uuidVersion } from 'uuid';
import { ConcurrencyError, DuplicateEventIdError, StoreUnavailableError } from '../errors';
import { storageConfigFromEnv } from '../storage-config';
import {
  IDEMPOTENCY_CLAIM_TYPE,
  KurrentDbEventStore,
  registryEventsFilter,
  subscribeToRegistryEvents,
  comparePositions,
  deriveEventId,
  fromGlobalPosition,
  idempotencyStream,
  isInternal,
  isUnavailable,
  mapClientError,
  storedRequestHash,
  toClientConnectionString,
  toEnvelope,
  toEventData,
  toExpectedRevision,
  toGlobalPosition,
  validateAppend,
} from './kurrentdb-event-store';

const recordedAt = '2026-11-23T10:15:02.123Z';

/** A record as the client hands it out of readStream/readAll, built from what we would write. */
function recorded(
  data: ReturnType<typeof toEventData>,
  streamId: string,
  revision: bigint,
  position: { commit: bigint; prepare: bigint } | undefined,
): AllStreamResolvedEvent {
  return {
    event: {
      streamId,
      id: data.id,
      isJson: true,
      revision,
      type: data.type,
      created: new Date(),
      data: data.data,
      metadata: data.metadata as Record<string, unknown>,
      position: position!,
    },
    commitPosition: position?.commit,
  };
}

describe('KurrentDB mapping (no server)', () => {
  describe('toEventData', () => {
    it('keeps type and data, nests our metadata and adds schemaVersion and recordedAt', () => {
      const d = toEventData(
        { type: 'oversight.AiOutputReviewed', data: { verdict: 'agree' }, schemaVersion: 3, metadata: { causationId: 'c-0' } },
        { recordedAt, metadata: { actor: { subject: 'u-1', role: 'clinician' }, correlationId: 'corr-1' } },
      );
      expect(d.contentType).toBe('application/json');
      expect(d.type).toBe('oversight.AiOutputReviewed');
      expect(d.data).toEqual({ verdict: 'agree' });
      expect(uuidVersion(d.id)).toBe(7);
      expect(d.metadata).toEqual({
        schemaVersion: 3,
        recordedAt,
        metadata: { actor: { subject: 'u-1', role: 'clinician' }, correlationId: 'corr-1', causationId: 'c-0' },
        $correlationId: 'corr-1',
        $causationId: 'c-0',
      });
    });

    it('defaults schemaVersion to 1 and keeps a caller-given id', () => {
      const id = '01936f0e-8a4b-7c3d-9e2f-0123456789ab';
      const d = toEventData({ type: 'x.A', data: {}, eventId: id }, { recordedAt });
      expect(d.id).toBe(id);
      expect(d.metadata).toEqual({ schemaVersion: 1, recordedAt, metadata: {} });
    });

    it('derives ids from the idempotency key (UUID v5, per index) and keeps the request hash beside our metadata', () => {
      const a0 = toEventData({ type: 'x.A', data: {} }, { recordedAt, idempotencyKey: 'k-1', requestHash: 'h', index: 0 });
      const a1 = toEventData({ type: 'x.A', data: {} }, { recordedAt, idempotencyKey: 'k-1', requestHash: 'h', index: 1 });
      const again = toEventData({ type: 'x.A', data: {} }, { recordedAt: 'later', idempotencyKey: 'k-1', index: 0 });
      expect(isUuid(a0.id) && uuidVersion(a0.id)).toBe(5);
      expect(a0.id).toBe(deriveEventId('k-1', 0));
      expect(again.id).toBe(a0.id);
      expect(a1.id).not.toBe(a0.id);
      expect(deriveEventId('k-2', 0)).not.toBe(a0.id);
      expect(a0.metadata).toMatchObject({ metadata: { idempotencyKey: 'k-1' }, idempotencyRequestHash: 'h' });
      expect(storedRequestHash(recorded(a0, 's-1', 0n, { commit: 1n, prepare: 1n }))).toBe('h');
      expect(storedRequestHash(recorded(again, 's-1', 0n, { commit: 1n, prepare: 1n }))).toBeNull();
      const plain = toEventData({ type: 'x.A', data: {} }, { recordedAt });
      expect(storedRequestHash(recorded(plain, 's-1', 0n, { commit: 1n, prepare: 1n }))).toBeUndefined();
    });

    it('names claim streams so that no caller stream can collide with them', () => {
      expect(idempotencyStream('k-1')).toMatch(/^_idempotency-[0-9a-f-]{36}$/);
      expect(idempotencyStream('k-1')).toBe(idempotencyStream('k-1'));
      expect(() => validateAppend(idempotencyStream('k-1'), [{ type: 'x.A', data: {} }])).toThrow(TypeError);
    });
  });

  describe('toEnvelope', () => {
    it('round-trips what toEventData wrote into exactly the envelope', () => {
      const d = toEventData(
        { type: 'contract.A', data: { n: 1, text: 'ü 漢字 😀' } },
        { recordedAt, metadata: { actor: { subject: 'u-1', role: 'clinician' } } },
      );
      const e = toEnvelope(recorded(d, 'review-1', 4n, { commit: 123456n, prepare: 123456n }));
      expect(e).toEqual({
        eventId: d.id,
        type: 'contract.A',
        schemaVersion: 1,
        streamId: 'review-1',
        streamRevision: 4,
        globalPosition: 123456,
        recordedAt,
        data: { n: 1, text: 'ü 漢字 😀' },
        metadata: { actor: { subject: 'u-1', role: 'clinician' } },
      });
    });

    it('refuses records it cannot map faithfully', () => {
      const d = toEventData({ type: 'x.A', data: {} }, { recordedAt });
      expect(() => toEnvelope({})).toThrow(/deleted/);
      expect(() => toEnvelope(recorded(d, 's', 0n, undefined))).toThrow(/without a log position/);
      const foreign = jsonEvent({ type: 'x.A', data: {}, metadata: { hello: 1 } });
      expect(() => toEnvelope(recorded(foreign, 's', 0n, { commit: 1n, prepare: 1n }))).toThrow(/not written by oversight-registry/);
      const binary = { ...recorded(d, 's', 0n, { commit: 1n, prepare: 1n }) };
      (binary.event as { isJson: boolean }).isJson = false;
      expect(() => toEnvelope(binary)).toThrow(/not JSON/);
    });
  });

  describe('positions', () => {
    it('uses the log position as globalPosition when commit = prepare and it fits in 2^53', () => {
      expect(toGlobalPosition({ commit: 0n, prepare: 0n })).toBe(0);
      expect(toGlobalPosition({ commit: 987654321n, prepare: 987654321n })).toBe(987654321);
      const max = BigInt(Number.MAX_SAFE_INTEGER);
      expect(toGlobalPosition({ commit: max, prepare: max })).toBe(Number.MAX_SAFE_INTEGER);
      expect(() => toGlobalPosition({ commit: max + 1n, prepare: max + 1n })).toThrow(RangeError);
      expect(() => toGlobalPosition({ commit: 200n, prepare: 100n })).toThrow(/legacy transaction/);
    });

    it('resumes readAll from {commit: after, prepare: after}', () => {
      expect(fromGlobalPosition(41)).toEqual({ commit: 41n, prepare: 41n });
      expect(toGlobalPosition(fromGlobalPosition(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
      expect(() => fromGlobalPosition(-1)).toThrow(TypeError);
      expect(() => fromGlobalPosition(1.5)).toThrow(TypeError);
    });

    it('orders positions by commit, then prepare', () => {
      expect(comparePositions({ commit: 1n, prepare: 9n }, { commit: 2n, prepare: 0n })).toBe(-1);
      expect(comparePositions({ commit: 2n, prepare: 3n }, { commit: 2n, prepare: 1n })).toBe(1);
      expect(comparePositions({ commit: 2n, prepare: 2n }, { commit: 2n, prepare: 2n })).toBe(0);
    });

    it('hides system events, system streams and idempotency claims from readers', () => {
      expect(isInternal('$stats-127.0.0.1:2113', '$statsCollected')).toBe(true);
      expect(isInternal('$$review-1', '$metadata')).toBe(true);
      expect(isInternal('review-1', '$>')).toBe(true);
      expect(isInternal(idempotencyStream('k'), '$oversight.IdempotencyClaim')).toBe(true);
      expect(isInternal('review-1', 'oversight.AiOutputReviewed')).toBe(false);
    });
  });

  describe('toExpectedRevision', () => {
    it('maps each expected revision to the client constant or a bigint', () => {
      expect(toExpectedRevision('no_stream')).toBe(NO_STREAM);
      expect(toExpectedRevision('stream_exists')).toBe(STREAM_EXISTS);
      expect(toExpectedRevision('any')).toBe(ANY);
      expect(toExpectedRevision(0)).toBe(0n);
      expect(toExpectedRevision(41)).toBe(41n);
      expect(() => toExpectedRevision(-1)).toThrow(TypeError);
      expect(() => toExpectedRevision(2.5)).toThrow(TypeError);
    });
  });

  describe('validateAppend', () => {
    it('applies the SQL adapter input rules and refuses a repeated id within one append', () => {
      expect(() => validateAppend('bad stream id!', [{ type: 'x.A', data: {} }])).toThrow(TypeError);
      expect(() => validateAppend('s-1', [])).toThrow(TypeError);
      expect(() => validateAppend('s-1', [{ type: 'not a type', data: {} }])).toThrow(TypeError);
      expect(() => validateAppend('s-1', [{ type: 'x.A', data: [] as unknown as Record<string, unknown> }])).toThrow(TypeError);
      expect(() => validateAppend('s-1', [{ type: 'x.A', data: {}, eventId: 'nope' }])).toThrow(TypeError);
      const id = '01936f0e-8a4b-7c3d-9e2f-00000000abcd';
      expect(() =>
        validateAppend('s-1', [
          { type: 'x.A', data: {}, eventId: id },
          { type: 'x.A', data: {}, eventId: id },
        ]),
      ).toThrow(DuplicateEventIdError);
      expect(() => validateAppend('s-1', [{ type: 'x.A', data: {}, eventId: id }])).not.toThrow();
    });
  });

  it('reads EVENT_STORE_URL (kurrentdb:// or esdb://) and leaves the SQL default alone without it', () => {
    expect(storageConfigFromEnv({}).eventStoreUrl).toBeUndefined();
    expect(storageConfigFromEnv({ EVENT_STORE_URL: 'kurrentdb://kdb:2113?tls=false' }).eventStoreUrl).toBe('kurrentdb://kdb:2113?tls=false');
    expect(storageConfigFromEnv({ EVENT_STORE_URL: 'esdb+discover://a,b?tls=true' }).kind).toBe('sqlite');
    expect(() => storageConfigFromEnv({ EVENT_STORE_URL: 'postgres://x' })).toThrow(/EVENT_STORE_URL/);
  });

  it('turns kurrentdb:// into the esdb:// form the client parses', () => {
    expect(toClientConnectionString('kurrentdb://localhost:2113?tls=false')).toBe('esdb://localhost:2113?tls=false');
    expect(toClientConnectionString('kurrentdb+discover://a,b,c?tls=true')).toBe('esdb+discover://a,b,c?tls=true');
    expect(toClientConnectionString('esdb://localhost:2113?tls=false')).toBe('esdb://localhost:2113?tls=false');
    expect(() => EventStoreDBClient.connectionString(toClientConnectionString('kurrentdb://localhost:2113?tls=false'))).not.toThrow();
  });
});

describe('KurrentDB error mapping with the client’s real error classes', () => {
  it('WrongExpectedVersionError from a batch append (protobuf details) → ConcurrencyError with the actual revision', () => {
    const details = new WrongExpectedVersion();
    details.setExpectedStreamPosition('5');
    details.setCurrentStreamRevision('2');
    const err = WrongExpectedVersionError.fromWrongExpectedVersion(details, 'review-1');
    const mapped = mapClientError(err, 'review-1', 5);
    expect(mapped).toBeInstanceOf(ConcurrencyError);
    expect(mapped).toMatchObject({ streamId: 'review-1', expected: 5, actual: 2 });

    const none = new WrongExpectedVersion();
    none.setExpectedStreamExists(new Empty());
    none.setCurrentNoStream(new Empty());
    expect(mapClientError(WrongExpectedVersionError.fromWrongExpectedVersion(none, 's-2'), 's-2', 'stream_exists')).toMatchObject({
      name: 'ConcurrencyError',
      actual: null,
      expected: 'stream_exists',
    });
  });

  it('WrongExpectedVersionError from a unary append (as append.js builds it) → ConcurrencyError', () => {
    const err = new WrongExpectedVersionError(undefined, { streamName: 's-3', expected: NO_STREAM, current: 0n });
    expect(mapClientError(err, 's-3', 'no_stream')).toMatchObject({ name: 'ConcurrencyError', actual: 0 });
  });

  it('a gRPC service error carrying wrong-expected-version metadata, converted by the client → ConcurrencyError', () => {
    const metadata = new Metadata();
    metadata.set('exception', 'wrong-expected-version');
    metadata.set('stream-name', 's-4');
    metadata.set('expected-version', '1');
    metadata.set('actual-version', '7');
    const serviceError = Object.assign(new Error('9 FAILED_PRECONDITION: wrong expected version'), {
      code: status.FAILED_PRECONDITION,
      details: 'wrong expected version',
      metadata,
    });
    const converted = convertToCommandError(serviceError);
    expect(converted).toBeInstanceOf(WrongExpectedVersionError);
    expect(mapClientError(converted, 's-4', 1)).toMatchObject({ name: 'ConcurrencyError', actual: 7 });
  });

  it('UNAVAILABLE as the client converts it → StoreUnavailableError', () => {
    const serviceError = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
      code: status.UNAVAILABLE,
      details: 'No connection established',
      metadata: new Metadata(),
    });
    const converted = convertToCommandError(serviceError);
    expect(converted).toBeInstanceOf(UnavailableError);
    expect(isUnavailable(converted)).toBe(true);
    expect(mapClientError(converted, 's', 'any')).toBeInstanceOf(StoreUnavailableError);
  });

  it('leaves other errors alone', () => {
    const other = new Error('boom');
    expect(mapClientError(other, 's', 'any')).toBe(other);
    expect(isUnavailable(other)).toBe(false);
    expect(isUnavailable('14 UNAVAILABLE')).toBe(false);
  });

  describe('for real against 127.0.0.1:1 (nothing listens there)', () => {
    const url = 'esdb://127.0.0.1:1?tls=false';

    it('the client: append rejects with a plain Error (code 14), a read with UnavailableError; both map to StoreUnavailableError', async () => {
      const client = EventStoreDBClient.connectionString(url);
      try {
        const appendErr = await client.appendToStream('s-1', jsonEvent({ type: 'x.A', data: {} })).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(appendErr).toBeInstanceOf(Error);
        expect((appendErr as { code?: number }).code).toBe(14);
        expect(mapClientError(appendErr, 's-1', 'any')).toBeInstanceOf(StoreUnavailableError);

        const readErr = await (async () => {
          try {
            for await (const _ of client.readStream('s-1')) void _;
          } catch (e) {
            return e;
          }
        })();
        expect(readErr).toBeInstanceOf(UnavailableError);
        expect(mapClientError(readErr, 's-1', 'any')).toBeInstanceOf(StoreUnavailableError);
      } finally {
        await client.dispose();
      }
    }, 20_000);

    it('the adapter: every port call fails with StoreUnavailableError, nothing hangs', async () => {
      const store = KurrentDbEventStore.fromConnectionString('kurrentdb://127.0.0.1:1?tls=false');
      try {
        await expect(store.append('s-1', [{ type: 'x.A', data: {} }])).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(store.append('s-1', [{ type: 'x.A', data: {} }], { idempotencyKey: 'k', requestHash: 'h' })).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(store.readStream('s-1')).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(store.readAll(0, 10)).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(store.headPosition()).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(store.readIdempotent('k', 'h')).rejects.toBeInstanceOf(StoreUnavailableError);
        // Invalid input is refused before any I/O, as a TypeError.
        await expect(store.append('bad stream id!', [{ type: 'x.A', data: {} }])).rejects.toBeInstanceOf(TypeError);
      } finally {
        await store.dispose();
      }
    }, 30_000);

    it('subscriptions: a filtered $all subscription retries while the server is away, never calls the handler, stops at once', async () => {
      const store = KurrentDbEventStore.fromConnectionString('kurrentdb://127.0.0.1:1?tls=false');
      const client = EventStoreDBClient.connectionString(url);
      const subscribeToAll = jest.spyOn(client, 'subscribeToAll');
      const handled: unknown[] = [];
      try {
        const sub = subscribeToRegistryEvents(client, 4_096, (batch) => Promise.resolve(void handled.push(batch)), { retryMs: 50 });
        const stopListening = store.onAppended((p) => handled.push(p));
        const viaPort = store.subscribe(0, (batch) => Promise.resolve(void handled.push(batch)), { pollIntervalMs: 10 });
        for (let i = 0; i < 200 && subscribeToAll.mock.calls.length < 3; i++) await new Promise((r) => setTimeout(r, 25));
        // Re-subscribed after each failure, each time from the same position and with the server-side filter.
        expect(subscribeToAll.mock.calls.length).toBeGreaterThanOrEqual(3);
        for (const [options] of subscribeToAll.mock.calls) {
          expect(options).toEqual({ fromPosition: { commit: 4_096n, prepare: 4_096n }, filter: registryEventsFilter() });
        }
        const started = Date.now();
        await Promise.all([sub.stop(), viaPort.stop()]);
        stopListening();
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(handled).toEqual([]);
      } finally {
        await client.dispose();
        await store.dispose();
      }
    }, 30_000);
  });
});

describe('The server-side $all filter', () => {
  it('is the client’s event-type filter that keeps our types and drops system events and idempotency claims', () => {
    const filter = registryEventsFilter();
    expect(filter).toMatchObject({ filterOn: EVENT_TYPE, regex: '^[^$].*' });
    // The server applies the same regular expression (.NET) to each event type.
    const kept = (type: string) => new RegExp(filter.regex).test(type);
    expect(['oversight.AiOutputReviewed', 'evidence.LedgerSigningKeyActivated', 'incidents.IncidentRegistered'].every(kept)).toBe(true);
    expect([IDEMPOTENCY_CLAIM_TYPE, '$metadata', '$statsCollected', '$>', '$ProjectionsInitialized'].some(kept)).toBe(false);
  });
});
