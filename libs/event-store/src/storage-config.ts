import { join, resolve } from 'node:path';

export type StorageKind = 'sqlite' | 'postgres';

export interface StorageConfig {
  kind: StorageKind;
  /** Folder for the embedded database, keys and blobs. */
  dataDir: string;
  /** PostgreSQL connection string (kind = postgres). */
  databaseUrl?: string;
  /** PostgreSQL schema; tests use one per suite. */
  schema?: string;
  sqliteFile: string;
  migrationsRun: boolean;
  /**
   * `EVENT_STORE_URL=kurrentdb://…` / `esdb://…` (docs/design.md §2): the events live in
   * KurrentDB; read models, checkpoints, ledger and keys stay in the SQL database above.
   * Unset: the events stay in SQL (the default).
   */
  eventStoreUrl?: string;
}

const EVENT_STORE_URL = /^(kurrentdb|esdb)(\+discover)?:\/\//i;

/** Reads the storage settings from the environment; the embedded SQLite default needs none. */
export function storageConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StorageConfig {
  const databaseUrl = env.DATABASE_URL || undefined;
  const explicit = env.STORAGE?.toLowerCase();
  let kind: StorageKind;
  if (explicit === 'sqlite' || explicit === 'postgres') kind = explicit;
  else if (explicit) throw new Error(`STORAGE must be sqlite or postgres, not "${explicit}"`);
  else kind = databaseUrl && /^postgres(ql)?:/.test(databaseUrl) ? 'postgres' : 'sqlite';
  if (kind === 'postgres' && !databaseUrl) throw new Error('STORAGE=postgres needs DATABASE_URL');
  const dataDir = resolve(env.DATA_DIR || './data');
  const eventStoreUrl = env.EVENT_STORE_URL || undefined;
  if (eventStoreUrl && !EVENT_STORE_URL.test(eventStoreUrl)) {
    throw new Error('EVENT_STORE_URL must start with kurrentdb://, kurrentdb+discover://, esdb:// or esdb+discover://');
  }
  return {
    kind,
    dataDir,
    databaseUrl,
    schema: env.DATABASE_SCHEMA || undefined,
    sqliteFile: env.SQLITE_FILE ? resolve(env.SQLITE_FILE) : join(dataDir, 'registry.sqlite'),
    migrationsRun: (env.MIGRATIONS_RUN ?? 'true') !== 'false',
    ...(eventStoreUrl ? { eventStoreUrl } : {}),
  };
}
