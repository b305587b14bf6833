import { createHash, type KeyObject } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { CLOCK, type Clock } from '@app/event-store';
import { AccessLogHeads, type BundleVerification, canonicalJson, verifyBundle } from '@app/evidence';
import { AccessLog, AccessLogEvidence, type AccessRecord, KEY_MATERIAL, type KeyMaterial } from '@app/identity';
import { CLI } from '../support/child-api';
import { type PythonVerdict, requirePythonVerifier, verifyWithPython } from '../support/python-verifier';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp } from '../support/test-app';
import { readZip, rebag, writeZip } from '../support/zip';
import { courtRequestFor, exportBundleTo } from '../support/bundles';

const run = promisify(execFile);
const YEAR = 365.25 * 24 * 3600 * 1000;
const ADMIN = { subject: 'os:admin', role: 'admin' } as const;
const ALOG = 'data/access-log.jsonl';
const PROOFS = 'data/access-log-proofs.jsonl';
const ANCHOR = 'data/access-log-anchor.jsonl';

const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
/** RFC 9162 §2.1.1 written out again here (not the product's code): MTH over leaf hashes. */
function mth(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha(Buffer.from([1]), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
/** The access-log tree's root as VERIFY.md B.17 states it: leaf = SHA-256(0x00 ‖ the 32 bytes of entryHash). */
const rootOf = (entryHashes: string[]) => mth(entryHashes.map((h) => sha(Buffer.from([0]), Buffer.from(h, 'hex')))).toString('hex');

const access = (n: number, dataSubject = `p-${n}`): AccessRecord => ({
  requestId: `req-${n}`,
  actor: { subject: `clinician-${n}`, role: 'clinician' },
  action: 'read-review',
  dataSubject,
  resource: `GET /api/v1/reviews/${n}`,
});

describe('access-log tree heads anchored in the ledger (ADR 0047)', () => {
  let t: TestApp;
  let log: AccessLog;
  let ds: DataSource;
  beforeEach(async () => {
    t = await startTestApp();
    log = t.app.get(AccessLog);
    ds = t.app.get(DataSource);
  });
  afterEach(() => t.close());

  const hashes = async () => (await ds.query('SELECT entry_hash FROM access_log ORDER BY seq')).map((r: { entry_hash: string }) => r.entry_hash);

  it('an anchor records the RFC 9162 tree head over the entries; once per head; an older anchor without one is completed', async () => {
    await log.record([access(1), access(2), access(3)]);
    // An anchor as recorded before tree heads (ADR 0033): still readable, but it does not count as one with a head.
    await t.app.get(AccessLogEvidence).anchor(ADMIN);
    const heads = t.app.get(AccessLogHeads);
    const first = await heads.anchor(ADMIN);
    expect(first).toMatchObject({ seq: 3, anchored: true, head: { afterSeq: 0, size: 3, rootHash: rootOf(await hashes()) } });
    const events = await t.store.readStream('access-log-anchors');
    expect(events.map((e) => e.data)).toEqual([
      expect.not.objectContaining({ tree: expect.anything() }),
      expect.objectContaining({ seq: 3, tree: { afterSeq: 0, size: 3, rootHash: rootOf(await hashes()) } }),
    ]);
    expect(first!.position).toBe(events[1].globalPosition);
    expect(await heads.anchor(ADMIN)).toMatchObject({ anchored: false, position: events[1].globalPosition });
    // The chain check still reads both kinds.
    expect(await t.app.get(AccessLogEvidence).verify()).toMatchObject({ ok: true, anchors: 2 });

    // The CLI records the head too.
    await log.record([access(4)]);
    const { stdout } = await run(process.execPath, [CLI, 'access-log', 'anchor'], { env: { ...process.env, ...t.storage.env, LOG_LEVEL: 'warn' } });
    expect(stdout).toContain(`with the tree head of entries #1–#4 (root ${rootOf(await hashes())})`);
  }, 90_000); // one run of the CLI, booting the app: slow on a loaded two-core machine

  it('after a purge the tree restarts after the purged entries: leaf index = seq − afterSeq − 1', async () => {
    const clock = t.app.get<Clock>(CLOCK);
    clock.travelTo(new Date(Date.now() - 7 * YEAR));
    await log.record([access(1), access(2)]);
    clock.reset();
    await log.record([access(3), access(4), access(5)]);
    await t.app.get(AccessLogEvidence).purge(new Date(Date.now() - 6 * YEAR).toISOString(), ADMIN);
    const anchored = await t.app.get(AccessLogHeads).anchor(ADMIN);
    expect(anchored).toMatchObject({ seq: 5, head: { afterSeq: 2, size: 3, rootHash: rootOf(await hashes()) } });
    expect(await hashes()).toHaveLength(3);
  });
});

interface Entry {
  seq: number;
  entryId: string;
  requestId: string;
  at: string;
  actor: { subject: string; role: string };
  action: string;
  dataSubject: string;
  resource: string;
  ip?: string | null;
  userAgent?: string | null;
  prevHash: string;
  entryHash: string;
}
/** VERIFY.md B.17's entry hash. */
const entryHash = (e: Entry) =>
  sha256Hex(
    `${e.prevHash}\n${JSON.stringify([e.seq, e.entryId, e.requestId, e.at, e.actor.subject, e.actor.role, e.action, e.dataSubject, e.resource, e.ip ?? null, e.userAgent ?? null])}`,
  );

describe('the access-log extract in a bundle: each entry proven against an anchored head (VERIFY.md B.17)', () => {
  let t: TestApp;
  let bundle: Map<string, Buffer>;
  let hospitalKey: KeyObject;
  let pseudonym: string;
  const dir = mkdtempSync(join(tmpdir(), 'alog-proofs-'));
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    requirePythonVerifier();
    t = await startTestApp();
    const [legal, alice, admin] = await Promise.all([t.token('legal', 'lawyer-1'), t.token('clinician', 'alice'), t.token('admin', 'admin-1')]);
    const systemId = (await t.http.post('/api/v1/ai-systems').set(auth(admin)).send(aiSystemBody()).expect(201)).body.aiSystemId;
    await t.http
      .post('/api/v1/reviews')
      .set(auth(alice))
      .send({
        aiSystemId: systemId,
        modelVersion: '2.3.1',
        outputReference: 'pacs://NL-1001',
        outputSha256: sha256Hex('x'),
        patientId: 'NL-1001',
        decision: 'accepted',
        reason: 'Fine',
      })
      .expect(201);
    pseudonym = (await t.http.post('/api/v1/patients/timeline').set(auth(legal)).send({ patientId: 'NL-1001' }).expect(200)).body.patientPseudonym;
    // This patient's entries interleaved with others': the extract has gaps in seq.
    const log = t.app.get(AccessLog);
    for (let n = 1; n <= 4; n++) await log.record([access(n), access(100 + n, pseudonym), access(200 + n)]);
    const requestId = await courtRequestFor(t, legal, 'ALOG-1', [pseudonym]);
    const path = join(dir, 'genuine.zip');
    await exportBundleTo(t, legal, requestId, path);
    bundle = await readZip(path);
    hospitalKey = t.app.get<KeyMaterial>(KEY_MATERIAL).ledgerSigning.privateKey;
  });
  afterAll(async () => t?.close());

  const lines = (f: Map<string, Buffer>, name: string) => f.get(name)!.toString().trim().split('\n');
  const setLines = (f: Map<string, Buffer>, name: string, ls: string[]) => f.set(name, Buffer.from(`${ls.join('\n')}\n`));

  async function both(path: string): Promise<{ ts: BundleVerification; py: PythonVerdict }> {
    const [ts, py] = await Promise.all([verifyBundle(path), verifyWithPython(path)]);
    expect({ bundle: path, pythonOk: py.ok }).toEqual({ bundle: path, pythonOk: ts.ok });
    return { ts, py };
  }
  /** A forgery by the hospital itself: manifests and the signed statement made again with its own key. */
  async function forge(name: string, change: (f: Map<string, Buffer>) => void) {
    const f = new Map(bundle);
    change(f);
    rebag(f, hospitalKey);
    const p = join(dir, `${name}.zip`);
    await writeZip(p, f);
    return both(p);
  }
  const rejected = (v: Awaited<ReturnType<typeof both>>, file: string, problem: RegExp) => {
    expect(v.ts.ok).toBe(false);
    expect(v.py.ok).toBe(false);
    expect(v.ts.problems).toEqual(expect.arrayContaining([expect.objectContaining({ file, problem: expect.stringMatching(problem) })]));
    expect(v.py.problems).toEqual(expect.arrayContaining([expect.objectContaining({ file })]));
  };

  it('both verifiers accept the genuine bundle and prove every extracted entry against the anchor the export recorded', async () => {
    const entries = lines(bundle, ALOG).map((l) => JSON.parse(l) as Entry);
    // The timeline read by the lawyer and the four recorded here, at least: all this patient's, with gaps between.
    expect(entries.length).toBeGreaterThanOrEqual(5);
    expect(entries.every((e) => e.dataSubject === pseudonym)).toBe(true);
    expect(entries.some((e, i) => i > 0 && e.seq !== entries[i - 1].seq + 1)).toBe(true);
    for (const e of entries) expect(entryHash(e)).toBe(e.entryHash);
    // The anchor the export recorded is the one the bundle proves: the access log's head at export.
    const [anchorLine, anchorProof] = lines(bundle, ANCHOR);
    const anchor = JSON.parse(anchorLine) as { globalPosition: number; data: { seq: number; tree: { afterSeq: number; size: number; rootHash: string } } };
    const stored = (await t.store.readStream('access-log-anchors')).at(-1)!;
    expect(anchor.globalPosition).toBe(stored.globalPosition);
    expect(anchor.data.tree).toEqual(stored.data.tree);
    const rows = await t.app.get(DataSource).query<Array<{ entry_hash: string }>>('SELECT entry_hash FROM access_log ORDER BY seq');
    const all = rows.slice(0, anchor.data.seq);
    expect(anchor.data.tree).toEqual({ afterSeq: 0, size: anchor.data.seq, rootHash: rootOf(all.map((r) => r.entry_hash)) });
    expect(JSON.parse(anchorProof)).toMatchObject({ position: anchor.globalPosition, leafIndex: anchor.globalPosition - 1 });
    // VERIFY.md works the first entry through.
    const verify = bundle.get('data/VERIFY.md')!.toString();
    expect(verify).toContain('## B.17 Who read the data');
    expect(verify).toContain(`in the anchor event at position ${anchor.globalPosition}: \`${anchor.data.tree.rootHash}\``);

    const v = await both(join(dir, 'genuine.zip'));
    expect(v.ts).toMatchObject({ ok: true, problems: [], accessLog: { proven: entries.length, anchorPosition: anchor.globalPosition } });
    expect(v.py).toMatchObject({ ok: true, problems: [], accessLogProven: entries.length });
  });

  it('an edited entry, its entry hash recomputed: both reject (the leaf is not in the anchored tree)', async () => {
    const v = await forge('edited', (f) => {
      const es = lines(f, ALOG).map((l) => JSON.parse(l) as Entry);
      es[1] = { ...es[1], actor: { ...es[1].actor, subject: 'someone-else' } };
      es[1].entryHash = entryHash(es[1]);
      setLines(
        f,
        ALOG,
        es.map((e) => JSON.stringify(e)),
      );
    });
    rejected(v, ALOG, /not proven to be in the access-log tree/);
  });

  it('an edited entry with its old entry hash kept: both reject', async () => {
    const v = await forge('edited-hash-kept', (f) => {
      const es = lines(f, ALOG);
      es[0] = es[0].replace('"action":"', '"action":"x');
      setLines(f, ALOG, es);
    });
    rejected(v, ALOG, /do not hash to its entryHash/);
  });

  it('an entry moved to another index (its seq and leaf index changed together): both reject', async () => {
    const v = await forge('moved', (f) => {
      const es = lines(f, ALOG).map((l) => JSON.parse(l) as Entry);
      const ps = lines(f, PROOFS).map((l) => JSON.parse(l) as { leafIndex: number; seq: number });
      es[0] = { ...es[0], seq: es[0].seq + 1 };
      es[0].entryHash = entryHash(es[0]);
      ps[0] = { ...ps[0], seq: ps[0].seq + 1, leafIndex: ps[0].leafIndex + 1 };
      setLines(
        f,
        ALOG,
        es.map((e) => JSON.stringify(e)),
      );
      setLines(
        f,
        PROOFS,
        ps.map((p) => canonicalJson(p)),
      );
    });
    rejected(v, ALOG, /not proven to be in the access-log tree/);
  });

  it('a proof line naming another leaf index for the same entry: both reject', async () => {
    const v = await forge('other-index', (f) => {
      const ps = lines(f, PROOFS).map((l) => JSON.parse(l) as { leafIndex: number });
      ps[0] = { ...ps[0], leafIndex: ps[0].leafIndex + 1 };
      setLines(
        f,
        PROOFS,
        ps.map((p) => canonicalJson(p)),
      );
    });
    rejected(v, PROOFS, /is at leaf index/);
  });

  it('proofs against a head that is not in the ledger (a tree of the forger’s, the anchor event changed to name it): both reject', async () => {
    const v = await forge('foreign-head', (f) => {
      const es = lines(f, ALOG).map((l) => JSON.parse(l) as Entry);
      // The forger's own tree: just these entries, at indices of its choosing.
      const root = rootOf(es.map((e) => e.entryHash));
      const [line, proof] = lines(f, ANCHOR);
      const anchor = JSON.parse(line) as { data: { seq: number; tree: { afterSeq: number; size: number; rootHash: string } } };
      anchor.data.tree = { afterSeq: anchor.data.seq - es.length, size: es.length, rootHash: root };
      setLines(f, ANCHOR, [canonicalJson(anchor), proof]);
      const leaves = es.map((e) => sha(Buffer.from([0]), Buffer.from(e.entryHash, 'hex')));
      // With two or more leaves a real proof of each in the forger's tree is needed; one leaf proves itself.
      setLines(
        f,
        PROOFS,
        es.map((e, i) => canonicalJson({ leafIndex: i, proof: pathOf(leaves, i).map((h) => h.toString('hex')), seq: e.seq, treeSize: es.length })),
      );
      // The seq the forger's tree would need: leaf index = seq − afterSeq − 1.
      setLines(
        f,
        ALOG,
        es.map((e, i) => {
          const moved = { ...e, seq: anchor.data.tree.afterSeq + i + 1 };
          moved.entryHash = entryHash(moved);
          return JSON.stringify(moved);
        }),
      );
    });
    rejected(v, ANCHOR, /not proven to be in the signed tree/);
  });

  it('the proofs or the anchor left out of a bundle whose extract has entries: both reject', async () => {
    for (const name of [PROOFS, ANCHOR]) {
      const v = await forge(`without-${name.slice(5)}`, (f) => void f.delete(name));
      rejected(v, name, /missing/);
    }
  });

  it('remaining: an entry removed from the extract together with its proof line, signed again with the hospital’s key: both accept (docs/evidence.md)', async () => {
    const v = await forge('removed', (f) => {
      setLines(f, ALOG, lines(f, ALOG).slice(1));
      setLines(f, PROOFS, lines(f, PROOFS).slice(1));
    });
    expect(v.ts).toMatchObject({ ok: true, problems: [] });
    expect(v.py).toMatchObject({ ok: true, problems: [] });
    expect(v.ts.restsOnHospital).toEqual(expect.arrayContaining([expect.stringMatching(/^that the access-log extract lists every access/)]));
  });
});

/** RFC 9162 §2.1.3.1 PATH(m, D[n]) over leaf hashes, written out again for the forger. */
function pathOf(leaves: Buffer[], m: number): Buffer[] {
  if (leaves.length <= 1) return [];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return m < k ? [...pathOf(leaves.slice(0, k), m), mth(leaves.slice(k))] : [...pathOf(leaves.slice(k), m - k), mth(leaves.slice(0, k))];
}
