import { createPublicKey, verify } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { DataSource as DS } from 'typeorm';
import { LedgerService, verifyConsistency } from '@app/evidence';
import { SqlDatabase } from '@app/event-store';
import { KEY_MATERIAL } from '@app/identity';
import { refEventLeafHash, sortedJson } from '../support/leaf-reference';
import { refRoot, refRootFromInclusion } from '../support/rfc9162-reference';
import { seedReviews } from '../support/seed';
import { startTestApp, type TestApp } from '../support/test-app';

describe('Ledger: signed tree heads and RFC 9162 proofs (HTTP)', () => {
  let t: TestApp;
  let ds: DataSource;
  let auditor: string;
  let clinician: string;

  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.get(DS);
    auditor = await t.token('auditor');
    clinician = await t.token('clinician');
    await seedReviews(t.store, 30);
  });
  afterAll(async () => t?.close());

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  it('signs a tree head over every event, verifiable with the published key and openssl-style Ed25519', async () => {
    const res = await t.http.post('/api/v1/ledger/checkpoints').set(auth(auditor)).expect(201);
    const head = res.body;
    expect(head.treeSize).toBe(await t.store.headPosition());
    const keys = await t.http.get('/.well-known/oversight-registry-keys').expect(200);
    const key = keys.body.keys.find((k: { kid: string }) => k.kid === head.keyId);
    expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', retiredAt: null });
    const { signature, ...body } = head;
    const signed = Buffer.from(sortedJson(body));
    expect(verify(null, signed, createPublicKey(key.pem), Buffer.from(signature, 'base64'))).toBe(true);
    expect(verify(null, Buffer.from(sortedJson({ ...body, treeSize: body.treeSize - 1 })), createPublicKey(key.pem), Buffer.from(signature, 'base64'))).toBe(
      false,
    );

    // The root is the RFC 9162 hash of the envelopes (leaf format 2 by default: salted
    // commitments, ADR 0039), recomputed here with independent code.
    const events = (await t.http.get(`/api/v1/events?limit=1000`).set(auth(auditor)).expect(200)).body.events;
    expect(events.every((e: { metadata: { commitmentSeed?: unknown } }) => /^[0-9a-f]{64}$/.test(String(e.metadata.commitmentSeed)))).toBe(true);
    const leaves = events.map(refEventLeafHash);
    expect(refRoot(leaves).toString('hex')).toBe(head.rootHash);
  });

  it('gives an inclusion proof for every event that an independent verifier accepts', async () => {
    const head = (await t.http.get('/api/v1/ledger/checkpoints?limit=1').set(auth(clinician)).expect(200)).body.checkpoints[0];
    const events = (await t.http.get(`/api/v1/events?limit=1000`).set(auth(auditor)).expect(200)).body.events;
    for (const e of events.slice(0, head.treeSize)) {
      const { globalPosition } = e;
      const p = (await t.http.get(`/api/v1/ledger/proofs/inclusion?position=${globalPosition}&treeSize=${head.treeSize}`).set(auth(auditor)).expect(200)).body;
      const leaf = refEventLeafHash(e);
      expect(p.leafHash).toBe(leaf.toString('hex'));
      const root = refRootFromInclusion(
        p.leafIndex,
        p.treeSize,
        leaf,
        p.proof.map((h: string) => Buffer.from(h, 'hex')),
      );
      expect(root?.toString('hex')).toBe(head.rootHash);
      expect(p.checkpoint).toEqual(head);
    }
  });

  it('proves a later tree extends an earlier one (consistency)', async () => {
    const first = (await t.http.post('/api/v1/ledger/checkpoints').set(auth(auditor)).expect(201)).body;
    await seedReviews(t.store, 5);
    const second = (await t.http.post('/api/v1/ledger/checkpoints').set(auth(auditor)).expect(201)).body;
    expect(second.treeSize).toBeGreaterThan(first.treeSize);
    const p = (await t.http.get(`/api/v1/ledger/proofs/consistency?from=${first.treeSize}&to=${second.treeSize}`).set(auth(auditor)).expect(200)).body;
    expect(p.fromRoot).toBe(first.rootHash);
    expect(p.toRoot).toBe(second.rootHash);
    const proof = p.proof.map((h: string) => Buffer.from(h, 'hex'));
    expect(verifyConsistency(first.treeSize, second.treeSize, Buffer.from(first.rootHash, 'hex'), Buffer.from(second.rootHash, 'hex'), proof)).toBe(true);
  });

  it('answers bad proof requests with problem+json', async () => {
    const bad = await t.http.get('/api/v1/ledger/proofs/inclusion?position=abc').set(auth(auditor)).expect(400);
    expect(bad.body.errors[0].field).toBe('position');
    await t.http.get('/api/v1/ledger/proofs/inclusion?position=999999').set(auth(auditor)).expect(404);
    await t.http.get('/api/v1/ledger/proofs/consistency?from=5&to=2').set(auth(auditor)).expect(400);
    await t.http.get('/api/v1/ledger/proofs/consistency?from=1&to=999999').set(auth(auditor)).expect(422);
    await t.http.post('/api/v1/ledger/checkpoints').set(auth(clinician)).expect(403);
  });

  it('survives two sealers on one store (e.g. two API processes): no leaf twice, none lost', async () => {
    const ledger = t.app.get(LedgerService);
    const other = new LedgerService(t.app.get(SqlDatabase), t.store, t.app.get(KEY_MATERIAL));
    await seedReviews(t.store, 40);
    await Promise.allSettled([ledger.seal(), other.seal(), ledger.seal()]);
    await other.seal().catch(() => other.seal());
    await ledger.seal().catch(() => ledger.seal());
    const report = await ledger.verify();
    expect(report).toMatchObject({ ok: true, sealed: report.events });
  });

  it('verifies clean, then names the position of an event changed in the database', async () => {
    const ledger = t.app.get(LedgerService);
    await ledger.checkpoint();
    const clean = (await t.http.get('/api/v1/ledger/verification').set(auth(auditor)).expect(200)).body;
    expect(clean).toMatchObject({ ok: true, problems: [], firstBadPosition: null });
    expect(clean.sealed).toBe(clean.events);

    // One changed byte in one stored event, behind the application's back.
    await ds.query(`UPDATE events SET metadata = REPLACE(metadata, 'actor', 'actos') WHERE global_position = 12`);
    const changed = await ledger.verify();
    expect(changed.ok).toBe(false);
    expect(changed.firstBadPosition).toBe(12);
    expect(changed.problems[0].problem).toMatch(/position 12 differs/);
    expect(changed.problems.some((p) => p.treeSize !== undefined)).toBe(true);
  });

  it('names a removed event', async () => {
    const ledger = t.app.get(LedgerService);
    await ds.query(`DELETE FROM events WHERE global_position = 20`);
    const report = await ledger.verify();
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.problem).join('\n')).toMatch(/position 20 is missing/);
  });
});

describe('No unprotected window after sealing (issue 22, build 8)', () => {
  let t: TestApp;
  const saved = { ...process.env };

  beforeAll(async () => {
    // No tree head signed by time or count during the test: only the follower's sealing runs.
    Object.assign(process.env, { LEDGER_CHECKPOINT_SECONDS: '3600', LEDGER_CHECKPOINT_EVERY: '1000000', LEDGER_SEAL_INTERVAL_MS: '100' });
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
    process.env = saved;
  });

  it('catches an event changed after its leaf was computed, before any tree head covers it', async () => {
    const ledger = t.app.get(LedgerService);
    const db = t.app.get(SqlDatabase);
    const heads = async () => (await db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM ledger_checkpoints'))[0].n;
    const headsBefore = Number(await heads());
    await seedReviews(t.store, 5);
    const last = await t.store.headPosition();
    // Sealed by the follower (a leaf stored for every event), no head signed since.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [{ n }] = await db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM ledger_leaves WHERE position = ?', [last]);
      if (Number(n) === 1) break;
      if (Date.now() > deadline) throw new Error('the follower did not seal within 10 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(Number(await heads())).toBe(headsBefore);
    const [{ size }] = await db.query<{ size: number | string | null }>('SELECT MAX(tree_size) AS size FROM ledger_checkpoints');
    expect(Number(size ?? 0)).toBeLessThan(last);

    expect(await ledger.verify()).toMatchObject({ ok: true, firstBadPosition: null });
    // Behind the application's back, the newest event only (its leaf row untouched).
    await db.query(`UPDATE events SET metadata = REPLACE(metadata, 'actor', 'actos') WHERE global_position = ?`, [last]);
    const report = await ledger.verify();
    expect(report.ok).toBe(false);
    expect(report.firstBadPosition).toBe(last);
    expect(report.problems[0].problem).toMatch(new RegExp(`position ${last} differs`));
    // Still no tree head over it: the leaf alone caught the change.
    expect(Number(await heads())).toBe(headsBefore);
  });
});
