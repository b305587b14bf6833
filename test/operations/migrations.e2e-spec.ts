import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { DataSource } from 'typeorm';
import { SqlDatabase, SqlEventStore } from '@app/event-store';
import { MIGRATIONS } from '@app/migrations';
import { CLI } from '../support/child-api';
import { newTestStorage, openTestDataSource, type TestStorage } from '../support/test-storage';

const run = promisify(execFile);

/** Tables, indexes, triggers and functions of the store, by name: what the migrations own. */
async function schemaObjects(ds: DataSource, schema?: string): Promise<string[]> {
  if (ds.options.type === 'postgres') {
    const rows: Array<{ o: string }> = await ds.query(
      `SELECT 'table ' || table_name AS o FROM information_schema.tables WHERE table_schema = $1
       UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = $1 AND tablename <> 'migrations'
       UNION ALL SELECT 'trigger ' || trigger_name FROM information_schema.triggers WHERE trigger_schema = $1
       UNION ALL SELECT 'function ' || routine_name FROM information_schema.routines WHERE routine_schema = $1`,
      [schema],
    );
    return rows.map((r) => r.o).sort();
  }
  const rows: Array<{ type: string; name: string }> = await ds.query("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name");
  return rows.map((r) => `${r.type} ${r.name}`).sort();
}

/** Every migration can be reverted, down to an empty store, and applied again (both dialects). */
describe('Migrations are reversible', () => {
  let storage: TestStorage;

  beforeAll(() => {
    storage = newTestStorage();
  });
  afterAll(async () => storage?.cleanup());

  it('reverts all migrations to an empty schema, then `registry migrate` re-applies them and the store works', async () => {
    const ds = await openTestDataSource(storage); // applies every migration, as a start does
    let migrated: string[];
    try {
      migrated = await schemaObjects(ds, storage.config.schema);
      expect(migrated).toEqual(expect.arrayContaining(['table events', 'table event_log_head', 'table access_log', 'table ledger_leaves']));
      const store = new SqlEventStore(new SqlDatabase(ds));
      await store.append('review-1', [{ type: 'test.Happened', data: { n: 1 } }], { expectedRevision: 'no_stream' });

      for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      expect(await ds.query<unknown[]>('SELECT * FROM migrations')).toHaveLength(0);
      // Only TypeORM's own bookkeeping table is left.
      expect((await schemaObjects(ds, storage.config.schema)).filter((o) => !/migrations/.test(o))).toEqual([]);
    } finally {
      await ds.destroy();
    }

    const { stdout } = await run(process.execPath, [CLI, 'migrate'], { env: { ...process.env, ...storage.env, LOG_LEVEL: 'warn' } });
    expect(stdout).toContain(`Applied: ${MIGRATIONS.map((m) => m.name).join(', ')}`);

    const again = await openTestDataSource(storage);
    try {
      expect(await schemaObjects(again, storage.config.schema)).toEqual(migrated);
      const store = new SqlEventStore(new SqlDatabase(again));
      const appended = await store.append('review-1', [{ type: 'test.Happened', data: { n: 2 } }], { expectedRevision: 'no_stream' });
      expect(appended).toMatchObject({ firstPosition: 1, nextExpectedRevision: 0 });
    } finally {
      await again.destroy();
    }
  }, 120_000);
});
