import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { openDataSource, SqlDatabase, SqlEventStore, type StorageConfig } from '@app/event-store';

export const TEST_PG_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** Which store this run targets: `STORAGE=postgres npm run test:pg` runs the suites on PostgreSQL. */
export function testStorageKind(): 'sqlite' | 'postgres' {
  return process.env.STORAGE === 'postgres' ? 'postgres' : 'sqlite';
}

export interface TestStorage {
  config: StorageConfig;
  /** Environment variables that make a child process or app use the same store. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** A fresh, empty store: a temp SQLite file, or a new PostgreSQL schema dropped afterwards. */
export function newTestStorage(kind = testStorageKind()): TestStorage {
  const dataDir = mkdtempSync(join(tmpdir(), 'oversight-test-'));
  if (kind === 'sqlite') {
    const config: StorageConfig = {
      kind,
      dataDir,
      sqliteFile: join(dataDir, 'registry.sqlite'),
      migrationsRun: true,
    };
    return {
      config,
      env: { STORAGE: 'sqlite', DATA_DIR: dataDir },
      cleanup: () =>
        new Promise<void>((resolve) => {
          rmSync(dataDir, { recursive: true, force: true });
          resolve();
        }),
    };
  }
  const schema = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const config: StorageConfig = {
    kind,
    dataDir,
    databaseUrl: TEST_PG_URL,
    schema,
    sqliteFile: join(dataDir, 'unused.sqlite'),
    migrationsRun: true,
  };
  return {
    config,
    env: { STORAGE: 'postgres', DATABASE_URL: TEST_PG_URL, DATABASE_SCHEMA: schema, DATA_DIR: dataDir },
    cleanup: async () => {
      const ds = new DataSource({ type: 'postgres', url: TEST_PG_URL });
      await ds.initialize();
      try {
        await ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await ds.destroy();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function openTestDataSource(storage: TestStorage, entities: Parameters<typeof openDataSource>[1] = []) {
  return openDataSource(storage.config, entities);
}

/** A fresh store and its connection, for suites that drive the event store directly. */
export async function openTestStore(kind = testStorageKind()) {
  const storage = newTestStorage(kind);
  const ds = await openTestDataSource(storage);
  const db = new SqlDatabase(ds);
  return { storage, ds, db, store: new SqlEventStore(db) };
}
