import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, type DataSourceOptions, type MixedList } from 'typeorm';
import { MIGRATIONS } from '@app/migrations';
import type { StorageConfig } from '../storage-config';
import { fileModesFromEnv, tightenExisting } from './file-modes';
import { assertStorageWritable } from './storage-check';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type EntityList = MixedList<Function | string>;

/** TypeORM options for the configured SQL store; `synchronize` is never on (migrations only). */
export function dataSourceOptions(config: StorageConfig, entities: EntityList = []): DataSourceOptions {
  if (config.kind === 'postgres') {
    return {
      type: 'postgres',
      url: config.databaseUrl,
      schema: config.schema,
      entities,
      migrations: MIGRATIONS,
      migrationsRun: false,
      synchronize: false,
      logging: false,
      extra: {
        max: Number(process.env.DATABASE_POOL_SIZE ?? 20),
        connectionTimeoutMillis: 5000,
        // The product's own SQL is unqualified: point every connection at the configured schema.
        ...(config.schema ? { options: `-c search_path=${quoteIdent(config.schema)}` } : {}),
      },
    };
  }
  mkdirSync(dirname(config.sqliteFile), { recursive: true });
  // A database created before FILE_MODE existed was 0644: SQLite gives new -wal/-shm files the database's mode.
  tightenExisting(
    ['', '-wal', '-shm'].map((suffix) => config.sqliteFile + suffix),
    fileModesFromEnv().file,
  );
  return {
    type: 'better-sqlite3',
    database: config.sqliteFile,
    enableWAL: true,
    timeout: 10_000,
    prepareDatabase: (db: { pragma(p: string): unknown }) => {
      // Durability equal to PostgreSQL's fsync-on commit.
      db.pragma('synchronous = FULL');
    },
    entities,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: false,
  };
}

/** Creates the configured PostgreSQL schema if it does not exist yet. */
export async function ensureSchema(config: StorageConfig): Promise<void> {
  if (config.kind !== 'postgres' || !config.schema) return;
  const bootstrap = new DataSource({ type: 'postgres', url: config.databaseUrl });
  await bootstrap.initialize();
  try {
    await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(config.schema)}`);
  } finally {
    await bootstrap.destroy();
  }
}

/** Opens the store and brings its schema up to date (PostgreSQL schema created if missing). */
export async function openDataSource(config: StorageConfig, entities: EntityList = []): Promise<DataSource> {
  assertStorageWritable(config);
  await ensureSchema(config);
  const ds = new DataSource(dataSourceOptions(config, entities));
  await ds.initialize();
  if (config.migrationsRun) await ds.runMigrations({ transaction: 'each' });
  return ds;
}

function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`Invalid schema name "${name}"`);
  return `"${name}"`;
}
