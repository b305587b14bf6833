import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { openDataSource, SqlDatabase, SqlEventStore } from '@app/event-store';
import { newTestStorage, type TestStorage } from '../../test/support/test-storage';
import { createPgDatabase, PG_URL, tempDir, type Kind } from './common';

export type Impl = 'ours' | 'emmett' | 'raw';

export interface BenchEvent {
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** One store under test, behind the smallest interface both products share. */
export interface AppendTarget {
  label: string;
  /** Appends to a stream with optimistic concurrency; `expected` is null for a new stream. */
  append(stream: string, events: BenchEvent[], expected: number | null): Promise<number>;
  close(): Promise<void>;
}

export interface OurStore {
  storage: TestStorage;
  ds: DataSource;
  db: SqlDatabase;
  store: SqlEventStore;
  close(): Promise<void>;
}

/** Our store on a fresh SQLite file or a fresh PostgreSQL schema (dropped on close). */
export async function openOurs(kind: Kind, entities: Parameters<typeof openDataSource>[1] = []): Promise<OurStore> {
  if (kind === 'postgres') process.env.DATABASE_URL ??= PG_URL;
  const storage = newTestStorage(kind);
  const ds = await openDataSource(storage.config, entities);
  const db = new SqlDatabase(ds);
  const store = new SqlEventStore(db);
  return {
    storage,
    ds,
    db,
    store,
    close: async () => {
      await ds.destroy();
      await storage.cleanup();
    },
  };
}

/**
 * `serialised` (Emmett SQLite only): one shared connection and a caller-side queue, so that
 * concurrent appenders take turns. Emmett's default opens a connection per call and sets no
 * busy timeout, so concurrent writers fail with SQLITE_BUSY; this is what a user must add.
 */
export async function openTarget(impl: Impl, kind: Kind, serialised = false): Promise<AppendTarget> {
  if (impl === 'ours') {
    const o = await openOurs(kind);
    return {
      label: `ours/${kind}`,
      append: async (stream, events, expected) => {
        const r = await o.store.append(stream, events, { expectedRevision: expected === null ? 'no_stream' : expected });
        return r.nextExpectedRevision;
      },
      close: () => o.close(),
    };
  }
  if (impl === 'raw') return openRaw(kind);
  if (kind === 'postgres') {
    // Emmett's own PostgreSQL event store, on a database of its own in the same server.
    const { getPostgreSQLEventStore } = await import('@event-driven-io/emmett-postgresql');
    const { STREAM_DOES_NOT_EXIST } = await import('@event-driven-io/emmett');
    const db = await createPgDatabase('bench_emmett');
    const es = getPostgreSQLEventStore(db.url);
    await es.schema.migrate();
    return {
      label: 'emmett/postgres',
      append: async (stream, events, expected) => {
        const r = await es.appendToStream(stream, events, {
          expectedStreamVersion: expected === null ? STREAM_DOES_NOT_EXIST : BigInt(expected),
        });
        return Number(r.nextExpectedStreamVersion);
      },
      close: async () => {
        await es.close();
        await db.drop();
      },
    };
  }
  // Emmett's own SQLite event store (node-sqlite3; WAL; synchronous FULL is that build's default).
  const { getSQLiteEventStore, sqliteConnection } = await import('@event-driven-io/emmett-sqlite');
  const { STREAM_DOES_NOT_EXIST } = await import('@event-driven-io/emmett');
  const tmp = tempDir('bench-emmett-');
  const fileName = join(tmp.dir, 'emmett.sqlite');
  const connection = serialised ? sqliteConnection({ fileName }) : undefined;
  const es = getSQLiteEventStore(connection ? { fileName, connectionOptions: { connection, singleton: true } } : { fileName });
  await es.schema.migrate();
  let queue: Promise<unknown> = Promise.resolve();
  const append = async (stream: string, events: BenchEvent[], expected: number | null) => {
    const r = await es.appendToStream(stream, events, {
      expectedStreamVersion: expected === null ? STREAM_DOES_NOT_EXIST : BigInt(expected),
    });
    return Number(r.nextExpectedStreamVersion);
  };
  // Unserialised, Emmett's connection-per-call store can also fail by emitting 'error' on a
  // node-sqlite3 Statement nobody listens to ("cannot change into wal mode from within a
  // transaction"): an uncaught exception, and the append's promise never settles. Counted as a
  // failed append (bounded wait) instead of ending the whole job.
  const stray = (err: Error & { code?: string }) => {
    if (!String(err?.code ?? '').startsWith('SQLITE')) throw err;
  };
  if (!serialised) process.on('uncaughtException', stray);
  const bounded = (stream: string, events: BenchEvent[], expected: number | null) =>
    Promise.race([
      append(stream, events, expected),
      new Promise<number>((_, reject) => setTimeout(() => reject(new Error('no answer in 10 s (uncaught SQLite error in Emmett)')), 10_000).unref()),
    ]);
  return {
    label: serialised ? 'emmett/sqlite (serialised)' : 'emmett/sqlite',
    append: serialised
      ? (stream, events, expected) => {
          const run = queue.then(() => append(stream, events, expected));
          queue = run.catch(() => undefined);
          return run;
        }
      : bounded,
    close: () => {
      process.off('uncaughtException', stray);
      connection?.close();
      tmp.cleanup();
      return Promise.resolve();
    },
  };
}

/**
 * The hardware baseline, measured in the same run: the plain driver writing the same rows with
 * the same durability, and nothing else (no ordering lock, no revision check, no TypeORM).
 * PostgreSQL: BEGIN; one multi-row INSERT into a bigserial table; COMMIT, on a pool of 20.
 * SQLite: better-sqlite3, WAL, synchronous=FULL, one prepared INSERT per row in a transaction.
 */
async function openRaw(kind: Kind): Promise<AppendTarget> {
  const COLS = 'event_id, stream_id, stream_revision, type, data, metadata';
  const row = (stream: string, e: BenchEvent, i: number, base: number) => [
    randomUUID(),
    stream,
    base + i,
    e.type,
    JSON.stringify(e.data),
    JSON.stringify(e.metadata),
  ];
  if (kind === 'postgres') {
    const db = await createPgDatabase('bench_raw');
    const pool = new Pool({ connectionString: db.url, max: 20 });
    pool.on('error', () => undefined);
    await pool.query(`CREATE TABLE events (global_position bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE,
      stream_id text NOT NULL, stream_revision int NOT NULL, type text NOT NULL, data text NOT NULL, metadata text NOT NULL,
      UNIQUE (stream_id, stream_revision))`);
    return {
      label: 'raw/postgres',
      append: async (stream, events, expected) => {
        const base = expected === null ? 0 : expected + 1;
        const params = events.flatMap((e, i) => row(stream, e, i, base));
        const values = events.map((_, i) => `(${[1, 2, 3, 4, 5, 6].map((c) => `$${i * 6 + c}`).join(', ')})`).join(', ');
        const c = await pool.connect();
        try {
          await c.query('BEGIN');
          await c.query(`INSERT INTO events (${COLS}) VALUES ${values}`, params);
          await c.query('COMMIT');
        } finally {
          c.release();
        }
        return base + events.length - 1;
      },
      close: async () => {
        await pool.end();
        await db.drop();
      },
    };
  }
  const tmp = tempDir('bench-raw-');
  const db = new BetterSqlite3(join(tmp.dir, 'raw.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE events (global_position INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, stream_id TEXT NOT NULL,
    stream_revision INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, UNIQUE (stream_id, stream_revision))`);
  const insert = db.prepare(`INSERT INTO events (${COLS}) VALUES (?, ?, ?, ?, ?, ?)`);
  const tx = db.transaction((rows: unknown[][]) => {
    for (const r of rows) insert.run(...r);
  });
  return {
    label: 'raw/sqlite',
    append: (stream, events, expected) => {
      const base = expected === null ? 0 : expected + 1;
      tx.immediate(events.map((e, i) => row(stream, e, i, base)));
      return Promise.resolve(base + events.length - 1);
    },
    close: () => {
      db.close();
      tmp.cleanup();
      return Promise.resolve();
    },
  };
}
