import { Logger } from '@nestjs/common';
import { Table, TableIndex, TableUnique, type DataSource } from 'typeorm';
import type { EventEnvelope } from '../envelope';
import type { EventStore } from '../event-store.port';
import { ReadModelsBehindError } from '../errors';
import type { SqlDatabase } from '../sql/sql-database';
import type { Leases } from './leases';
import type { EntityClass, Projection } from './projection';
import { SqlProjectionContext } from './projection-context';
import { failureMessage } from './failure-message';

export interface RebuildProgress {
  projection: string;
  position: number;
  head: number;
}

/** The checkpoint moved under us (another runner or a swap): the batch is dropped and re-read. */
class CheckpointMoved extends Error {}

/** A batch's transaction failed; `relevant` are the events of it the projection read. */
class BatchFailed extends Error {
  constructor(
    readonly relevant: EventEnvelope[],
    readonly last: number,
    override readonly cause: unknown,
  ) {
    super(failureMessage(cause));
  }
}

interface Checkpoint {
  position: number;
  version: number;
  /** A failure is recorded on the row: the next batch that moves past it clears it. */
  failing: boolean;
}

/** Why a projection stands still, as recorded on its checkpoint row (any process can read it). */
export interface ProjectionFailure {
  /** Global position of the event it fails on; null when it failed before reaching one. */
  position: number | null;
  eventType: string | null;
  streamId: string | null;
  /** Sanitised (`failureMessage`): no event payload, no quoted row values. */
  error: string;
  since: string;
  attempts: number;
}

export interface ProjectionStatus {
  projection: string;
  position: number;
  failure?: ProjectionFailure;
}

const CLEAR_FAILURE =
  'last_error = NULL, last_error_position = NULL, last_error_event_type = NULL, last_error_stream = NULL, failing_since = NULL, attempts = 0';

/** How long a checkpoint may lag over events a projection does not read before it is written. */
const SKIP_PERSIST_MS = 1000;

/**
 * Feeds events from the global log to projections. Each batch's read-model writes and its
 * checkpoint commit in one transaction, guarded by `WHERE position = <where we started>`,
 * so every event takes effect exactly once across crashes, restarts and several processes.
 */
export class ProjectionRunner {
  private readonly logger = new Logger('Projections');
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly wake: Array<() => void> = [];
  /** Loops waiting out a failure's back-off: woken by stop, not by appends. */
  private readonly backingOff: Array<() => void> = [];
  private readonly ready = new Map<string, boolean>();
  /**
   * Batches without an event a projection reads move its checkpoint in memory only, written at
   * most once a second (and on idle, stop and the end of catchUp): otherwise every append would
   * cost each projection a commit (an fsync each) just to step over another context's event.
   * Skipping such events twice after a crash is harmless: they change nothing.
   */
  private readonly skipped = new Map<string, { position: number; since: number }>();
  /**
   * The log's most recent events as the live projections read them: every projection follows the
   * same tail, so the first to read a page reads it from the store and the others take it from
   * here (ADR 0044). Without it each appended event was read and parsed once per projection.
   */
  private readonly tail: LogTail;
  /** Events each live projection has applied (committed) in this process: metrics, lease tests. */
  readonly applied = new Map<string, number>();
  /** Failed attempts of each live projection in this process: metrics. */
  readonly failed = new Map<string, number>();

  constructor(
    private readonly db: SqlDatabase,
    private readonly store: EventStore,
    readonly projections: Projection[],
    /**
     * `leases`: with several processes on one database, only the holder runs a projection.
     * `rebuildBatchSize` (default 5 × `batchSize`): events per transaction of a rebuild, which
     * writes to tables nobody reads yet, so fewer, larger commits cost only its own latency.
     * `failureBackoffMs` (default 500): the first wait after a failure, doubled per attempt up to 64×, at most 30 s.
     */
    private readonly options: {
      batchSize?: number;
      rebuildBatchSize?: number;
      pollIntervalMs?: number;
      failureBackoffMs?: number;
      leases?: Leases;
      /** Recent events kept for the live projections to share (default 4 × `batchSize`; 0: none). */
      tailSize?: number;
    } = {},
  ) {
    this.tail = new LogTail(Math.max(options.tailSize ?? 4 * this.batchSize, 0));
    const names = new Set<string>();
    for (const p of projections) {
      if (names.has(p.name)) throw new Error(`Projection ${p.name} registered twice`);
      names.add(p.name);
    }
  }

  private get batchSize(): number {
    return this.options.batchSize ?? 1000;
  }

  private get ds(): DataSource {
    return this.db.dataSource;
  }

  get(name: string): Projection {
    const p = this.projections.find((x) => x.name === name);
    if (!p) throw new Error(`Unknown projection "${name}" (known: ${this.projections.map((x) => x.name).join(', ')})`);
    return p;
  }

  /**
   * Creates missing read-model tables; a projection whose stored version differs from the
   * code is rebuilt blue/green before it runs live again.
   */
  async prepare(): Promise<Projection[]> {
    const stale: Projection[] = [];
    for (const p of this.projections) {
      const cp = await this.checkpoint(p.name);
      if (!cp) {
        await this.createTables(liveTables(this.ds, p), true);
        await this.db.query('INSERT INTO projection_checkpoints (name, position, version, updated_at) VALUES (?, 0, ?, ?) ON CONFLICT (name) DO NOTHING', [
          p.name,
          p.version,
          new Date().toISOString(),
        ]);
        this.ready.set(p.name, true);
      } else if (cp.version !== p.version) {
        stale.push(p);
        this.ready.set(p.name, false);
      } else {
        this.ready.set(p.name, true);
      }
    }
    return stale;
  }

  /** Starts following the log; stale projections are rebuilt first, in the background. */
  async start(prepared?: Projection[]): Promise<void> {
    // `prepared`: the stale projections a `prepare()` of this process already found (no second pass).
    const stale = prepared ?? (await this.prepare());
    this.running = true;
    for (const p of this.projections) {
      this.loops.push(
        (async () => {
          while (this.running && !(await this.leased(p))) await this.idle(this.options.pollIntervalMs ?? 250);
          // Another instance may have rebuilt it while this one waited for the lease.
          if (stale.includes(p) && this.running && (await this.checkpoint(p.name))?.version !== p.version) {
            this.logger.log(`Projection ${p.name} changed to version ${p.version}: rebuilding`);
            await this.rebuild(p.name);
          }
          await this.follow(p);
        })(),
      );
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const w of [...this.wake, ...this.backingOff]) w();
    await Promise.allSettled(this.loops);
    this.loops = [];
    // Best effort: at shutdown the connection may already be closed; re-skipping is harmless.
    if (this.ds.isInitialized) await this.persistSkipped(0).catch(() => undefined);
  }

  /**
   * Writes checkpoints moved in memory (over unread events) at least `olderThanMs` ago: one
   * projection's own from its loop (another's may be inside its batch right now), all at stop.
   */
  private async persistSkipped(olderThanMs: number, only?: string): Promise<void> {
    for (const [name, skip] of [...this.skipped]) {
      if (only !== undefined && name !== only) continue;
      if (Date.now() - skip.since < olderThanMs) continue;
      // Forward only: a position below ours means the events in between are ones this
      // projection does not read; a position above it is newer than ours.
      // Not durable (as a batch's checkpoint): a durable autocommit flushed the WAL on the event
      // loop, once a second per projection that reads none of the events appended.
      await this.db.transaction(
        (tx) =>
          tx.query('UPDATE projection_checkpoints SET position = ?, updated_at = ? WHERE name = ? AND position < ?', [
            skip.position,
            new Date().toISOString(),
            name,
            skip.position,
          ]),
        { durable: false },
      );
      if (this.skipped.get(name) === skip) this.skipped.delete(name);
    }
  }

  /** Nudges idle loops after an append in this process. */
  notify(): void {
    for (const w of [...this.wake]) w();
  }

  /** Whether this process may run `p` now: always without leases, else while it holds p's lease. */
  private leased(p: Projection): Promise<boolean> {
    return this.options.leases ? this.options.leases.hold(`projection:${p.name}`) : Promise.resolve(true);
  }

  private async follow(p: Projection): Promise<void> {
    let failures = 0;
    // After a batch of several events failed: batches end at the first event `p` reads until
    // the checkpoint passes this position, so that a failure names the one event it fails on.
    let narrowUntil = 0;
    while (this.running) {
      try {
        if (!(await this.leased(p))) {
          await this.idle(this.options.pollIntervalMs ?? 250);
          continue;
        }
        const { events, last } = await this.runBatch(p.name, p, liveTables(this.ds, p), true, this.batchSize, narrowUntil > 0);
        failures = 0;
        if (last >= narrowUntil) narrowUntil = 0;
        if (events === 0) {
          await this.persistSkipped(SKIP_PERSIST_MS, p.name);
          await this.idle(this.options.pollIntervalMs ?? 250);
        }
      } catch (err) {
        if (err instanceof CheckpointMoved) continue;
        if (err instanceof BatchFailed && err.relevant.length > 1) {
          narrowUntil = err.last;
          continue;
        }
        failures++;
        await this.failedOn(p.name, err instanceof BatchFailed ? err.relevant[0] : undefined, err instanceof BatchFailed ? err.cause : err, failures);
        // An append does not cut a back-off short (only stop does): under write load each append
        // would otherwise be one more failed attempt and one more log line for the same event.
        await this.idle(Math.min(30_000, (this.options.failureBackoffMs ?? 500) * 2 ** Math.min(failures, 6)), 'back-off');
      }
    }
  }

  /**
   * Records a failure on the checkpoint row (attempts count up while it is the same event) and
   * logs one structured line: projection, position, event type, attempt; never the payload.
   */
  private async failedOn(name: string, event: EventEnvelope | undefined, cause: unknown, attempt: number): Promise<void> {
    this.failed.set(name, (this.failed.get(name) ?? 0) + 1);
    const error = failureMessage(cause);
    const position = event?.globalPosition ?? null;
    let attempts = attempt;
    try {
      const [row] = await this.db.query<{ last_error_position: number | string | null; failing_since: string | null; attempts: number | string }>(
        'SELECT last_error_position, failing_since, attempts FROM projection_checkpoints WHERE name = ?',
        [name],
      );
      const now = new Date().toISOString();
      const same = !!row && Number(row.attempts) > 0 && (row.last_error_position === null ? null : Number(row.last_error_position)) === position;
      attempts = same ? Number(row.attempts) + 1 : 1;
      await this.db.query(
        'UPDATE projection_checkpoints SET last_error = ?, last_error_position = ?, last_error_event_type = ?, last_error_stream = ?, failing_since = ?, attempts = ? WHERE name = ?',
        [error, position, event?.type ?? null, event?.streamId ?? null, same ? row.failing_since : now, attempts, name],
      );
    } catch {
      // The store itself may be what fails; the log line below still tells.
    }
    this.logger.error({
      msg: `Projection ${name} failed on position ${position ?? '?'} (${event?.type ?? 'no event'}), attempt ${attempts}: ${error}`,
      projection: name,
      position,
      eventType: event?.type ?? null,
      attempt: attempts,
      error,
    });
  }

  private idle(ms: number, kind: 'poll' | 'back-off' = 'poll'): Promise<void> {
    const waiting = kind === 'poll' ? this.wake : this.backingOff;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        const i = waiting.indexOf(done);
        if (i >= 0) waiting.splice(i, 1);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiting.push(done);
    });
  }

  /** Processes every event up to the current head for all live projections (tests, CLI). */
  async catchUp(): Promise<void> {
    for (const p of this.projections) await this.catchUpOne(p);
    await this.persistSkipped(0);
  }

  private async catchUpOne(p: Projection): Promise<void> {
    if (this.ready.get(p.name) === false) return;
    for (;;) {
      try {
        if ((await this.runBatch(p.name, p, liveTables(this.ds, p), true)).events === 0) return;
      } catch (err) {
        if (err instanceof BatchFailed) throw err.cause;
        if (!(err instanceof CheckpointMoved)) throw err;
      }
    }
  }

  /**
   * For a decision read from read models (erasure grounds, holds before a purge): brings `only`
   * (default: all) up to the head, then refuses with ReadModelsBehindError, naming them, if any
   * is still below `position` (being rebuilt, or stalled on an event: its failure is on its
   * checkpoint row). A projection stalled elsewhere neither fails nor delays the decision.
   */
  async requireThrough(position: number, only?: readonly string[]): Promise<Record<string, number>> {
    const wanted = only ? only.map((name) => this.get(name)) : this.projections;
    for (const p of wanted) await this.catchUpOne(p).catch(() => undefined);
    await this.persistSkipped(0);
    const positions = await this.positions();
    const behind = wanted.filter((p) => positions[p.name] < position).map((p) => p.name);
    if (behind.length > 0) throw new ReadModelsBehindError(behind, position);
    return positions;
  }

  private async checkpoint(name: string): Promise<Checkpoint | undefined> {
    const [row] = await this.db.query<{ position: number | string; version: number | string; attempts: number | string }>(
      'SELECT position, version, attempts FROM projection_checkpoints WHERE name = ?',
      [name],
    );
    return row ? { position: Number(row.position), version: Number(row.version), failing: Number(row.attempts) > 0 } : undefined;
  }

  /** Clears a recorded failure once the checkpoint is at or past its event. */
  private async clearFailure(name: string, position: number, tx: Pick<SqlDatabase, 'query'> = this.db): Promise<void> {
    await tx.query(`UPDATE projection_checkpoints SET ${CLEAR_FAILURE} WHERE name = ? AND (last_error_position IS NULL OR last_error_position <= ?)`, [
      name,
      position,
    ]);
  }

  /** Each projection's checkpoint and, when it stands still on an event, why: read from the store. */
  async status(): Promise<ProjectionStatus[]> {
    const rows = await this.db.query<{
      name: string;
      position: number | string;
      last_error: string | null;
      last_error_position: number | string | null;
      last_error_event_type: string | null;
      last_error_stream: string | null;
      failing_since: string | null;
      attempts: number | string;
    }>('SELECT name, position, last_error, last_error_position, last_error_event_type, last_error_stream, failing_since, attempts FROM projection_checkpoints');
    const byName = new Map(rows.map((r) => [r.name, r]));
    return this.projections.map((p) => {
      const row = byName.get(p.name);
      const position = Math.max(Number(row?.position ?? 0), this.skipped.get(p.name)?.position ?? 0);
      if (!row || Number(row.attempts) === 0) return { projection: p.name, position };
      return {
        projection: p.name,
        position,
        failure: {
          position: row.last_error_position === null ? null : Number(row.last_error_position),
          eventType: row.last_error_event_type,
          streamId: row.last_error_stream,
          error: row.last_error ?? '',
          since: row.failing_since ?? '',
          attempts: Number(row.attempts),
        },
      };
    });
  }

  async positions(): Promise<Record<string, number>> {
    return Object.fromEntries((await this.status()).map((s) => [s.projection, s.position]));
  }

  /**
   * One batch: read after the checkpoint, then write rows and move the checkpoint atomically.
   * `narrow`: the batch ends at the first event the projection reads (to name a failing one).
   */
  private async runBatch(
    checkpointName: string,
    p: Projection,
    tables: Map<EntityClass, string>,
    lazy = false,
    limit = this.batchSize,
    narrow = false,
  ): Promise<{ events: number; last: number }> {
    const cp = await this.checkpoint(checkpointName);
    if (!cp) throw new Error(`No checkpoint ${checkpointName}`);
    const skip = lazy ? this.skipped.get(checkpointName) : undefined;
    const from = skip && skip.position > cp.position ? skip.position : cp.position;
    // Live batches share the log's tail (a rebuild's old events would only push it out).
    let events = await this.read(from, limit, lazy);
    if (events.length === 0) {
      // A failure before any event (the log could not be read) is over once reading works again.
      if (cp.failing) await this.clearFailure(checkpointName, from);
      return { events: 0, last: from };
    }
    const reads = (e: EventEnvelope) => !p.eventTypes || p.eventTypes.includes(e.type);
    if (narrow) {
      const first = events.findIndex(reads);
      if (first >= 0) events = events.slice(0, first + 1);
    }
    const last = events[events.length - 1].globalPosition;
    const relevant = events.filter(reads);
    // A recorded failure is cleared in a transaction, not skipped over in memory.
    if (lazy && !cp.failing && relevant.length === 0 && Date.now() - (skip?.since ?? Date.now()) < SKIP_PERSIST_MS) {
      this.skipped.set(checkpointName, { position: last, since: skip?.since ?? Date.now() });
      return { events: events.length, last };
    }
    try {
      await this.db.transaction(
        async (tx) => {
          // A write first: takes the row (PostgreSQL) or the database (SQLite) lock up front.
          const moved = await tx.query('UPDATE projection_checkpoints SET position = ?, updated_at = ? WHERE name = ? AND position = ? RETURNING position', [
            last,
            new Date().toISOString(),
            checkpointName,
            cp.position,
          ]);
          if (moved.length === 0) throw new CheckpointMoved();
          if (relevant.length) {
            const ctx = new SqlProjectionContext(tx, this.ds, tables);
            await p.handle(relevant, ctx);
            await ctx.flush();
          }
          if (cp.failing) await this.clearFailure(checkpointName, last, tx);
          // Not durable: a batch lost in a crash is lost with its checkpoint and applied again.
        },
        { durable: false },
      );
    } catch (err) {
      if (err instanceof CheckpointMoved) {
        this.skipped.delete(checkpointName);
        throw err;
      }
      throw new BatchFailed(relevant, last, err);
    }
    if (this.skipped.get(checkpointName) === skip) this.skipped.delete(checkpointName);
    if (checkpointName === p.name) this.applied.set(p.name, (this.applied.get(p.name) ?? 0) + relevant.length);
    return { events: events.length, last };
  }

  /**
   * Up to `limit` events after `from`, read in pages of `batchSize`: with a LIMIT that is a large
   * share of the table, PostgreSQL plans a sequential scan and sort of the whole log instead of
   * walking the primary key (measured: 87 ms for 5,000 of 30,000 events against 0.4 ms for 1,000).
   */
  private async read(from: number, limit: number, shared = false) {
    const page = this.batchSize;
    const events = shared ? this.tail.from(from, limit) : [];
    const readPage = (after: number, n: number) => (shared ? this.tail.read(after, n, this.store) : this.store.readAll(after, n));
    // A page is read when the tail had less than a full batch: there may be more in the store.
    for (let more = page; more === page && events.length < limit;) {
      const next = await readPage(events.length ? events[events.length - 1].globalPosition : from, Math.min(page, limit - events.length));
      more = next.length;
      for (const e of next) events.push(e);
    }
    return events;
  }

  /**
   * A rebuild's batches on PostgreSQL, two at a time: batch N+1 is read and projected (on its
   * own connection) while batch N writes and commits, so that the client's work and the
   * server's overlap (ADR 0030). N+1 starts once everything before N has committed; it takes
   * the rows N holds from N's unit of work, and writes, moves the checkpoint (guarded as in
   * `runBatch`) and commits only after N has committed.
   */
  private async replayPipelined(
    checkpointName: string,
    p: Projection,
    tables: Map<EntityClass, string>,
    limit: number,
    onProgress?: (p: RebuildProgress) => void,
  ): Promise<void> {
    let position = (await this.checkpoint(checkpointName))!.position;
    let previous: { context: SqlProjectionContext; committed: Promise<unknown> } | undefined;
    let current: Promise<unknown> | undefined;
    let committedAt = position;
    try {
      for (;;) {
        const events = await this.read(position, limit);
        if (events.length === 0) break;
        const from = position;
        const last = events[events.length - 1].globalPosition;
        const relevant = p.eventTypes ? events.filter((e) => p.eventTypes!.includes(e.type)) : events;
        const before = previous;
        let context: SqlProjectionContext | undefined;
        let flushing!: () => void;
        const handedOver = new Promise<void>((resolve) => (flushing = resolve));
        const committed = this.db.transaction(
          async (tx) => {
            context = new SqlProjectionContext(tx, this.ds, tables, before);
            if (relevant.length) await p.handle(relevant, context);
            await before?.committed;
            flushing();
            const moved = await tx.query('UPDATE projection_checkpoints SET position = ?, updated_at = ? WHERE name = ? AND position = ? RETURNING position', [
              last,
              new Date().toISOString(),
              checkpointName,
              from,
            ]);
            if (moved.length === 0) throw new CheckpointMoved();
            await context.flush();
          },
          { durable: false },
        );
        current = committed;
        committed.then(() => (committedAt = Math.max(committedAt, last))).catch(() => undefined);
        await Promise.race([handedOver, committed]);
        previous = { context: context!, committed };
        position = last;
        onProgress?.({ projection: p.name, position: committedAt, head: await this.store.headPosition() });
      }
      await previous?.committed;
      onProgress?.({ projection: p.name, position: committedAt, head: await this.store.headPosition() });
    } catch (err) {
      // Let the batches still in flight finish before the caller drops the tables they write to.
      await Promise.allSettled([previous?.committed, current]);
      throw err;
    }
  }

  /**
   * Blue/green rebuild: replays the whole log into fresh tables while the old ones keep
   * serving, then swaps them in one transaction with the live checkpoint.
   */
  async rebuild(name: string, onProgress?: (p: RebuildProgress) => void): Promise<{ position: number }> {
    const p = this.get(name);
    const stamp = Date.now().toString(36) + Math.random().toString(36).slice(2, 5);
    const tempName = `${p.name}#rebuild-${stamp}`;
    const live = liveTables(this.ds, p);
    const temp = new Map([...live].map(([entity, table]) => [entity, `${table}__r${stamp}`]));
    // Secondary indexes are built once after the replay: one sorted build instead of an index
    // update per row (ADR 0018). Primary keys and unique constraints stay: upserts need them.
    const deferred = await this.createTables(temp, false, stamp);
    await this.db.query('INSERT INTO projection_checkpoints (name, position, version, updated_at) VALUES (?, 0, ?, ?)', [
      tempName,
      p.version,
      new Date().toISOString(),
    ]);
    try {
      const limit = this.options.rebuildBatchSize ?? 5 * this.batchSize;
      if (this.db.dialect.kind === 'postgres') {
        await this.replayPipelined(tempName, p, temp, limit, onProgress);
      } else {
        // SQLite: one connection, one thread; nothing would run beside a batch's writes.
        for (;;) {
          const { events } = await this.runBatch(tempName, p, temp, false, limit).catch((err: unknown) => {
            throw err instanceof BatchFailed ? err.cause : err;
          });
          if (onProgress) {
            onProgress({ projection: p.name, position: (await this.checkpoint(tempName))!.position, head: await this.store.headPosition() });
          }
          if (events === 0) break;
        }
      }
      await this.db.transaction(async (tx) => {
        for (const [table, index] of deferred) await tx.runner.createIndex(table, index);
      });
      const position = await this.db.transaction(async (tx) => {
        const locked = await tx.query('UPDATE projection_checkpoints SET updated_at = ? WHERE name = ? RETURNING position', [new Date().toISOString(), p.name]);
        const [rebuilt] = await tx.query<{ position: number | string }>('SELECT position FROM projection_checkpoints WHERE name = ?', [tempName]);
        const at = Number(rebuilt.position);
        for (const [entity, table] of live) {
          const q = tx.dialect.ident;
          await tx.query(`DROP TABLE IF EXISTS ${q(`${table}__old${stamp}`)}`);
          await tx.query(`ALTER TABLE ${q(table)} RENAME TO ${q(`${table}__old${stamp}`)}`);
          await tx.query(`ALTER TABLE ${q(temp.get(entity)!)} RENAME TO ${q(table)}`);
        }
        if (locked.length === 0) {
          await tx.query('INSERT INTO projection_checkpoints (name, position, version, updated_at) VALUES (?, ?, ?, ?)', [
            p.name,
            at,
            p.version,
            new Date().toISOString(),
          ]);
        } else {
          // A failure recorded by the live run is gone with the tables it failed on.
          await tx.query(`UPDATE projection_checkpoints SET position = ?, version = ?, ${CLEAR_FAILURE} WHERE name = ?`, [at, p.version, p.name]);
        }
        await tx.query('DELETE FROM projection_checkpoints WHERE name = ?', [tempName]);
        return at;
      });
      for (const table of live.values()) {
        await this.db.transaction((tx) => tx.query(`DROP TABLE IF EXISTS ${tx.dialect.ident(`${table}__old${stamp}`)}`));
      }
      this.ready.set(p.name, true);
      this.logger.log(`Projection ${p.name} rebuilt up to position ${position} and swapped in`);
      return { position };
    } catch (err) {
      // Leave the live tables untouched; remove what the failed rebuild made.
      await this.db.query('DELETE FROM projection_checkpoints WHERE name = ?', [tempName]).catch(() => undefined);
      for (const table of temp.values()) {
        await this.db.transaction((tx) => tx.query(`DROP TABLE IF EXISTS ${tx.dialect.ident(table)}`)).catch(() => undefined);
      }
      throw err;
    }
  }

  /**
   * Creates the tables. With a suffix (a rebuild's fresh tables) their indexes are renamed to
   * match, and the non-unique ones are not created but returned, for the caller to create later.
   */
  private async createTables(tables: Map<EntityClass, string>, ifNotExists: boolean, suffix?: string): Promise<Array<[string, TableIndex]>> {
    const deferred: Array<[string, TableIndex]> = [];
    await this.db.transaction(async (tx) => {
      for (const [entity, name] of tables) {
        const def = Table.create(this.ds.getMetadata(entity), this.ds.driver);
        def.name = name;
        if (suffix) {
          const indices = def.indices.map((i) => new TableIndex({ ...i, name: `${i.name ?? 'IDX'}_${suffix}` }));
          def.indices = indices.filter((i) => i.isUnique);
          for (const i of indices.filter((x) => !x.isUnique)) deferred.push([name, i]);
          def.uniques = def.uniques.map((u) => new TableUnique({ ...u, name: `${u.name ?? 'UQ'}_${suffix}` }));
        }
        await tx.runner.createTable(def, ifNotExists, false, true);
      }
    });
    return deferred;
  }
}

function liveTables(ds: DataSource, p: Projection): Map<EntityClass, string> {
  return new Map(p.entities.map((e) => [e, ds.getMetadata(e).tableName]));
}

/**
 * The most recent events read from the log, each filed under the position of the event before
 * it: `readAll(after)` never skips an event, so the event read right after position `p` is the
 * one that follows `p`, whatever the store's positions look like (gap-free on SQL, sparse on
 * KurrentDB). Events are immutable once read; under test they are frozen so that a projection
 * changing one (which another projection would then see) fails loudly.
 */
class LogTail {
  private readonly after = new Map<number, EventEnvelope>();
  private readonly reading = new Map<number, Promise<EventEnvelope[]>>();
  private readonly freeze = process.env.NODE_ENV === 'test';

  constructor(private readonly size: number) {}

  /** Up to `limit` events following `position`, as far as the tail holds them. */
  from(position: number, limit: number): EventEnvelope[] {
    const out: EventEnvelope[] = [];
    for (let e = this.after.get(position); e && out.length < limit; e = this.after.get(e.globalPosition)) out.push(e);
    return out;
  }

  /**
   * `readAll(position, limit)`, the page kept. The loops wake together after an append: while
   * one reads after `position`, the others wait for that read instead of reading the same page.
   */
  async read(position: number, limit: number, store: Pick<EventStore, 'readAll'>): Promise<EventEnvelope[]> {
    const reading = this.reading.get(position);
    if (reading) {
      await reading.catch(() => undefined);
      const kept = this.from(position, limit);
      if (kept.length) return kept;
    }
    const read = store.readAll(position, limit);
    this.reading.set(position, read);
    try {
      const events = await read;
      this.add(position, events);
      return events;
    } finally {
      if (this.reading.get(position) === read) this.reading.delete(position);
    }
  }

  private add(position: number, events: EventEnvelope[]): void {
    if (this.size === 0) return;
    let previous = position;
    for (const e of events) {
      if (!this.after.has(previous)) this.after.set(previous, this.freeze ? deepFreeze(e) : e);
      previous = e.globalPosition;
    }
    // Map keeps insertion order: the first keys are the oldest reads.
    for (const key of this.after.keys()) {
      if (this.after.size <= this.size) break;
      this.after.delete(key);
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
