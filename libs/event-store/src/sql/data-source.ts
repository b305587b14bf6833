import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, type DataSourceOptions, type MixedList } from 'typeorm';
import { MIGRATIONS } from '../../../../migrations';
import type { StorageConfig } from '../storage-config';

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
      extra: { max: Number(process.env.DATABASE_POOL_SIZE ?? 20), connectionTimeoutMillis: 5000 },
    };
  }
  mkdirSync(dirname(config.sqliteFile), { recursive: true });
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

/** Opens the store and brings its schema up to date (PostgreSQL schema created if missing). */
export async function openDataSource(config: StorageConfig, entities: EntityList = []): Promise<DataSource> {
  if (config.kind === 'postgres' && config.schema) {
    const bootstrap = new DataSource({ type: 'postgres', url: config.databaseUrl });
    await bootstrap.initialize();
    try {
      await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS "${config.schema.replace(/"/g, '""')}"`);
    } finally {
      await bootstrap.destroy();
    }
  }
  const ds = new DataSource(dataSourceOptions(config, entities));
  await ds.initialize();
  if (config.migrationsRun) await ds.runMigrations({ transaction: 'each' });
  return ds;
}
