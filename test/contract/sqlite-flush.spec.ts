import { readdirSync, readlinkSync, statSync } from 'node:fs';
import type { DataSource } from 'typeorm';
import { SqlDatabase, SqlEventStore } from '@app/event-store';
import { openTestDataSource, openTestStore, type TestStorage } from '../support/test-storage';

const review = (n: number) => ({ type: 'oversight.AiOutputReviewed', data: { n, reason: 'x'.repeat(200) } });

/**
 * Embedded SQLite commits durable transactions without the flush and flushes the WAL off the
 * event loop before answering (ADR 0024). What must hold: no append is answered, and no event
 * is handed to a reader, before a flush that started after its commit; concurrent commits
 * share flushes.
 */
describe('SQLite (whatever STORAGE says): flush off the event loop', () => {
  let storage: TestStorage;
  let ds: DataSource;
  let db: SqlDatabase;
  let store: SqlEventStore;
  beforeEach(async () => {
    ({ storage, ds, db, store } = await openTestStore('sqlite'));
  });
  afterEach(async () => {
    await ds.destroy();
    await storage.cleanup();
  });

  it('answers each append only after a flush of the WAL, shared by concurrent appends', async () => {
    expect(db.walSync).toBeDefined();
    const before = db.walSync!.flushes;
    const flushesSeen: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        const result = await store.append(`review-${i}`, [review(i)], { expectedRevision: 'no_stream' });
        flushesSeen.push(db.walSync!.flushes);
        expect(store.flushedPosition).toBeGreaterThanOrEqual(result.lastPosition);
        return result;
      }),
    );
    expect(new Set(results.map((r) => r.lastPosition)).size).toBe(64);
    // Every answer came after at least one flush; 64 appends did not need 64 flushes.
    expect(Math.min(...flushesSeen)).toBeGreaterThan(before);
    expect(db.walSync!.flushes - before).toBeLessThan(64);
    expect(statSync(`${storage.config.sqliteFile}-wal`).size).toBeGreaterThan(0);
  });

  it('hands a reader no event that is not yet flushed', async () => {
    // A second connection (as another process would) reads while this one appends.
    const otherDs = await openTestDataSource(storage);
    try {
      const otherDb = new SqlDatabase(otherDs);
      const reader = new SqlEventStore(otherDb);
      let stop = false;
      const violations: string[] = [];
      const reads = (async () => {
        let after = 0;
        while (!stop) {
          const flushesBefore = otherDb.walSync!.flushes;
          const events = await reader.readAll(after, 100);
          if (events.length) {
            // This connection never appends: every new event it is handed needs a flush of its own first.
            if (otherDb.walSync!.flushes === flushesBefore) violations.push(`${events.length} events handed over without a flush`);
            after = events[events.length - 1].globalPosition;
          }
          await new Promise((r) => setImmediate(r));
        }
        return after;
      })();
      for (let i = 0; i < 40; i++) await store.append(`stream-${i % 5}`, [review(i), review(i + 1000)]);
      stop = true;
      await reads;
      expect(violations).toEqual([]);
      expect((await reader.readAll(0, 1000)).length).toBe(80);
      expect(otherDb.walSync!.flushes).toBeGreaterThan(0);
    } finally {
      await otherDs.destroy();
    }
  });

  it('keeps a transaction that is not durable out of the flush', async () => {
    const before = db.walSync!.flushes;
    await db.transaction((tx) => tx.query('UPDATE event_log_head SET position = position WHERE id = 1'), { durable: false });
    expect(db.walSync!.flushes).toBe(before);
    await db.transaction((tx) => tx.query('UPDATE event_log_head SET position = position WHERE id = 1'));
    expect(db.walSync!.flushes).toBe(before + 1);
  });

  it('keeps one descriptor of the WAL open while the store is open and closes it with the data source', async () => {
    const walDescriptors = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).endsWith('-wal');
        } catch {
          return false; // closed between listing and reading
        }
      }).length;
    const before = walDescriptors();
    for (let i = 0; i < 5; i++) await store.append(`review-fd-${i}`, [review(i)]);
    // SQLite's own descriptor and ours: the same one for every flush, not one per flush.
    const open = walDescriptors();
    expect(open).toBeLessThanOrEqual(before + 1);
    expect(db.walSync!.flushes).toBeGreaterThanOrEqual(1);
    await ds.destroy();
    expect(walDescriptors()).toBe(0);
    // Opened again, the same file is flushed again (through a new descriptor).
    ds = await openTestDataSource(storage);
    db = new SqlDatabase(ds);
    store = new SqlEventStore(db);
    const flushes = db.walSync!.flushes;
    await store.append('review-fd-again', [review(9)]);
    expect(db.walSync!.flushes).toBe(flushes + 1);
    expect((await store.readStream('review-fd-again')).length).toBe(1);
  });
});
