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
}

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
  return {
    kind,
    dataDir,
    databaseUrl,
    schema: env.DATABASE_SCHEMA || undefined,
    sqliteFile: env.SQLITE_FILE ? resolve(env.SQLITE_FILE) : join(dataDir, 'registry.sqlite'),
    migrationsRun: (env.MIGRATIONS_RUN ?? 'true') !== 'false',
  };
}
