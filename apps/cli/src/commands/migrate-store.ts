import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EventStoreDBClient } from '@eventstore/db-client';
import {
  type EventEnvelope,
  type EventStore,
  KurrentDbEventStore,
  openDataSource,
  toClientConnectionString,
  SqlDatabase,
  SqlEventStore,
  type StorageConfig,
  storageConfigFromEnv,
} from '@app/event-store';
import { CompactRange, eventLeafHash } from '@app/evidence';

export interface MigrateStoreOptions {
  from: string;
  to: string;
  /** PostgreSQL schema of the source (`--from-schema`) and of the target (`--schema`). */
  fromSchema?: string;
  schema?: string;
  /** Continue a copy that stopped: the target must hold a prefix of the source. */
  resume?: boolean;
  batchSize?: number;
}

const EVENT_COLUMNS = ['global_position', 'event_id', 'stream_id', 'stream_revision', 'type', 'schema_version', 'recorded_at', 'data', 'metadata'];

/**
 * Tables copied beside the events, row for row: without the subject keys no encrypted text
 * could be read again, and the ledger and access log are evidence in their own right. Read
 * models are not copied: they are rebuilt from the copied log on the target.
 */
const SIDE_TABLES: Array<{ table: string; key: string[] }> = [
  { table: 'subject_keys', key: ['subject_id'] },
  { table: 'ledger_keys', key: ['key_id'] },
  { table: 'ledger_leaves', key: ['leaf_index'] },
  { table: 'ledger_checkpoints', key: ['tree_size'] },
  { table: 'ledger_anchors', key: ['anchor_id'] },
  // A purge's anchor before the entries that link to it (ADR 0033).
  { table: 'access_log_purges', key: ['through_seq'] },
  { table: 'access_log', key: ['seq'] },
];

type Say = (line: string) => void;

/** `sqlite:<file or data folder>` or `postgres://…` as a storage configuration. */
export function sqlConfigOf(url: string, schema: string | undefined): StorageConfig {
  const base = storageConfigFromEnv({});
  if (/^postgres(ql)?:\/\//i.test(url)) {
    return { ...base, kind: 'postgres', databaseUrl: url, ...(schema ? { schema } : {}) };
  }
  const m = /^sqlite:(.+)$/i.exec(url);
  if (!m) throw new Error(`Unsupported store "${url.replace(/\/\/[^@/]*@/, '//…@')}": use sqlite:<path>, postgres://… or kurrentdb://…`);
  const path = resolve(m[1]);
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'registry.sqlite') : path;
  return { ...base, kind: 'sqlite', dataDir: resolve(file, '..'), sqliteFile: file };
}

/**
 * Copies the event log from one store to another with every envelope identical (ids, stream
 * revisions, global positions, recordedAt, metadata, idempotency keys: the stored JSON text
 * itself), in global order, in one transaction per batch; then checks that the Merkle root of
 * the whole log (docs/adr/0012) is the same on both sides. Returns that root.
 */
export async function migrateStore(o: MigrateStoreOptions, say: Say): Promise<{ events: number; root: string }> {
  const sourceConfig = sqlConfigOf(o.from, o.fromSchema);
  if (sourceConfig.kind === 'sqlite' && !existsSync(sourceConfig.sqliteFile)) throw new Error(`No SQLite store at ${sourceConfig.sqliteFile}`);
  // The source is only read: no migrations run on it.
  const source = await openDataSource({ ...sourceConfig, migrationsRun: false });
  try {
    const sourceDb = new SqlDatabase(source);
    if (/^(kurrentdb|esdb)(\+discover)?:\/\//i.test(o.to)) return await toKurrentDb(sourceDb, o, say);
    const targetConfig = { ...sqlConfigOf(o.to, o.schema), migrationsRun: true };
    if (targetConfig.kind === sourceConfig.kind && targetConfig.sqliteFile === sourceConfig.sqliteFile && targetConfig.kind === 'sqlite') {
      throw new Error('Source and target are the same SQLite file');
    }
    const target = await openDataSource(targetConfig);
    try {
      return await toSql(sourceDb, new SqlDatabase(target), o, say);
    } finally {
      await target.destroy();
    }
  } finally {
    await source.destroy();
  }
}

async function count(db: SqlDatabase, table: string): Promise<number> {
  return Number((await db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
}

/** Where to start on the target: 0 when empty; after its last event when resuming a prefix. */
async function startPosition(source: SqlDatabase, target: SqlDatabase, resume: boolean | undefined): Promise<number> {
  const held = await count(target, 'events');
  if (held === 0) return 0;
  if (!resume) {
    throw new Error(`The target already holds ${held} events: refusing to copy into it (use --resume to continue a copy that stopped)`);
  }
  const [last] = await target.query<{ p: number | string; id: string }>(
    'SELECT global_position AS p, event_id AS id FROM events ORDER BY global_position DESC LIMIT 1',
  );
  const at = Number(last.p);
  const [same] = await source.query<{ id: string }>('SELECT event_id AS id FROM events WHERE global_position = ?', [at]);
  if (held !== at || same?.id !== last.id) {
    throw new Error(`The target's ${held} events are not the first ${held} of the source: refusing to resume`);
  }
  return at;
}

async function toSql(source: SqlDatabase, target: SqlDatabase, o: MigrateStoreOptions, say: Say) {
  const batch = o.batchSize ?? 1000;
  let after = await startPosition(source, target, o.resume);
  const head = Number((await source.query<{ p: number | string | null }>('SELECT MAX(global_position) AS p FROM events'))[0].p ?? 0);
  say(after ? `Resuming after position ${after} of ${head}` : `Copying ${head} events`);
  const cols = EVENT_COLUMNS.join(', ');
  while (after < head) {
    const rows = await source.query(`SELECT ${cols} FROM events WHERE global_position > ? ORDER BY global_position LIMIT ?`, [after, batch]);
    if (rows.length === 0) break;
    const last = Number(rows[rows.length - 1].global_position);
    const keys = await source.query('SELECT * FROM idempotency_keys WHERE first_position > ? AND first_position <= ?', [after, last]);
    await target.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += 500) {
        const part = rows.slice(i, i + 500);
        await tx.query(
          `INSERT INTO events (${cols}) VALUES ${part.map(() => `(${EVENT_COLUMNS.map(() => '?').join(', ')})`).join(', ')}`,
          part.flatMap((r) => EVENT_COLUMNS.map((c) => r[c])),
        );
      }
      await insertRows(tx, 'idempotency_keys', keys, ['idempotency_key']);
      // The next append on the target continues the same gap-free order.
      await tx.query('UPDATE event_log_head SET position = ? WHERE id = 1', [last]);
    });
    after = last;
    say(`  ${after}/${head}`);
  }
  for (const { table, key } of SIDE_TABLES) {
    const rows = await source.query(`SELECT * FROM ${table}`);
    for (let i = 0; i < rows.length; i += 500) {
      await target.transaction((tx) => insertRows(tx, table, rows.slice(i, i + 500), key));
    }
    if (rows.length) say(`  ${table}: ${rows.length} rows`);
  }
  return verifyRoots(new SqlEventStore(source), new SqlEventStore(target), say);
}

/** Inserts rows as they are; rows already there (a resumed copy) are left alone. */
async function insertRows(tx: { query: SqlDatabase['query'] }, table: string, rows: Record<string, unknown>[], key: string[]) {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]);
  const q = (c: string) => `"${c}"`;
  await tx.query(
    `INSERT INTO ${table} (${cols.map(q).join(', ')}) VALUES ${rows.map(() => `(${cols.map(() => '?').join(', ')})`).join(', ')}
     ON CONFLICT (${key.map(q).join(', ')}) DO NOTHING`,
    rows.flatMap((r) => cols.map((c) => r[c])),
  );
}

/** The RFC 9162 root over every event of a store, hashed as the ledger hashes them. */
export async function ledgerRoot(store: EventStore): Promise<{ events: number; root: string }> {
  const range = new CompactRange();
  for (let after = 0; ;) {
    const events = await store.readAll(after, 2000, { raw: true });
    if (events.length === 0) break;
    for (const e of events) range.append(eventLeafHash(e));
    after = events[events.length - 1].globalPosition;
  }
  return { events: range.size, root: range.root().toString('hex') };
}

async function verifyRoots(source: EventStore, target: EventStore, say: Say) {
  const [a, b] = await Promise.all([ledgerRoot(source), ledgerRoot(target)]);
  if (a.events !== b.events || a.root !== b.root) {
    throw new Error(`Ledger root differs: source ${a.events} events, root ${a.root}; target ${b.events} events, root ${b.root}`);
  }
  say(`Ledger root over ${a.events} events: ${a.root} (source and target agree)`);
  return a;
}

/**
 * KurrentDB: each run of events of one original append (same stream, recordedAt and
 * idempotency key) is appended again with its own event ids and recordedAt; KurrentDB assigns
 * its own positions (in the same order). NOT RUN AGAINST A LIVE SERVER (docs/operations.md).
 * The keys, ledger and access log stay in the SQL database the registry is configured with.
 */
async function toKurrentDb(source: SqlDatabase, o: MigrateStoreOptions, say: Say) {
  let now = new Date(0);
  const sourceStore = new SqlEventStore(source);
  // The clock hands each append its original recordedAt.
  const target = new KurrentDbEventStore(EventStoreDBClient.connectionString(toClientConnectionString(o.to)), undefined, () => now);
  try {
    if ((await target.headPosition()) !== 0) throw new Error('The target KurrentDB already holds events: refusing to copy into it');
    const keys = new Map<string, string | null>();
    for (const r of await source.query<{ idempotency_key: string; request_hash: string | null }>(
      'SELECT idempotency_key, request_hash FROM idempotency_keys',
    )) {
      keys.set(r.idempotency_key, r.request_hash);
    }
    let copied = 0;
    for (let after = 0; ;) {
      const events = await sourceStore.readAll(after, 1000, { raw: true });
      if (events.length === 0) break;
      for (const group of originalAppends(events)) {
        const first = group[0];
        now = new Date(first.recordedAt);
        const key = first.metadata.idempotencyKey;
        await target.append(
          first.streamId,
          group.map((e) => ({ eventId: e.eventId, type: e.type, schemaVersion: e.schemaVersion, data: e.data, metadata: e.metadata })),
          {
            expectedRevision: first.streamRevision === 0 ? 'no_stream' : first.streamRevision - 1,
            ...(key ? { idempotencyKey: key, requestHash: keys.get(key) ?? undefined } : {}),
          },
        );
      }
      copied += events.length;
      after = events[events.length - 1].globalPosition;
      say(`  ${copied} events`);
    }
    return await verifyRoots(sourceStore, target, say);
  } finally {
    await target.dispose();
  }
}

function originalAppends(events: EventEnvelope[]): EventEnvelope[][] {
  const groups: EventEnvelope[][] = [];
  for (const e of events) {
    const g = groups[groups.length - 1];
    const prev = g?.[g.length - 1];
    if (prev && prev.streamId === e.streamId && prev.recordedAt === e.recordedAt && prev.metadata.idempotencyKey === e.metadata.idempotencyKey) g.push(e);
    else groups.push([e]);
  }
  return groups;
}

export async function migrateStoreCommand(o: MigrateStoreOptions): Promise<void> {
  const { root } = await migrateStore(o, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(
    `Done. Point DATABASE_URL${o.schema ? '/DATABASE_SCHEMA' : ''} at the target and start the registry: read models are rebuilt from the log. Ledger root ${root}\n`,
  );
}
