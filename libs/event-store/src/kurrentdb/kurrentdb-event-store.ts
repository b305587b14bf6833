import { EventEmitter } from 'node:events';
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  type AllStreamResolvedEvent,
  type Position,
  type ReadPosition,
  type ResolvedEvent,
} from '@eventstore/db-client';
import type { AppendOptions, AppendResult, EventEnvelope, ExpectedRevision, NewEvent, ReadStreamOptions } from '../envelope';
import { IdempotencyConflictError } from '../errors';
import type { EventStore, ReadAllOptions, SubscribeOptions, Subscription } from '../event-store.port';
import { UpcasterRegistry } from '../upcasters';
import { leafFormatSetting } from '../commitment-seed';
import {
  IDEMPOTENCY_CLAIM_TYPE,
  deriveEventId,
  fromGlobalPosition,
  idempotencyStream,
  isInternal,
  mapClientError,
  storedRequestHash,
  comparePositions,
  validateAppend,
  toClientConnectionString,
  toEnvelope,
  toEventData,
  toExpectedRevision,
} from './kurrentdb-mapping';
import { subscribeToRegistryEvents } from './kurrentdb-subscription';

export * from './kurrentdb-mapping';
export * from './kurrentdb-subscription';

/** The claim record of an idempotency key (data of the one event in its `_idempotency-…` stream). */
interface IdempotencyClaim {
  idempotencyKey: string;
  requestHash: string | null;
  streamId: string;
  firstRevision: number;
  nextExpectedRevision: number;
}

const READ_PAGE = 512;

/**
 * The `EventStore` port on KurrentDB / EventStoreDB (gRPC, `@eventstore/db-client`).
 * Only the events live here; read models, checkpoints, the ledger and keys stay in SQL.
 *
 * - `globalPosition` is the event's log position (commit = prepare), a sparse, increasing number;
 *   `readAll(after)` resumes from `{commit: after, prepare: after}` (docs/adr/0013-kurrentdb.md).
 * - Idempotency: event ids derived from the key (UUID v5), then a claim record in the stream
 *   `_idempotency-<uuid v5 of the key>` holding the request hash and the result.
 * - System events (`$…` types and streams) and claim records are never returned; subscriptions
 *   filter them on the server (`excludeSystemEvents()`), `readAll` in the adapter.
 *
 * NOT RUN AGAINST A LIVE SERVER on the machine where it was written: see the ADR for what the
 * contract suite (test/contract/event-store.kurrentdb.spec.ts, KURRENTDB_URL) still has to confirm.
 */
export class KurrentDbEventStore implements EventStore {
  /** Positions are log byte offsets: increasing, never contiguous. */
  readonly gapFreePositions = false;
  private readonly appended = new EventEmitter();
  /** The live subscription behind onAppended, while anyone listens. */
  private live?: Subscription;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly upcasters = new UpcasterRegistry(),
    private readonly clock: () => Date = () => new Date(),
    /** Leaf format of the events written (ADR 0039): 2 gives each a commitment seed. */
    private readonly leafFormat: 1 | 2 = leafFormatSetting(),
  ) {
    this.appended.setMaxListeners(0);
  }

  /** A client from `kurrentdb://…` / `esdb://…`; connects lazily, so this never throws for a down server. */
  static fromConnectionString(url: string, upcasters = new UpcasterRegistry()): KurrentDbEventStore {
    return new KurrentDbEventStore(EventStoreDBClient.connectionString(toClientConnectionString(url)), upcasters);
  }

  /** Closes the gRPC channels so the process can exit. */
  async dispose(): Promise<void> {
    await this.stopLive();
    await this.client.dispose();
  }

  async onModuleDestroy(): Promise<void> {
    await this.dispose();
  }

  async append(streamId: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    validateAppend(streamId, events, options.metadata);
    const expected = options.expectedRevision ?? 'any';
    const key = options.idempotencyKey;
    try {
      if (key !== undefined) {
        const seen = await this.readIdempotent(key, options.requestHash);
        if (seen) {
          if (seen.streamId !== streamId) throw new IdempotencyConflictError(key);
          return seen;
        }
      }
      const recordedAt = this.clock().toISOString();
      const data = events.map((e, index) =>
        toEventData(e, { recordedAt, metadata: options.metadata, idempotencyKey: key, requestHash: options.requestHash, index, leafFormat: this.leafFormat }),
      );
      const firstRevision = await this.write(streamId, data, expected, key !== undefined);
      const written = await this.readRange(streamId, firstRevision, data.length);
      if (written.length !== data.length || written[0].event?.id !== data[0].id) {
        throw new Error(`KurrentDB append to ${streamId}: the events read back are not the ones written`);
      }
      if (key !== undefined && storedRequestHash(written[0]) !== (options.requestHash ?? null)) {
        // The same derived ids were written earlier for another request (its claim was lost).
        throw new IdempotencyConflictError(key);
      }
      const envelopes = written.map((r) => toEnvelope(r));
      const result: AppendResult = {
        streamId,
        nextExpectedRevision: firstRevision + data.length - 1,
        firstPosition: envelopes[0].globalPosition,
        lastPosition: envelopes[envelopes.length - 1].globalPosition,
        events: envelopes.map((e) => this.upcasters.apply(e)),
        replayed: false,
      };
      if (key !== undefined) {
        const claimed = await this.claim(key, options.requestHash, result);
        if (claimed) return claimed;
      }
      this.appended.emit('appended', result.lastPosition);
      return result;
    } catch (err) {
      throw mapClientError(err, streamId, expected);
    }
  }

  /**
   * Appends and returns the revision of the first event written. Under an idempotency key a
   * conflict caused by a concurrent twin (our derived ids already at the expected place) counts
   * as written; `any` is pinned to the current revision so the server's idempotency check is the
   * strict one (it is best-effort for `any`).
   */
  private async write(streamId: string, data: ReturnType<typeof toEventData>[], expected: ExpectedRevision, idempotent: boolean): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      let pinned: ExpectedRevision = expected;
      if (idempotent && expected === 'any') {
        const last = await this.lastRevision(streamId);
        pinned = last === null ? 'no_stream' : last;
      }
      try {
        const r = await this.client.appendToStream(streamId, data, { expectedRevision: toExpectedRevision(pinned) });
        return Number(r.nextExpectedRevision) - data.length + 1;
      } catch (err) {
        if (!(err instanceof WrongExpectedVersionError) || !idempotent) throw err;
        const from = pinned === 'no_stream' ? 0 : typeof pinned === 'number' ? pinned + 1 : undefined;
        if (from !== undefined) {
          const [at] = await this.readRange(streamId, from, 1);
          if (at?.event?.id === data[0].id) return from;
        }
        if (expected !== 'any' || attempt >= 20) throw err;
      }
    }
  }

  /** Records the key's result; if another append claimed it first, answers with that one. */
  private async claim(key: string, requestHash: string | undefined, result: AppendResult): Promise<AppendResult | undefined> {
    const claim: IdempotencyClaim = {
      idempotencyKey: key,
      requestHash: requestHash ?? null,
      streamId: result.streamId,
      firstRevision: result.events[0].streamRevision,
      nextExpectedRevision: result.nextExpectedRevision,
    };
    try {
      await this.client.appendToStream(idempotencyStream(key), jsonEvent({ id: deriveEventId(key, -1), type: IDEMPOTENCY_CLAIM_TYPE, data: { ...claim } }), {
        expectedRevision: NO_STREAM,
      });
      return undefined;
    } catch (err) {
      if (!(err instanceof WrongExpectedVersionError)) throw err;
      const first = await this.readIdempotent(key, requestHash);
      if (!first || first.streamId !== result.streamId) throw new IdempotencyConflictError(key);
      return first;
    }
  }

  async readIdempotent(idempotencyKey: string, requestHash?: string): Promise<AppendResult | undefined> {
    const [record] = await this.readRange(idempotencyStream(idempotencyKey), 0, 1);
    if (!record?.event) return undefined;
    // Written by this adapter only (claimIdempotency), so its JSON is a claim.
    const claim = record.event.data as unknown as IdempotencyClaim;
    if ((claim.requestHash ?? null) !== (requestHash ?? null)) throw new IdempotencyConflictError(idempotencyKey);
    const count = claim.nextExpectedRevision - claim.firstRevision + 1;
    const events = (await this.readRange(claim.streamId, claim.firstRevision, count)).map((r) => this.upcasters.apply(toEnvelope(r)));
    return {
      streamId: claim.streamId,
      nextExpectedRevision: claim.nextExpectedRevision,
      firstPosition: events[0]?.globalPosition ?? 0,
      lastPosition: events[events.length - 1]?.globalPosition ?? 0,
      events,
      replayed: true,
    };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<EventEnvelope[]> {
    const out: EventEnvelope[] = [];
    const to = options.toPosition ?? Number.MAX_SAFE_INTEGER;
    for (const r of await this.readRange(streamId, options.fromRevision ?? 0)) {
      const e = toEnvelope(r);
      if (e.globalPosition > to) break; // revisions and positions grow together within a stream
      out.push(this.upcasters.apply(e));
    }
    return out;
  }

  /** One read per stream, concurrently: the gRPC client multiplexes them on one connection. */
  readStreams(streamIds: readonly string[]): Promise<EventEnvelope[][]> {
    return Promise.all(streamIds.map((id) => this.readStream(id)));
  }

  async readAll(after = 0, limit = 1000, options: ReadAllOptions = {}): Promise<EventEnvelope[]> {
    const out: EventEnvelope[] = [];
    // Reading from a position includes the record at it: everything at or before `seen` is dropped.
    let seen: Position | undefined = after === 0 ? undefined : fromGlobalPosition(after);
    try {
      for (;;) {
        const page: AllStreamResolvedEvent[] = [];
        const reading = this.client.readAll({ fromPosition: seen ?? START, maxCount: READ_PAGE, direction: FORWARDS });
        for await (const r of reading) page.push(r);
        for (const r of page) {
          const e = r.event;
          if (!e || (seen && comparePositions(e.position, seen) <= 0) || isInternal(e.streamId, e.type)) continue;
          const env = toEnvelope(r);
          out.push(options.raw ? env : this.upcasters.apply(env));
          if (out.length >= limit) return out;
        }
        const last = page[page.length - 1]?.event?.position;
        if (page.length < READ_PAGE || !last) return out;
        seen = last;
      }
    } catch (err) {
      throw mapClientError(err, '$all', 'any');
    }
  }

  async headPosition(): Promise<number> {
    try {
      let from: ReadPosition = END;
      for (;;) {
        const page: AllStreamResolvedEvent[] = [];
        for await (const r of this.client.readAll({ fromPosition: from, maxCount: READ_PAGE, direction: BACKWARDS })) page.push(r);
        for (const r of page) {
          if (r.event && !isInternal(r.event.streamId, r.event.type)) return toEnvelope(r).globalPosition;
        }
        if (page.length < READ_PAGE) return 0;
        from = page[page.length - 1].event!.position;
      }
    } catch (err) {
      throw mapClientError(err, '$all', 'any');
    }
  }

  /**
   * Listeners hear this process's appends at once and, through a live filtered `$all`
   * subscription opened for the first listener, appends made by any other process too: projection
   * runners in every API instance wake on the server's push instead of waiting for their poll.
   */
  onAppended(listener: (lastPosition: number) => void): () => void {
    this.appended.on('appended', listener);
    this.live ??= subscribeToRegistryEvents(this.client, 'end', (events) => {
      this.appended.emit('appended', events[events.length - 1].globalPosition);
      return Promise.resolve();
    });
    return () => {
      this.appended.off('appended', listener);
      if (this.appended.listenerCount('appended') === 0) void this.stopLive();
    };
  }

  private async stopLive(): Promise<void> {
    const live = this.live;
    this.live = undefined;
    await live?.stop();
  }

  /**
   * Catch-up subscription to `$all` with the server-side filter that drops `$` event types (system
   * events and our idempotency claims), in batches, resuming from the last completed batch after
   * an error. Projection runners do not use it for their batches: they read after the checkpoint
   * stored in SQL, inside the transaction that moves it (docs/adr/0013-kurrentdb.md).
   */
  subscribe(after: number, handler: (events: EventEnvelope[]) => Promise<void>, options: SubscribeOptions = {}): Subscription {
    return subscribeToRegistryEvents(this.client, after, handler, {
      batchSize: options.batchSize,
      retryMs: Math.max(options.pollIntervalMs ?? 250, 1000),
      map: (e) => this.upcasters.apply(e),
    });
  }

  private async lastRevision(streamId: string): Promise<number | null> {
    try {
      for await (const r of this.client.readStream(streamId, { fromRevision: END, direction: BACKWARDS, maxCount: 1 })) {
        if (r.event) return Number(r.event.revision);
      }
      return null;
    } catch (err) {
      if (err instanceof StreamNotFoundError) return null;
      throw err;
    }
  }

  /** Events of a stream from a revision (at most `count`); empty when the stream does not exist. */
  private async readRange(streamId: string, fromRevision: number, count?: number): Promise<ResolvedEvent[]> {
    const out: ResolvedEvent[] = [];
    try {
      for await (const r of this.client.readStream(streamId, {
        fromRevision: BigInt(fromRevision),
        direction: FORWARDS,
        ...(count !== undefined ? { maxCount: count } : {}),
      })) {
        out.push(r);
      }
      return out;
    } catch (err) {
      if (err instanceof StreamNotFoundError) return [];
      throw mapClientError(err, streamId, 'any');
    }
  }
}
