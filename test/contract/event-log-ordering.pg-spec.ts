import { Client } from 'pg';
import { SqlDatabase, SqlEventStore } from '@app/event-store';
import { newTestStorage, openTestDataSource, TEST_PG_URL, type TestStorage } from '../support/test-storage';
import type { DataSource } from 'typeorm';

/**
 * The PostgreSQL sequence-gap problem, made deterministic: a transaction that took a position
 * but has not committed must hold back every later append, so that no reader ever sees a
 * later position first and moves its checkpoint past the earlier one (docs/adr/0002).
 */
describe('PostgreSQL global order under an open transaction', () => {
  let storage: TestStorage;
  let ds: DataSource;
  let store: SqlEventStore;
  let slow: Client;

  beforeAll(async () => {
    storage = newTestStorage('postgres');
    ds = await openTestDataSource(storage);
    store = new SqlEventStore(new SqlDatabase(ds));
    slow = new Client({ connectionString: TEST_PG_URL, options: `-c search_path=${storage.config.schema}` });
    await slow.connect();
  });
  afterAll(async () => {
    await slow.end();
    await ds.destroy();
    await storage.cleanup();
  });

  it('blocks a later append until the earlier one commits, and readers see positions in commit order', async () => {
    await store.append('order-a', [{ type: 'test.Start', data: {} }]);

    // An appender that has taken position 2 the way the adapter does, then stalls before commit.
    await slow.query('BEGIN');
    const { rows } = await slow.query<{ position: string }>('UPDATE event_log_head SET position = position + 1 WHERE id = 1 RETURNING position');
    const slowPosition = Number(rows[0].position);
    await slow.query(
      `INSERT INTO events (global_position, event_id, stream_id, stream_revision, type, schema_version, recorded_at, data, metadata)
       VALUES ($1, '01936f0e-8a4b-7c3d-9e2f-000000000001', 'order-slow', 0, 'test.Slow', 1, $2, '{}', '{}')`,
      [slowPosition, new Date().toISOString()],
    );

    let fastDone = false;
    const fast = store.append('order-b', [{ type: 'test.Fast', data: {} }]).then((r) => {
      fastDone = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(fastDone).toBe(false);
    // A reader meanwhile sees neither the uncommitted event nor anything after it.
    expect((await store.readAll(1, 100)).map((e) => e.type)).toEqual([]);

    await slow.query('COMMIT');
    const fastResult = await fast;
    expect(fastResult.firstPosition).toBe(slowPosition + 1);
    expect((await store.readAll(1, 100)).map((e) => [e.globalPosition, e.type])).toEqual([
      [slowPosition, 'test.Slow'],
      [slowPosition + 1, 'test.Fast'],
    ]);
  });

  it('leaves no gap when an append rolls back', async () => {
    const head = await store.headPosition();
    await slow.query('BEGIN');
    await slow.query('UPDATE event_log_head SET position = position + 5 WHERE id = 1');
    const after = store.append('order-c', [{ type: 'test.After', data: {} }]);
    await slow.query('ROLLBACK');
    expect((await after).firstPosition).toBe(head + 1);
  });
});
