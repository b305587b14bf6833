import { EventEmitter } from 'node:events';
import { storableJson, validateAppend } from '../append-rules';
import { newEventId } from '../event-id';
import { leafFormatSetting, withCommitmentSeed } from '../commitment-seed';
import { valuesStatement } from './values-statement';
import type { AppendOptions, AppendResult, EventEnvelope, EventMetadata, ExpectedRevision, NewEvent, ReadStreamOptions } from '../envelope';
import { ConcurrencyError, DuplicateEventIdError, IdempotencyConflictError } from '../errors';
import type { EventStore, ReadAllOptions, SubscribeOptions, Subscription } from '../event-store.port';
import { pollingSubscription } from '../subscription';
import { UpcasterRegistry } from '../upcasters';
import { pgInt4Array, pgTextArray } from './pg-binary-array';
import { EVENT_COLUMNS, type EventRow as StoredEventRow, storedEnvelope } from './event-row';
import { isUniqueViolation, type NativeSqlite, type Row, type SqlDatabase, type SqlTx, toStoreError, uniqueConstraintOf } from './sql-database';

const COLUMNS = EVENT_COLUMNS;
const INSERT_CHUNK = 500;
const INSERT_HEAD = `INSERT INTO events (${COLUMNS}) VALUES `;
/** The events an idempotency key's first append stored, to answer a retry with. */
const REPLAY_ROWS = `SELECT ${COLUMNS} FROM events WHERE global_position >= ? AND global_position <= ? ORDER BY global_position`;
const replayRange = (seen: Row) => [Number(seen.first_position), Number(seen.last_position)];

type EventRow = StoredEventRow & Row;

interface PreparedBatch {
  streamId: string;
  recordedAt: string;
  events: Array<{
    eventId: string;
    type: string;
    schemaVersion: number;
    data: Record<string, unknown>;
    metadata: EventMetadata;
    dataText: string;
    metadataText: string;
  }>;
}

type Outcome = { result: AppendResult } | { error: unknown };

interface PendingAppend {
  batch: PreparedBatch;
  expected: ExpectedRevision;
  options: AppendOptions;
  settle: (outcome: Outcome) => void;
}

interface GroupRow extends Row {
  item: number;
  status: 'ok' | 'replay' | 'error';
  last_position: string | number | null;
  start_revision: number | null;
  stored_stream: string | null;
  stored_hash: string | null;
  stored_first: string | number | null;
  stored_next: number | null;
  error_code: string | null;
  error_detail: string | null;
  error_constraint: string | null;
}

/** Appends per group: SQLite savepoints are cheap; on PostgreSQL each append is a subtransaction,
 * and more than 64 of them in one transaction overflow every backend's snapshot cache. */
const SQLITE_GROUP_APPENDS = 500;
const PG_GROUP_APPENDS = 32;
/** Streams per query in `readStreams`: one parameter each, under every driver's limit. */
const READ_STREAMS_CHUNK = 500;

class IdempotentReplay extends Error {
  constructor(readonly result: AppendResult) {
    super('idempotent replay');
  }
}

/**
 * The event store on SQLite (embedded) or PostgreSQL, through TypeORM.
 *
 * Ordering: every append first bumps the single `event_log_head` row, which serialises
 * appenders until commit; positions are therefore assigned gap-free and become visible in
 * position order, so a catch-up reader can never skip one (docs/adr/0002).
 */
export class SqlEventStore implements EventStore {
  private readonly appended = new EventEmitter();
  /**
   * Events up to here are known to be on disk. Where commits are flushed after COMMIT (SQLite,
   * ADR 0024), a reader waits for a flush before it is given a later one: nothing is shown,
   * projected, sealed into a signed tree head or sent on that a power cut could still undo.
   */
  private flushedThrough = 0;

  constructor(
    private readonly db: SqlDatabase,
    private readonly upcasters = new UpcasterRegistry(),
    private readonly clock: () => Date = () => new Date(),
    /** Leaf format of the events written (ADR 0039): 2 gives each a commitment seed. */
    private readonly leafFormat: 1 | 2 = leafFormatSetting(),
  ) {
    this.appended.setMaxListeners(0);
  }

  async append(streamId: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    validateAppend(streamId, events);
    const expected = options.expectedRevision ?? 'any';
    const batch = this.prepare(streamId, events, options);
    try {
      const result = await this.appendGrouped(batch, expected, options);
      // The group's transaction resolved after its flush.
      this.flushedThrough = Math.max(this.flushedThrough, result.lastPosition);
      if (!result.replayed) this.appended.emit('appended', result.lastPosition);
      return result;
    } catch (err) {
      const answer = await this.answerFailedAppend(err, batch, expected, options);
      await this.onDisk(answer.lastPosition);
      return answer;
    }
  }

  /** Turns what a failed append threw into its answer: a replay, or the port's typed error. */
  private async answerFailedAppend(err: unknown, batch: PreparedBatch, expected: ExpectedRevision, options: AppendOptions): Promise<AppendResult> {
    const streamId = batch.streamId;
    if (err instanceof IdempotentReplay) return err.result;
    if (isUniqueViolation(err) && /event_id/.test(uniqueConstraintOf(err))) {
      throw new DuplicateEventIdError(batch.events.map((e) => e.eventId));
    }
    if (isUniqueViolation(err) && options.idempotencyKey && /idempotency/.test(uniqueConstraintOf(err))) {
      // The same key committed concurrently: answer with what it produced.
      const first = await this.readIdempotent(options.idempotencyKey, options.requestHash);
      if (first && first.streamId === streamId) return first;
      throw new IdempotencyConflictError(options.idempotencyKey);
    }
    const code = (err as { driverError?: { code?: string; detail?: string } }).driverError;
    if (code?.code === 'OR409') {
      throw new ConcurrencyError(streamId, expected, code.detail === 'none' ? null : Number(code.detail));
    }
    if (isUniqueViolation(err)) {
      // Only reachable if the head lock were bypassed; never report it as success.
      throw new ConcurrencyError(streamId, expected, await this.streamRevision(streamId));
    }
    throw err;
  }

  private pending: PendingAppend[] = [];
  private draining = false;

  /**
   * Group commit: appends that queue up while a group is being committed go into the next one
   * together, so many appends share one commit and one WAL flush / fsync (ADR 0018). Each append
   * still succeeds or fails alone (savepoint on SQLite, exception block on PostgreSQL), and each
   * caller gets its own result or error.
   */
  private appendGrouped(batch: PreparedBatch, expected: ExpectedRevision, options: AppendOptions): Promise<AppendResult> {
    const outcome = new Promise<Outcome>((settle) => this.pending.push({ batch, expected, options, settle }));
    if (!this.draining) {
      this.draining = true;
      // After the current job: appends made in one loop (a feed batch's streams) form one group,
      // not a group of the first and another of the rest.
      queueMicrotask(() => void this.drain());
    }
    return outcome.then((o) => {
      if ('error' in o) throw o.error;
      return o.result;
    });
  }

  private async drain(): Promise<void> {
    const postgres = this.db.dialect.kind === 'postgres';
    while (this.pending.length) {
      const group = this.pending.splice(0, postgres ? PG_GROUP_APPENDS : SQLITE_GROUP_APPENDS);
      try {
        const outcomes = postgres ? await this.commitGroupPostgres(group) : await this.commitGroupSqlite(group);
        group.forEach((item, i) => item.settle(outcomes[i]));
      } catch (error) {
        // The group's transaction failed as a whole (busy, disk, connection): nothing of it is stored.
        for (const item of group) item.settle({ error });
      }
    }
    this.draining = false;
  }

  /**
   * SQLite: one BEGIN IMMEDIATE transaction of the serial queue, a savepoint per append. The
   * statements run synchronously on better-sqlite3 (prepared once): for a group of many small
   * appends (a feed batch is one per output stream) TypeORM's async query per statement cost more
   * than SQLite's own work (ADR 0048).
   */
  private commitGroupSqlite(group: PendingAppend[]): Promise<Outcome[]> {
    return this.db.transaction((tx) => Promise.resolve(this.appendGroupIn(tx.native, group)));
  }

  private appendGroupIn(native: NativeSqlite, group: PendingAppend[]): Outcome[] {
    const together = this.appendTogether(native, group);
    if (together) return together;
    const outcomes: Outcome[] = [];
    for (const item of group) {
      native.run('SAVEPOINT append_item');
      try {
        outcomes.push({ result: this.appendIn(native, item.batch, item.expected, item.options) });
        native.run('RELEASE append_item');
      } catch (error) {
        native.run('ROLLBACK TO append_item');
        native.run('RELEASE append_item');
        // A full disk or a read-only file is the store's fault, worded as everywhere else.
        outcomes.push({ error: toStoreError(error) });
      }
    }
    return outcomes;
  }

  /**
   * SQLite, a group without idempotency keys (a feed batch: one append per new output stream):
   * every stream's revision read in one statement, each append checked against it in order (an
   * earlier append of the group to the same stream counts), the accepted ones' events inserted
   * in multi-row statements and the head moved once, instead of a savepoint, a head bump, a
   * revision read and an insert per append (ADR 0048). An append refused by its expected revision
   * writes nothing and takes no position, as on the per-append path. If a statement fails (a
   * duplicate event id), everything of it is rolled back and `undefined` sends the group down the
   * per-append path, which gives each append its own answer.
   */
  private appendTogether(native: NativeSqlite, group: PendingAppend[]): Outcome[] | undefined {
    if (group.length < 2 || group.some((item) => item.options.idempotencyKey)) return undefined;
    const revisions = new Map<string, number | null>();
    const streams = [...new Set(group.map((item) => item.batch.streamId))];
    for (let i = 0; i < streams.length; i += READ_STREAMS_CHUNK) {
      const chunk = streams.slice(i, i + READ_STREAMS_CHUNK);
      const rows = native.all<{ stream_id: string; rev: number | string }>(
        `SELECT stream_id, MAX(stream_revision) AS rev FROM events WHERE stream_id IN (${chunk.map(() => '?').join(', ')}) GROUP BY stream_id`,
        chunk,
      );
      for (const row of rows) revisions.set(row.stream_id, Number(row.rev));
    }
    const head = native.get<{ position: number | string }>('SELECT position FROM event_log_head WHERE id = 1')!;
    let position = Number(head.position);
    const outcomes: Outcome[] = [];
    const rows: unknown[][] = [];
    for (const { batch, expected } of group) {
      const actual = revisions.get(batch.streamId) ?? null;
      if (!revisionMatches(expected, actual)) {
        outcomes.push({ error: new ConcurrencyError(batch.streamId, expected, actual) });
        continue;
      }
      const startRevision = actual === null ? 0 : actual + 1;
      const first = position + 1;
      batch.events.forEach((e, k) =>
        rows.push([first + k, e.eventId, batch.streamId, startRevision + k, e.type, e.schemaVersion, batch.recordedAt, e.dataText, e.metadataText]),
      );
      position += batch.events.length;
      revisions.set(batch.streamId, startRevision + batch.events.length - 1);
      outcomes.push({ result: this.result(batch, position, startRevision) });
    }
    if (rows.length === 0) return outcomes;
    native.run('SAVEPOINT append_group');
    try {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const chunk = rows.slice(i, i + INSERT_CHUNK);
        native.run(valuesStatement(INSERT_HEAD, 9, chunk.length, ''), chunk.flat());
      }
      native.run('UPDATE event_log_head SET position = ? WHERE id = 1', [position]);
      native.run('RELEASE append_group');
    } catch {
      native.run('ROLLBACK TO append_group');
      native.run('RELEASE append_group');
      return undefined;
    }
    return outcomes;
  }

  /**
   * PostgreSQL: the whole group in one autocommitted statement (migration PgAppendGroupFunction):
   * one round trip and one WAL flush for the group, the head-row lock held only for its duration.
   */
  private async commitGroupPostgres(group: PendingAppend[]): Promise<Outcome[]> {
    const events = group.flatMap((item) => item.batch.events);
    // Arrays in binary form: no escaping of the JSON's quotes on either side (ADR 0031).
    const rows = await this.db.query<GroupRow>('SELECT * FROM oversight_append_group(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      pgTextArray(group.map((item) => item.batch.streamId)),
      pgTextArray(group.map((item) => String(item.expected))),
      pgTextArray(group.map((item) => item.options.idempotencyKey ?? null)),
      pgTextArray(group.map((item) => item.options.requestHash ?? null)),
      pgTextArray(group.map((item) => item.batch.recordedAt)),
      pgInt4Array(group.map((item) => item.batch.events.length)),
      pgTextArray(events.map((e) => e.eventId)),
      pgTextArray(events.map((e) => e.type)),
      pgInt4Array(events.map((e) => e.schemaVersion)),
      pgTextArray(events.map((e) => e.dataText)),
      pgTextArray(events.map((e) => e.metadataText)),
    ]);
    const byItem = new Map(rows.map((row) => [Number(row.item), row]));
    return Promise.all(
      group.map(async (item, i): Promise<Outcome> => {
        const row = byItem.get(i + 1);
        if (!row) return { error: new Error('oversight_append_group returned no row for an append') };
        if (row.status === 'error') {
          // Shaped like the driver's error, so answerFailedAppend reads it as for a single append.
          const driverError = { code: row.error_code, detail: row.error_detail, constraint: row.error_constraint ?? undefined };
          return { error: Object.assign(new Error(`append failed (${row.error_code})`), { code: row.error_code, driverError }) };
        }
        if (row.status === 'replay') {
          const options = item.options;
          if ((row.stored_hash ?? null) !== (options.requestHash ?? null) || row.stored_stream !== item.batch.streamId) {
            return { error: new IdempotencyConflictError(options.idempotencyKey!) };
          }
          try {
            const result = await this.replayResult(this.db, {
              stream_id: row.stored_stream,
              first_position: row.stored_first,
              last_position: row.last_position,
              next_revision: row.stored_next,
            });
            return { error: new IdempotentReplay(result) };
          } catch (error) {
            return { error };
          }
        }
        return { result: this.result(item.batch, Number(row.last_position), Number(row.start_revision)) };
      }),
    );
  }

  /** Ids, time and the exact JSON text of each event, fixed before any attempt to store them. */
  private prepare(streamId: string, events: NewEvent[], options: AppendOptions): PreparedBatch {
    return {
      streamId,
      recordedAt: this.clock().toISOString(),
      events: events.map((e) => {
        const metadata = withCommitmentSeed(mergeMetadata(options, e.metadata), this.leafFormat);
        return {
          eventId: e.eventId ?? newEventId(),
          type: e.type,
          schemaVersion: e.schemaVersion ?? 1,
          data: e.data,
          metadata,
          dataText: storableJson(JSON.stringify(e.data), e.type, 'data', e.data),
          metadataText: storableJson(JSON.stringify(metadata), e.type, 'metadata', metadata),
        };
      }),
    };
  }

  private envelopes(batch: PreparedBatch, lastPosition: number, startRevision: number): EventEnvelope[] {
    const first = lastPosition - batch.events.length + 1;
    return batch.events.map((e, i) => ({
      eventId: e.eventId,
      type: e.type,
      schemaVersion: e.schemaVersion,
      streamId: batch.streamId,
      streamRevision: startRevision + i,
      globalPosition: first + i,
      recordedAt: batch.recordedAt,
      data: e.data,
      metadata: e.metadata,
    }));
  }

  private result(batch: PreparedBatch, lastPosition: number, startRevision: number): AppendResult {
    return {
      streamId: batch.streamId,
      nextExpectedRevision: startRevision + batch.events.length - 1,
      firstPosition: lastPosition - batch.events.length + 1,
      lastPosition,
      events: this.envelopes(batch, lastPosition, startRevision).map((e) => this.upcasters.apply(e)),
      replayed: false,
    };
  }

  /** SQLite: the steps of one append, inside the group's transaction (synchronous). */
  private appendIn(native: NativeSqlite, batch: PreparedBatch, expected: ExpectedRevision, options: AppendOptions): AppendResult {
    const n = batch.events.length;
    // Lock first: a write as the first statement also takes SQLite's write lock up front.
    const head = native.get<{ position: number | string }>('UPDATE event_log_head SET position = position + ? WHERE id = 1 RETURNING position', [n])!;
    const last = Number(head.position);
    const first = last - n + 1;

    if (options.idempotencyKey) {
      const seen = native.get('SELECT * FROM idempotency_keys WHERE idempotency_key = ?', [options.idempotencyKey]);
      if (seen) {
        if ((seen.request_hash ?? null) !== (options.requestHash ?? null) || seen.stream_id !== batch.streamId) {
          throw new IdempotencyConflictError(options.idempotencyKey);
        }
        // Rolls the head bump back; the first result is re-read from the log.
        throw new IdempotentReplay(idempotentResult(seen, this.loggedRange(native.all<EventRow>(REPLAY_ROWS, replayRange(seen)))));
      }
    }

    const current = native.get<{ rev: number | string | null }>('SELECT MAX(stream_revision) AS rev FROM events WHERE stream_id = ?', [batch.streamId]);
    const actual = current?.rev === null || current?.rev === undefined ? null : Number(current.rev);
    if (!revisionMatches(expected, actual)) throw new ConcurrencyError(batch.streamId, expected, actual);

    const startRevision = actual === null ? 0 : actual + 1;
    for (let i = 0; i < n; i += INSERT_CHUNK) {
      const chunk = batch.events.slice(i, i + INSERT_CHUNK);
      const params: unknown[] = [];
      chunk.forEach((e, j) => {
        const k = i + j;
        params.push(first + k, e.eventId, batch.streamId, startRevision + k, e.type, e.schemaVersion, batch.recordedAt, e.dataText, e.metadataText);
      });
      native.run(valuesStatement(INSERT_HEAD, 9, chunk.length, ''), params);
    }
    if (options.idempotencyKey) {
      native.run(
        `INSERT INTO idempotency_keys (idempotency_key, request_hash, stream_id, first_position, last_position, next_revision, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [options.idempotencyKey, options.requestHash ?? null, batch.streamId, first, last, startRevision + n - 1, batch.recordedAt],
      );
    }
    return this.result(batch, last, startRevision);
  }

  private loggedRange(rows: EventRow[]): EventEnvelope[] {
    return rows.map((r) => this.toEnvelope(r));
  }

  private async replayResult(tx: Pick<SqlTx, 'query'>, seen: Row): Promise<AppendResult> {
    return idempotentResult(seen, this.loggedRange(await tx.query<EventRow>(REPLAY_ROWS, replayRange(seen))));
  }

  async readIdempotent(idempotencyKey: string, requestHash?: string): Promise<AppendResult | undefined> {
    const [seen] = await this.db.query('SELECT * FROM idempotency_keys WHERE idempotency_key = ?', [idempotencyKey]);
    if (!seen) return undefined;
    if ((seen.request_hash ?? null) !== (requestHash ?? null)) throw new IdempotencyConflictError(idempotencyKey);
    return idempotentResult(seen, this.loggedRange(await this.db.query<EventRow>(REPLAY_ROWS, replayRange(seen))));
  }

  private async streamRevision(streamId: string): Promise<number | null> {
    const [row] = await this.db.query<{ rev: number | string | null }>('SELECT MAX(stream_revision) AS rev FROM events WHERE stream_id = ?', [streamId]);
    return row?.rev === null || row?.rev === undefined ? null : Number(row.rev);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<EventEnvelope[]> {
    const rows = await this.db.query<EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND stream_revision >= ? AND global_position <= ?
       ORDER BY stream_revision`,
      [streamId, options.fromRevision ?? 0, options.toPosition ?? Number.MAX_SAFE_INTEGER],
    );
    // In revision order, so also in position order: the last row is the latest.
    if (rows.length) await this.onDisk(Number(rows[rows.length - 1].global_position));
    return rows.map((r) => this.toEnvelope(r));
  }

  async readStreams(streamIds: readonly string[]): Promise<EventEnvelope[][]> {
    const byStream = new Map<string, EventEnvelope[]>(streamIds.map((id) => [id, []]));
    const ids = [...byStream.keys()];
    let last = 0;
    for (let i = 0; i < ids.length; i += READ_STREAMS_CHUNK) {
      const chunk = ids.slice(i, i + READ_STREAMS_CHUNK);
      const rows = await this.db.query<EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE stream_id IN (${chunk.map(() => '?').join(', ')}) ORDER BY stream_id, stream_revision`,
        chunk,
      );
      for (const r of rows) {
        byStream.get(r.stream_id)!.push(this.toEnvelope(r));
        last = Math.max(last, Number(r.global_position));
      }
    }
    // As readStream: what was read is on disk before anyone decides on it.
    if (last) await this.onDisk(last);
    return streamIds.map((id) => byStream.get(id)!);
  }

  async readAll(after = 0, limit = 1000, options: ReadAllOptions = {}): Promise<EventEnvelope[]> {
    const rows = await this.db.query<EventRow>(`SELECT ${COLUMNS} FROM events WHERE global_position > ? ORDER BY global_position LIMIT ?`, [after, limit]);
    if (rows.length) await this.onDisk(Number(rows[rows.length - 1].global_position));
    // better-sqlite3 answers within the same turn of the event loop: a reader polling in a loop
    // would never let a flush's completion (I/O) run, and the appends it waits for never end.
    else if (this.db.walSync) await new Promise((resolve) => setImmediate(resolve));
    return rows.map((r) => this.toEnvelope(r, options.raw));
  }

  /** Waits, if need be, until events up to `last` (already read, so committed) are on disk. */
  private async onDisk(last: number): Promise<void> {
    if (!this.db.walSync || last <= this.flushedThrough) return;
    // A flush started after the read covers every commit the read saw.
    await this.db.flushed();
    this.flushedThrough = Math.max(this.flushedThrough, last);
  }

  /**
   * The last committed position, once it is on disk: the bound for a reader that reads the
   * database file with a connection of its own (the ledger's leaf worker) and so bypasses onDisk.
   */
  async durableHead(): Promise<number> {
    const head = await this.headPosition();
    await this.onDisk(head);
    return head;
  }

  /** The highest position known to be on disk in this process (tests, metrics). */
  get flushedPosition(): number {
    return this.flushedThrough;
  }

  async headPosition(): Promise<number> {
    const [row] = await this.db.query<{ p: number | string | null }>('SELECT MAX(global_position) AS p FROM events');
    return row?.p === null || row?.p === undefined ? 0 : Number(row.p);
  }

  onAppended(listener: (lastPosition: number) => void): () => void {
    this.appended.on('appended', listener);
    return () => this.appended.off('appended', listener);
  }

  subscribe(after: number, handler: (events: EventEnvelope[]) => Promise<void>, options: SubscribeOptions = {}): Subscription {
    return pollingSubscription(this, this.appended, after, handler, options);
  }

  private toEnvelope(r: EventRow, raw = false): EventEnvelope {
    const stored = storedEnvelope(r);
    return raw ? stored : this.upcasters.apply(stored);
  }
}

function idempotentResult(seen: Row, events: EventEnvelope[]): AppendResult {
  return {
    streamId: String(seen.stream_id),
    nextExpectedRevision: Number(seen.next_revision),
    firstPosition: Number(seen.first_position),
    lastPosition: Number(seen.last_position),
    events,
    replayed: true,
  };
}

function revisionMatches(expected: ExpectedRevision, actual: number | null): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === null;
  if (expected === 'stream_exists') return actual !== null;
  return actual === expected;
}

function mergeMetadata(options: AppendOptions, own: EventMetadata | undefined): EventMetadata {
  const merged: EventMetadata = { ...(options.metadata ?? {}), ...(own ?? {}) };
  if (options.idempotencyKey && merged.idempotencyKey === undefined) merged.idempotencyKey = options.idempotencyKey;
  return merged;
}
