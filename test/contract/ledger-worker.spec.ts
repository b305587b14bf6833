import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import { type NewEvent, SqlDatabase, SqlEventStore } from '@app/event-store';
import { CompactRange, eventLeafHash, LeafWorker, LedgerService, MerkleTree } from '@app/evidence';
import { loadKeyMaterial } from '@app/identity';
import { newTestStorage, openTestDataSource, openTestStore, testStorageKind, type TestStorage } from '../support/test-storage';

/** Events whose canonical JSON exercises key order, escapes, non-ASCII and number forms. */
function events(n: number, from: number): NewEvent[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      type: i % 3 ? 'oversight.AiOutputReviewed' : 'incidents.IncidentReported',
      data: { zeta: i, alpha: `résumé "${i}"\n\u2028✓ 🩺`, nested: { b: [1e21, 0.1 + 0.2, -0, i % 2 === 0], a: null }, ['é']: i / 7 },
      metadata: { actor: { subject: `u-${i % 5}`, role: 'clinician' } },
    };
  });
}

async function appendEvents(store: SqlEventStore, total: number): Promise<void> {
  for (let i = 0; i < total; i += 250) await store.append(`stream-${i % 7}`, events(Math.min(250, total - i), i));
}

async function leafTable(db: SqlDatabase) {
  return db.query<{ leaf_index: number; position: number; leaf_hash: string }>('SELECT leaf_index, position, leaf_hash FROM ledger_leaves ORDER BY leaf_index');
}

/**
 * On embedded SQLite the ledger reads and hashes leaves in a worker thread (ADR 0026). What must
 * hold: the same leaves and signed roots as hashing in-process, nothing read past what is on disk
 * (ADR 0024), sealing that goes on when the worker dies, and no thread left after shutdown.
 */
describe('Ledger leaf worker on SQLite (whatever STORAGE says)', () => {
  let storage: TestStorage;
  let ds: DataSource;
  let db: SqlDatabase;
  let store: SqlEventStore;
  const ledgers: LedgerService[] = [];
  const newLedger = (env: Record<string, string | undefined> = {}) => {
    const saved = process.env.LEDGER_WORKER;
    if ('LEDGER_WORKER' in env) process.env.LEDGER_WORKER = env.LEDGER_WORKER;
    try {
      const ledger = new LedgerService(db, store, loadKeyMaterial({ dataDir: storage.config.dataDir }, {}));
      ledgers.push(ledger);
      return ledger;
    } finally {
      if (saved === undefined) delete process.env.LEDGER_WORKER;
      else process.env.LEDGER_WORKER = saved;
    }
  };

  beforeEach(async () => {
    ({ storage, ds, db, store } = await openTestStore('sqlite'));
  });
  afterEach(async () => {
    for (const ledger of ledgers.splice(0)) await ledger.beforeApplicationShutdown();
    await ds.destroy();
    await storage.cleanup();
  });

  it('seals the same leaves and signs the same roots as sealing in-process', async () => {
    await appendEvents(store, 4500); // more than one batch of 2000
    const inWorker = newLedger();
    expect(inWorker.leafWorker).toBeDefined();
    await inWorker.activateKey();
    const head = await inWorker.checkpoint();
    expect(inWorker.leafWorker!.worker).toBeDefined(); // hashed there, not fallen back
    expect(inWorker.leafWorker!.usable).toBe(true);
    const sealedByWorker = await leafTable(db);
    expect(head.treeSize).toBe(4501); // and the key's own event

    await db.query('DELETE FROM ledger_leaves');
    await db.query('DELETE FROM ledger_checkpoints');
    const inProcess = newLedger({ LEDGER_WORKER: 'false' });
    expect(inProcess.leafWorker).toBeUndefined();
    const again = await inProcess.checkpoint();
    expect(await leafTable(db)).toEqual(sealedByWorker);
    expect(again.rootHash).toBe(head.rootHash);

    // And both equal the leaves recomputed here from the events as the store hands them out.
    const log = await store.readAll(0, 10000, { raw: true });
    expect(sealedByWorker.map((r) => [Number(r.position), r.leaf_hash])).toEqual(log.map((e) => [e.globalPosition, eventLeafHash(e).toString('hex')]));
    expect(new MerkleTree(log.map(eventLeafHash)).root().toString('hex')).toBe(head.rootHash);
    expect((await inProcess.verify()).ok).toBe(true);
  });

  it('reads the stored leaves page by page: whole for a bundle (a missing leaf is an error), as many as there are for a proof', async () => {
    await appendEvents(store, 10_050); // more than one page of 10,000 leaves
    const ledger = newLedger();
    await ledger.activateKey();
    const { treeSize } = await ledger.checkpoint();
    const all = await ledger.leaves(treeSize);
    const packed = await ledger.packedLeaves(treeSize);
    expect(all.hashes).toHaveLength(treeSize);
    expect(packed.hashes.equals(Buffer.concat(all.hashes))).toBe(true);
    expect(Array.from(packed.positions)).toEqual(all.positions);
    expect((await leafTable(db)).map((r) => Number(r.position))).toEqual(all.positions);
    expect((await ledger.leaves(20)).positions).toEqual(all.positions.slice(0, 20));

    // A leaf gone on the second page: a proof's read answers fewer, a bundle's refuses.
    await db.query('DELETE FROM ledger_leaves WHERE leaf_index = ?', [10_005]);
    expect((await ledger.leaves(treeSize)).hashes).toHaveLength(treeSize - 1);
    await expect(ledger.packedLeaves(treeSize)).rejects.toThrow('leaf 10005 is missing from the ledger');
    await expect(ledger.packedLeaves(treeSize + 1)).rejects.toThrow('leaf 10005 is missing from the ledger');
    expect((await ledger.packedLeaves(10_005)).positions).toHaveLength(10_005);
    await expect(ledger.packedLeaves(treeSize - 10_000)).resolves.toBeDefined();
    await expect(ledger.packedLeaves(10_006)).rejects.toThrow('expected 10006 leaves, the ledger holds 10005');
  });

  it('reads no event past the bound it is given, and the sealer bounds it by a flush of its own', async () => {
    await appendEvents(store, 20);
    const worker = LeafWorker.for(db, store)!;
    try {
      const batch = await worker.leaves(new CompactRange(), 0, 5, 100);
      expect(batch.rows.map((r) => r.position)).toEqual([1, 2, 3, 4, 5]);
      expect(batch.range.size).toBe(5);
      expect((await worker.leaves(batch.range, 5, 5, 100)).rows).toEqual([]);
    } finally {
      await worker.stop();
    }

    // Appended through another connection (as by another process): this process has not
    // flushed them, so the sealer flushes before the worker may read them.
    const otherDs = await openTestDataSource(storage);
    try {
      await appendEvents(new SqlEventStore(new SqlDatabase(otherDs)), 30);
      const ledger = newLedger();
      const flushes = db.walSync!.flushes;
      expect(await ledger.seal()).toBe(50);
      expect(ledger.leafWorker!.worker).toBeDefined();
      expect(db.walSync!.flushes).toBeGreaterThan(flushes);
      expect(store.flushedPosition).toBe(50);
    } finally {
      await otherDs.destroy();
    }
  });

  it('goes on sealing when the worker dies mid-batch: in-process for that batch, a new worker for the next', async () => {
    await appendEvents(store, 3000);
    const ledger = newLedger();
    const sealing = ledger.seal();
    const leafWorker = ledger.leafWorker!;
    while (leafWorker.inFlight === 0) await new Promise((resolve) => setImmediate(resolve));
    const first = leafWorker.worker!;
    await first.terminate();
    expect(await sealing).toBe(3000);
    expect(leafWorker.usable).toBe(true);

    await appendEvents(store, 500);
    expect(await ledger.seal()).toBe(500);
    expect(leafWorker.worker).toBeDefined();
    expect(leafWorker.worker).not.toBe(first);
    expect((await ledger.verify()).ok).toBe(true);
    expect((await leafTable(db)).length).toBe(3500);
  });

  it('falls back to in-process sealing for good when a worker cannot start', async () => {
    await appendEvents(store, 10);
    const broken = new LeafWorker(store, join(storage.config.dataDir, 'no-such.sqlite'));
    await expect(broken.leaves(new CompactRange(), 0, 10, 100)).rejects.toThrow(/could not start/);
    expect(broken.usable).toBe(false);
    await expect(broken.leaves(new CompactRange(), 0, 10, 100)).rejects.toThrow(/stopped/);
  });

  it('gives a worker whose reads keep failing up after three batches in a row', async () => {
    await appendEvents(store, 10);
    // A database of its own with an events table the test can take away under the live worker.
    const file = join(storage.config.dataDir, 'other.sqlite');
    const other = new BetterSqlite3(file);
    try {
      other.exec(
        'CREATE TABLE events (global_position integer, event_id text, stream_id text, stream_revision integer, type text, schema_version integer, recorded_at text, data text, metadata text)',
      );
      const worker = new LeafWorker(store, file);
      expect((await worker.leaves(new CompactRange(), 0, 10, 100)).rows).toEqual([]);
      other.exec('DROP TABLE events');
      for (let i = 0; i < 3; i++) {
        expect(worker.usable).toBe(true);
        await expect(worker.leaves(new CompactRange(), 0, 10, 100)).rejects.toThrow(/no such table/);
      }
      expect(worker.usable).toBe(false);
      await worker.stop();
    } finally {
      other.close();
    }
  });

  it('ends the thread on shutdown; sealing after that runs in-process', async () => {
    await appendEvents(store, 10);
    const ledger = newLedger();
    await ledger.seal();
    const thread = ledger.leafWorker!.worker!;
    const exited = new Promise((resolve) => thread.once('exit', resolve));
    await ledger.beforeApplicationShutdown();
    await exited;
    expect(ledger.leafWorker!.worker).toBeUndefined();
    await appendEvents(store, 5);
    expect(await ledger.seal()).toBe(5);
    expect(ledger.leafWorker!.worker).toBeUndefined();
  });
});

describe('Ledger leaf worker on the store this run targets', () => {
  it('is used on embedded SQLite only; PostgreSQL seals in-process', async () => {
    const storage = newTestStorage();
    const ds = await openTestDataSource(storage);
    try {
      const db = new SqlDatabase(ds);
      const worker = LeafWorker.for(db, new SqlEventStore(db));
      expect(worker !== undefined).toBe(testStorageKind() === 'sqlite');
      expect(LeafWorker.for(db, new SqlEventStore(db), { LEDGER_WORKER: 'false' })).toBeUndefined();
    } finally {
      await ds.destroy();
      await storage.cleanup();
    }
  });
});
