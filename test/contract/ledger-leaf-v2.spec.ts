import { createHash, createHmac } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { COMMITMENT_SEED, type EventEnvelope, type NewEvent, SqlDatabase, SqlEventStore } from '@app/event-store';
import { canonicalJson, committedPointers, eventLeafHash, leafFormatOf, leafText, LedgerService } from '@app/evidence';
import { loadKeyMaterial } from '@app/identity';
import { openTestStore, testStorageKind, type TestStorage } from '../support/test-storage';

const REVIEWER = 'dr-jansen-reviewer';
const PATIENT = 'P-5f1c2a7be0d94c3a';

/** A review-like event whose redactable members sit at several depths (ADR 0039's rule by name). */
function review(i: number): NewEvent {
  return {
    type: 'oversight.AiOutputReviewed',
    data: {
      reviewId: `r-${i}`,
      patientPseudonym: PATIENT,
      decision: i % 2 ? 'agree' : 'override',
      reviewer: { subject: REVIEWER, role: 'clinician' },
      reason: { enc: 'aes-256-gcm', kid: 'k', iv: 'aa', ct: 'bb', commitment: 'cc' },
      dueBy: '2026-12-31',
      scope: { patientPseudonyms: [PATIENT], from: null, 'a/b~c é': { correctedBy: REVIEWER } },
    },
    metadata: { actor: { subject: REVIEWER, role: 'clinician' }, correlationId: `c-${i}` },
  };
}

const sha256 = (...parts: (Buffer | string)[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest('hex');

/**
 * Leaf format 2 (ADR 0039) on the store the suite runs on: events written with it carry a seed,
 * their leaves hash salted commitments instead of the redactable values, the sealer (worker
 * thread on SQLite, in-process on PostgreSQL) and `verify` agree on them, and a log that holds
 * format-1 events before format-2 ones verifies as one tree.
 */
describe(`Ledger leaf format 2 (${testStorageKind()})`, () => {
  let storage: TestStorage;
  let ds: DataSource;
  let db: SqlDatabase;
  let v1: SqlEventStore;
  let v2: SqlEventStore;
  let ledger: LedgerService;

  beforeEach(async () => {
    ({ storage, ds, db, store: v1 } = await openTestStore());
    v1 = new SqlEventStore(db, undefined, undefined, 1);
    v2 = new SqlEventStore(db, undefined, undefined, 2);
    ledger = new LedgerService(db, v2, loadKeyMaterial({ dataDir: storage.config.dataDir }, {}));
  });
  afterEach(async () => {
    await ledger.beforeApplicationShutdown();
    await ds.destroy();
    await storage.cleanup();
  });

  const atPositions = (r: { problems: { position?: number }[] }) => r.problems.flatMap((p) => (p.position === undefined ? [] : [p.position]));
  const stored = async (): Promise<EventEnvelope[]> => v2.readAll(0, 10_000, { raw: true });

  it('gives each new event a 32-byte seed; its leaf holds commitments, never the redactable values', async () => {
    await v2.append('review-1', [review(1), review(2)]);
    const [a, b] = await stored();
    expect(a.metadata[COMMITMENT_SEED]).toMatch(/^[0-9a-f]{64}$/);
    expect(a.metadata[COMMITMENT_SEED]).not.toBe(b.metadata[COMMITMENT_SEED]);
    expect(leafFormatOf(a)).toBe(2);

    const text = leafText(a);
    expect(text).toContain('"leafFormat":2');
    for (const hidden of [REVIEWER, PATIENT, a.metadata[COMMITMENT_SEED] as string, '"ct":"bb"']) expect(text).not.toContain(hidden);
    // What is not redactable stays as it is: ids, the decision, dates, a member not named by the rule.
    for (const kept of ['"decision":"agree"', '"reviewId":"r-1"', '"correlationId":"c-1"', '"from":null', '"type":"oversight.AiOutputReviewed"']) {
      expect(text).toContain(kept);
    }
    expect(committedPointers(a.data, a.metadata)).toEqual([
      '/data/dueBy',
      '/data/patientPseudonym',
      '/data/reason',
      '/data/reviewer',
      '/data/scope/a~1b~0c é/correctedBy',
      '/data/scope/patientPseudonyms',
      '/metadata/actor',
    ]);

    // Each commitment is SHA-256(salt ‖ canonical JSON of the value), the salt HMAC-SHA256(seed, pointer):
    // recomputed here from the ADR's words, not from the code under test.
    const seed = Buffer.from(a.metadata[COMMITMENT_SEED] as string, 'hex');
    const commit = (pointer: string, value: unknown) => ({ $commitment: sha256(createHmac('sha256', seed).update(pointer).digest(), canonicalJson(value)) });
    const { globalPosition: _p, ...content } = a;
    const { [COMMITMENT_SEED]: _s, ...metadata } = a.metadata;
    const data = a.data as Record<string, unknown> & { scope: Record<string, unknown> };
    const expected = {
      ...content,
      leafFormat: 2,
      metadata: { ...metadata, actor: commit('/metadata/actor', metadata.actor) },
      data: {
        ...data,
        dueBy: commit('/data/dueBy', data.dueBy),
        patientPseudonym: commit('/data/patientPseudonym', PATIENT),
        reason: commit('/data/reason', data.reason),
        reviewer: commit('/data/reviewer', data.reviewer),
        scope: {
          ...data.scope,
          patientPseudonyms: commit('/data/scope/patientPseudonyms', [PATIENT]),
          'a/b~c é': { correctedBy: commit('/data/scope/a~1b~0c é/correctedBy', REVIEWER) },
        },
      },
    };
    expect(text).toBe(canonicalJson(expected));
    // The same value in another event has another commitment (another seed): alike values do not show.
    expect(leafText(b)).not.toContain(commit('/metadata/actor', metadata.actor).$commitment);
  });

  it('seals format-1 and format-2 events into one tree that verify recomputes, and finds a change to either', async () => {
    await v1.append('review-old', [review(1), review(2)]);
    await v2.append('review-new', [review(3), review(4), review(5)]);
    await ledger.activateKey(); // the key's own event, written by the format-2 store
    const head = await ledger.checkpoint();
    const log = await stored();
    expect(log.map(leafFormatOf)).toEqual([1, 1, 2, 2, 2, 2]);
    const leaves = await db.query<{ position: number | string; leaf_hash: string }>('SELECT position, leaf_hash FROM ledger_leaves ORDER BY leaf_index');
    expect(leaves.map((r) => r.leaf_hash)).toEqual(log.map((e) => eventLeafHash(e).toString('hex')));
    expect(head.treeSize).toBe(6);
    // On SQLite the worker thread hashed them (ADR 0026), on PostgreSQL the main thread: the same leaves.
    if (testStorageKind() === 'sqlite') expect(ledger.leafWorker?.worker).toBeDefined();
    expect((await ledger.verify()).problems).toEqual([]);

    // A committed value changed in the database: its commitment no longer matches the sealed leaf.
    const edit = async (position: number, column: 'data' | 'metadata', change: (v: Record<string, unknown>) => void) => {
      const [row] = await db.query<{ data: string; metadata: string }>('SELECT data, metadata FROM events WHERE global_position = ?', [position]);
      const value = JSON.parse(row[column]) as Record<string, unknown>;
      change(value);
      await db.query(`UPDATE events SET ${column} = ? WHERE global_position = ?`, [JSON.stringify(value), position]);
    };
    await edit(4, 'data', (d) => ((d.reviewer as { subject: string }).subject = 'someone-else'));
    let report = await ledger.verify();
    expect(report.problems).toEqual([
      { position: 4, problem: 'event at position 4 differs from what was sealed' },
      { treeSize: 6, problem: 'events in the first 6 positions do not hash to the signed root' },
    ]);

    // The seed is not in the leaf, but the commitments come from it: another seed is a change too.
    await edit(4, 'data', (d) => ((d.reviewer as { subject: string }).subject = REVIEWER));
    expect((await ledger.verify()).ok).toBe(true);
    await edit(5, 'metadata', (m) => (m[COMMITMENT_SEED] = '00'.repeat(32)));
    report = await ledger.verify();
    expect(atPositions(report)).toEqual([5]);

    // Without its seed a format-2 event is hashed as format 1: a different leaf, so found.
    await edit(3, 'metadata', (m) => delete m[COMMITMENT_SEED]);
    report = await ledger.verify();
    expect(atPositions(report)).toEqual([3, 5]);

    // A format-1 event changed: found as before.
    await edit(1, 'data', (d) => (d.decision = 'override'));
    report = await ledger.verify();
    expect(atPositions(report)).toEqual([1, 3, 5]);
  });
});
