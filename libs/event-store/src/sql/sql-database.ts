import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database as BetterSqlite3Database, Statement } from 'better-sqlite3';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { type StoreFault, StoreUnavailableError } from '../errors';
import { SerialQueue } from './serial-queue';
import { dialectOf, sql, type SqlDialect } from './sql-dialect';
import { WalSync } from './wal-sync';

export type Row = Record<string, unknown>;

/** A transaction on the SQL store; `query` takes SQL with `?` placeholders on both dialects. */
export class SqlTx {
  constructor(
    readonly runner: QueryRunner,
    readonly dialect: SqlDialect,
  ) {}

  get manager(): EntityManager {
    return this.runner.manager;
  }

  /**
   * SQLite only: this transaction's statements run directly on better-sqlite3, synchronously, each
   * prepared once per connection. For loops of many small statements (the append group, ADR 0048),
   * where TypeORM's async `query` (promises, a result object, events) cost more than SQLite's work.
   */
  get native(): NativeSqlite {
    if (this.dialect.kind !== 'sqlite') throw new Error('native statements are SQLite only');
    const connection = (this.runner.connection.driver as unknown as { databaseConnection: BetterSqlite3Database }).databaseConnection;
    let native = natives.get(connection);
    if (!native) natives.set(connection, (native = new NativeSqlite(connection)));
    return native;
  }

  async query<T = Row>(text: string, params: unknown[] = []): Promise<T[]> {
    const result = await this.runner.query(sql(this.dialect, text), params, true);
    return (result.records ?? []) as T[];
  }

  /**
   * PostgreSQL only: `COPY table (columns) FROM STDIN` on this transaction's connection, the
   * rows as `CopyText` encoded them. Many rows cost the server a fraction of an INSERT from
   * arrays or VALUES (ADR 0030): no parameter or array literal to parse, no plan per statement.
   */
  async copyIn(table: string, columns: string[], rows: Buffer[]): Promise<void> {
    if (this.dialect.kind !== 'postgres') throw new Error('COPY is PostgreSQL only');
    // The transaction's own pg client: TypeORM's runner holds it for the whole transaction.
    const client = (await this.runner.connect()) as { query(stream: unknown): NodeJS.WritableStream };
    await pipeline(Readable.from(rows), client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`)));
  }
}

/** Statements prepared once per better-sqlite3 connection; errors thrown as the driver throws them. */
export class NativeSqlite {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly connection: BetterSqlite3Database) {}

  private statement(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.connection.prepare(text);
      this.statements.set(text, statement);
      // Multi-row texts come in many shapes: keep the cache bounded.
      if (this.statements.size > 200) this.statements.delete(this.statements.keys().next().value!);
    }
    return statement;
  }

  /** A write. */
  run(text: string, params: unknown[] = []): void {
    this.statement(text).run(...params);
  }

  /** The first row of a read (or of a write's RETURNING), if any. */
  get<T = Row>(text: string, params: unknown[] = []): T | undefined {
    return this.statement(text).get(...params) as T | undefined;
  }

  all<T = Row>(text: string, params: unknown[] = []): T[] {
    return this.statement(text).all(...params) as T[];
  }
}

const natives = new WeakMap<BetterSqlite3Database, NativeSqlite>();

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08003',
  '08006',
  'SQLITE_BUSY',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
]);

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isUniqueViolation(err: unknown): boolean {
  const code = errorCode(err);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** The constraint (PostgreSQL) or the columns (SQLite message) a unique violation names. */
export function uniqueConstraintOf(err: unknown): string {
  const e = err as { constraint?: string; driverError?: { constraint?: string }; message?: string };
  return e?.driverError?.constraint ?? e?.constraint ?? e?.message ?? '';
}

/** SQLite and PostgreSQL codes for a store that is up but cannot write (DESIGN: clear error, no corruption). */
function faultOf(code: string | undefined): StoreFault | undefined {
  if (code === 'SQLITE_FULL' || code === '53100') return 'disk-full'; // 53100: PostgreSQL disk_full
  if (code?.startsWith('SQLITE_READONLY') || code === '25006') return 'read-only'; // 25006: read_only_sql_transaction
  return undefined;
}

export function toStoreError(err: unknown): unknown {
  const code = errorCode(err);
  const message = (err as Error)?.message ?? '';
  const fault = faultOf(code);
  if (fault) return new StoreUnavailableError(`Event store cannot write: ${fault} (${code})`, err, fault);
  if (
    (code && (CONNECTION_ERRORS.has(code) || code.startsWith('SQLITE_IOERR'))) ||
    /Connection terminated|connection is closed|Client has encountered a connection error/i.test(message)
  ) {
    return new StoreUnavailableError(`Event store unavailable (${code ?? message})`, err);
  }
  return err;
}

const queues = new WeakMap<DataSource, SerialQueue>();
const walSyncs = new WeakMap<DataSource, WalSync>();

/** The WAL's kept descriptor closes with the connection, whoever destroys the data source. */
function closeBeforeDestroy(dataSource: DataSource, walSync: WalSync): void {
  const destroy = dataSource.destroy.bind(dataSource);
  dataSource.destroy = async () => {
    await walSync.close();
    return destroy();
  };
}

/** The file of an embedded SQLite store in WAL mode, whose commits can be flushed off-thread. */
function walDatabaseFile(dataSource: DataSource): string | undefined {
  const options = dataSource.options as { type: string; database?: unknown; enableWAL?: boolean };
  if (options.type !== 'better-sqlite3' || !options.enableWAL) return undefined;
  return typeof options.database === 'string' && options.database !== ':memory:' ? options.database : undefined;
}

/**
 * The SQL store shared by the event log, projections and key tables. On SQLite every
 * transaction and every read of the log runs through one queue: TypeORM keeps a single
 * connection there, and interleaved statements would see or join another's transaction.
 */
export class SqlDatabase {
  readonly dialect: SqlDialect;
  private readonly queue: SerialQueue;
  /** SQLite in WAL mode: durable commits are flushed off the event loop (docs/adr/0024). */
  readonly walSync?: WalSync;

  constructor(readonly dataSource: DataSource) {
    this.dialect = dialectOf(dataSource);
    // One queue (and one flusher) per connection, however many SqlDatabase wrappers share it.
    let queue = queues.get(dataSource);
    if (!queue) queues.set(dataSource, (queue = new SerialQueue()));
    this.queue = queue;
    const file = walDatabaseFile(dataSource);
    if (file) {
      let walSync = walSyncs.get(dataSource);
      if (!walSync) {
        walSyncs.set(dataSource, (walSync = new WalSync(file)));
        closeBeforeDestroy(dataSource, walSync);
      }
      this.walSync = walSync;
    }
  }

  /**
   * Resolves once everything committed before the call is on disk: immediately where commits
   * are flushed inside COMMIT (PostgreSQL, SQLite without WAL).
   */
  async flushed(): Promise<void> {
    if (!this.walSync) return;
    try {
      await this.walSync.sync();
    } catch (err) {
      throw toStoreError(err);
    }
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    return this.dialect.kind === 'sqlite' ? this.queue.run(task) : task();
  }

  /**
   * `durable: false` commits without waiting for the flush to disk (SQLite `synchronous=NORMAL`,
   * PostgreSQL `synchronous_commit=off`), for writes that can be derived again from the log
   * (read models with their checkpoint). Both databases write their log in commit order, so
   * such a commit can only be lost together with everything committed after it, and any later
   * durable commit (an append) makes it durable too: a crash can undo a read-model batch and its
   * checkpoint together, never an event it was computed from (docs/adr/0018).
   */
  transaction<T>(work: (tx: SqlTx) => Promise<T>, options: { durable?: boolean } = {}): Promise<T> {
    const durable = options.durable ?? true;
    if (this.dialect.kind !== 'sqlite') return this.pgTransaction(work, durable);
    if (!durable || !this.walSync) return this.queue.run(() => this.sqliteTransaction(work, durable ? 'FULL' : 'NORMAL'));
    // Commit without the flush, free the connection for the next transaction, then wait for a
    // flush off the event loop: the caller is answered only once the commit is on disk.
    return this.queue
      .run(() => this.sqliteTransaction(work, 'NORMAL'))
      .then(async (result) => {
        await this.flushed();
        return result;
      });
  }

  private async pgTransaction<T>(work: (tx: SqlTx) => Promise<T>, durable: boolean): Promise<T> {
    let runner: QueryRunner | undefined;
    try {
      runner = this.dataSource.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      if (!durable) await runner.query('SET LOCAL synchronous_commit = off');
      const result = await work(new SqlTx(runner, this.dialect));
      await runner.commitTransaction();
      return result;
    } catch (err) {
      if (runner?.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw toStoreError(err);
    } finally {
      await runner?.release().catch(() => undefined);
    }
  }

  /**
   * TypeORM shares one query runner (and its nesting counter) for a SQLite connection, so the
   * transaction is driven here: BEGIN IMMEDIATE takes the write lock up front, and another
   * process's writer makes us wait (busy timeout) rather than fail half-way.
   */
  private async sqliteTransaction<T>(work: (tx: SqlTx) => Promise<T>, synchronous: 'FULL' | 'NORMAL'): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    let open = false;
    try {
      // The safety level cannot change inside a transaction; FULL is restored below.
      if (synchronous === 'NORMAL') await runner.query('PRAGMA synchronous = NORMAL');
      await runner.query('BEGIN IMMEDIATE');
      open = true;
      const result = await work(new SqlTx(runner, this.dialect));
      await runner.query('COMMIT');
      open = false;
      return result;
    } catch (err) {
      if (open) await runner.query('ROLLBACK').catch(() => undefined);
      throw toStoreError(err);
    } finally {
      if (synchronous === 'NORMAL') await runner.query('PRAGMA synchronous = FULL').catch(() => undefined);
    }
  }

  query<T = Row>(text: string, params: unknown[] = []): Promise<T[]> {
    return this.serial(async () => {
      try {
        const result: unknown = await this.dataSource.query(sql(this.dialect, text), params);
        return result as T[];
      } catch (err) {
        throw toStoreError(err);
      }
    });
  }
}
