import { createHash, type KeyObject } from 'node:crypto';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { CLOCK, type Clock } from '@app/event-store';
import { AccessLogHeads, type BundleVerification, canonicalJson, verifyBundle } from '@app/evidence';
import { BundleExports } from '@app/disclosure';
import { AccessLog, AccessLogEvidence, type AccessRecord, KEY_MATERIAL, type KeyMaterial, Pseudonymizer } from '@app/identity';
import { CLI } from '../support/child-api';
import { type PythonVerdict, requirePythonVerifier, verifyWithPython } from '../support/python-verifier';
import { sha256Hex, startTestApp, type TestApp } from '../support/test-app';
import { readZip, rebag, writeZip } from '../support/zip';
import { courtRequestFor, exportBundleTo, reviewsOfOnePatient } from '../support/bundles';

const run = promisify(execFile);
const YEAR = 365.25 * 24 * 3600 * 1000;
const ADMIN = { subject: 'os:admin', role: 'admin' } as const;
const ALOG = 'data/access-log.jsonl';
const PROOFS = 'data/access-log-proofs.jsonl';
const ANCHOR = 'data/access-log-anchor.jsonl';
const SUBJECTS = 'data/access-log-subjects.jsonl';

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
/** VERIFY.md B.17's subject key: SHA-256(UTF-8("access-log-subject:" + dataSubject)). */
const keyOf = (subject: string) => createHash('sha256').update(`access-log-subject:${subject}`, 'utf8').digest();
/** seqsHash: SHA-256 of the seqs, ascending, 8 bytes big-endian each. */
const seqsHashOf = (seqs: number[]) => sha(...seqs.map((q) => Buffer.from(q.toString(16).padStart(16, '0'), 'hex')));
/** The subject tree's leaves as B.17 states them: one per subject, SHA-256(0x00 ‖ key ‖ seqsHash), sorted by key. */
function subjectLeaves(rows: Array<{ seq: number | string; data_subject: string }>) {
  const by = new Map<string, number[]>();
  for (const r of rows) by.set(r.data_subject, [...(by.get(r.data_subject) ?? []), Number(r.seq)]);
  return [...by.entries()]
    .map(([subject, seqs]) => ({ subject, key: keyOf(subject), seqsHash: seqsHashOf(seqs) }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map((l) => ({ ...l, leaf: sha(Buffer.from([0]), l.key, l.seqsHash) }));
}
const subjectsOf = (rows: Array<{ seq: number | string; data_subject: string }>) => {
  const leaves = subjectLeaves(rows);
  return { size: leaves.length, rootHash: mth(leaves.map((l) => l.leaf)).toString('hex') };
};

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
  const subjects = async () => subjectsOf(await ds.query('SELECT seq, data_subject FROM access_log ORDER BY seq'));

  it('an anchor records the RFC 9162 tree head over the entries and the subject tree (ADR 0050); once per head; an older anchor without one is completed', async () => {
    // Two entries of one subject: its leaf commits to both seqs.
    await log.record([access(1), access(2), access(3, 'p-1')]);
    // An anchor as recorded before tree heads (ADR 0033): still readable, but it does not count as one with a head.
    await t.app.get(AccessLogEvidence).anchor(ADMIN);
    const heads = t.app.get(AccessLogHeads);
    const first = await heads.anchor(ADMIN);
    const tree = { afterSeq: 0, size: 3, rootHash: rootOf(await hashes()), subjects: await subjects() };
    expect(tree.subjects.size).toBe(2);
    expect(first).toMatchObject({ seq: 3, anchored: true, head: tree });
    const events = await t.store.readStream('access-log-anchors');
    expect(events.map((e) => e.data)).toEqual([expect.not.objectContaining({ tree: expect.anything() }), expect.objectContaining({ seq: 3, tree })]);
    expect(first!.position).toBe(events[1].globalPosition);
    expect(await heads.anchor(ADMIN)).toMatchObject({ anchored: false, position: events[1].globalPosition });
    // The chain check still reads both kinds.
    expect(await t.app.get(AccessLogEvidence).verify()).toMatchObject({ ok: true, anchors: 2 });

    // An anchor of the same head with a tree but no subject tree (as ADR 0047 recorded them) does not count either.
    await t.store.append(
      'access-log-anchors',
      [{ type: 'identity.AccessLogAnchored', data: { ...events[1].data, tree: { afterSeq: 0, size: 3, rootHash: tree.rootHash } } }],
      {
        expectedRevision: 'any',
      },
    );
    expect(await heads.anchor(ADMIN)).toMatchObject({ anchored: true, head: tree });

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
    // The subject tree restarts with it: the purged entries' subjects have no leaf.
    expect(anchored).toMatchObject({ seq: 5, head: { afterSeq: 2, size: 3, rootHash: rootOf(await hashes()), subjects: await subjects() } });
    expect(anchored!.head.subjects).toEqual(subjectsOf([3, 4, 5].map((n) => ({ seq: n, data_subject: `p-${n}` }))));
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
    const legal = await t.token('legal', 'lawyer-1');
    await reviewsOfOnePatient(t, ['accepted'], { reason: () => 'Fine' });
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
  const setLines = (f: Map<string, Buffer>, name: string, ls: string[]) => f.set(name, Buffer.from(ls.length ? `${ls.join('\n')}\n` : ''));

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
    expect(anchor.data.tree).toMatchObject({ afterSeq: 0, size: anchor.data.seq, rootHash: rootOf(all.map((r) => r.entry_hash)) });
    expect(JSON.parse(anchorProof)).toMatchObject({ position: anchor.globalPosition, leafIndex: anchor.globalPosition - 1 });
    // VERIFY.md works the first entry through.
    const verify = bundle.get('data/VERIFY.md')!.toString();
    expect(verify).toContain('## B.17 Who read the data');
    expect(verify).toContain(`in the anchor event at position ${anchor.globalPosition}: \`${anchor.data.tree.rootHash}\``);

    // The subject tree (ADR 0050): the patient's leaf names exactly the seqs shown, and its root is the anchor's.
    const [subjectLine, ...more] = lines(bundle, SUBJECTS);
    expect(more).toEqual([]);
    const subject = JSON.parse(subjectLine) as { dataSubject: string; seqs: number[]; leafIndex: number; treeSize: number };
    expect(subject).toMatchObject({ dataSubject: pseudonym, seqs: entries.map((e) => e.seq) });
    const rowsBySubject = await t.app
      .get(DataSource)
      .query<Array<{ seq: number; data_subject: string }>>('SELECT seq, data_subject FROM access_log ORDER BY seq');
    const upTo = rowsBySubject.filter((r) => Number(r.seq) <= anchor.data.seq);
    const sorted = subjectLeaves(upTo);
    expect(anchor.data.tree).toEqual(expect.objectContaining({ subjects: subjectsOf(upTo) }));
    expect(sorted[subject.leafIndex].subject).toBe(pseudonym);
    expect(verify).toContain(`The extract's\nentries of this patient are exactly #${subject.seqs.join(', #')}.`);

    const v = await both(join(dir, 'genuine.zip'));
    expect(v.ts).toMatchObject({
      ok: true,
      problems: [],
      accessLog: { proven: entries.length, anchorPosition: anchor.globalPosition, completeSubjects: 1, throughSeq: anchor.data.seq },
    });
    expect(v.py).toMatchObject({ ok: true, problems: [], accessLogProven: entries.length, accessLogComplete: 1 });
    expect(v.ts.restsOnHospital).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`proven complete through that entry.*#${anchor.data.seq}|#${anchor.data.seq}.*proven complete`)),
      ]),
    );
    expect(v.ts.restsOnHospital).not.toEqual(expect.arrayContaining([expect.stringMatching(/^that the access-log extract lists every access/)]));
    // The console verdict says it too.
    const { stdout } = await run(process.execPath, [CLI, 'verify-bundle', join(dir, 'genuine.zip')], { env: { ...process.env, LOG_LEVEL: 'warn' } });
    expect(stdout).toContain(
      `Access log: ${entries.length} entries proven against the head anchored at position ${anchor.globalPosition}; 1 patient(s) proven complete through entry #${anchor.data.seq}`,
    );
  }, 90_000);

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

  it('an entry removed from the extract together with its proof line, signed again with the hospital’s key: both reject (ADR 0050; was "remaining")', async () => {
    const v = await forge('removed', (f) => {
      setLines(f, ALOG, lines(f, ALOG).slice(1));
      setLines(f, PROOFS, lines(f, PROOFS).slice(1));
    });
    rejected(v, ALOG, /is not complete: entries #\d+ left out/);
  });

  it('an entry removed with its proof line and its seq taken out of the patient’s leaf: both reject (the leaf is not in the subject tree)', async () => {
    const v = await forge('removed-seq', (f) => {
      setLines(f, ALOG, lines(f, ALOG).slice(1));
      setLines(f, PROOFS, lines(f, PROOFS).slice(1));
      const s = JSON.parse(lines(f, SUBJECTS)[0]) as { seqs: number[] };
      setLines(f, SUBJECTS, [canonicalJson({ ...s, seqs: s.seqs.slice(1) })]);
    });
    rejected(v, SUBJECTS, /is not proven to be in the anchored subject tree/);
  });

  it('every entry removed and the patient declared absent, with no neighbours, its own leaf as one, or the two leaves around its own: both reject', async () => {
    for (const [name, right] of [
      ['absent-no-neighbours', null],
      ['absent-own-leaf', 'own'],
    ] as const) {
      const v = await forge(name, (f) => {
        const s = JSON.parse(lines(f, SUBJECTS)[0]) as { dataSubject: string; seqs: number[]; leafIndex: number; proof: string[]; treeSize: number };
        const own = { leafIndex: s.leafIndex, proof: s.proof, seqsHash: seqsHashOf(s.seqs).toString('hex'), subjectKey: keyOf(s.dataSubject).toString('hex') };
        setLines(f, ALOG, []);
        setLines(f, PROOFS, []);
        setLines(f, SUBJECTS, [canonicalJson({ absent: true, dataSubject: s.dataSubject, left: null, right: right ? own : null, treeSize: s.treeSize })]);
      });
      rejected(v, SUBJECTS, /absence of .* is not proven/);
    }

    // The hospital knows every leaf: it shows the real leaves on either side of the patient's own,
    // each with a valid proof, keys enclosing the patient's key, but not adjacent (its leaf lies between).
    const anchorSeq = (JSON.parse(lines(bundle, ANCHOR)[0]) as { data: { seq: number } }).data.seq;
    const rows = await t.app.get(DataSource).query<Array<{ seq: number; data_subject: string }>>('SELECT seq, data_subject FROM access_log ORDER BY seq');
    const leaves = subjectLeaves(rows.filter((r) => Number(r.seq) <= anchorSeq));
    const v = await forge('absent-skipping-own-leaf', (f) => {
      const s = JSON.parse(lines(f, SUBJECTS)[0]) as { dataSubject: string; leafIndex: number; treeSize: number };
      const side = (i: number) =>
        i < 0 || i >= leaves.length
          ? null
          : {
              leafIndex: i,
              proof: pathOf(
                leaves.map((l) => l.leaf),
                i,
              ).map((h) => h.toString('hex')),
              seqsHash: leaves[i].seqsHash.toString('hex'),
              subjectKey: leaves[i].key.toString('hex'),
            };
      setLines(f, ALOG, []);
      setLines(f, PROOFS, []);
      setLines(f, SUBJECTS, [
        canonicalJson({ absent: true, dataSubject: s.dataSubject, left: side(s.leafIndex - 1), right: side(s.leafIndex + 1), treeSize: s.treeSize }),
      ]);
    });
    rejected(v, SUBJECTS, /absence of .* is not proven/);
  });

  it('the whole extract left out (all four files), or only the subject proofs: both reject (the scope names a patient)', async () => {
    const all = await forge('no-extract', (f) => {
      for (const n of [ALOG, PROOFS, ANCHOR, SUBJECTS]) f.delete(n);
    });
    rejected(all, ALOG, /missing|required/);
    const subjectsLeftOut = await forge('no-subjects', (f) => void f.delete(SUBJECTS));
    rejected(subjectsLeftOut, SUBJECTS, /missing/);
  });

  it('a patient of the scope with no access under the anchored head: its absence proven by the neighbouring leaves, hashes only; both accept', async () => {
    // Exported by the service, not over HTTP: the export request itself would log an access to both patients.
    const absent = t.app.get(Pseudonymizer).pseudonymise('NL-9999');
    const legal = await t.token('legal', 'lawyer-1');
    const requestId = await courtRequestFor(t, legal, 'ALOG-2', [pseudonym, absent, pseudonym]);
    const started = await t.app.get(BundleExports).start(requestId, { subject: 'lawyer-1', role: 'legal' });
    const job = await started.done;
    expect(job.status).toBe('done');
    const path = join(dir, 'with-absent.zip');
    copyFileSync(t.app.get(BundleExports).fileOf(job.bundleId), path);
    const f = await readZip(path);
    const [present, away, ...more] = lines(f, SUBJECTS).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(more).toEqual([]);
    expect(present).toMatchObject({ dataSubject: pseudonym });
    expect(away).toMatchObject({ absent: true, dataSubject: absent });
    // No other patient's pseudonym in the proofs (as a JSON string: a random pseudonym may hold "p-1"): the neighbours are shown by their hashes.
    for (const other of ['p-1', 'p-2', 'p-201']) expect(f.get(SUBJECTS)!.toString()).not.toContain(JSON.stringify(other));
    const v = await both(path);
    expect(v.ts).toMatchObject({ ok: true, problems: [], accessLog: { completeSubjects: 2 } });
    expect(v.py).toMatchObject({ ok: true, accessLogComplete: 2 });

    // The absent patient's genuine absence proof reused for the other patient, its entries removed:
    // its key is not between those two adjacent leaves (its own leaf is), so both reject.
    const reused = new Map(f);
    setLines(reused, ALOG, []);
    setLines(reused, PROOFS, []);
    setLines(reused, SUBJECTS, [canonicalJson({ ...away, dataSubject: pseudonym }), canonicalJson(away)]);
    rebag(reused, hospitalKey);
    const p2 = join(dir, 'absence-reused.zip');
    await writeZip(p2, reused);
    const w = await both(p2);
    rejected(w, SUBJECTS, /absence of .* is not proven/);
    expect(w.py.ok).toBe(false);
  });
});

/** RFC 9162 §2.1.3.1 PATH(m, D[n]) over leaf hashes, written out again for the forger. */
function pathOf(leaves: Buffer[], m: number): Buffer[] {
  if (leaves.length <= 1) return [];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return m < k ? [...pathOf(leaves.slice(0, k), m), mth(leaves.slice(k))] : [...pathOf(leaves.slice(k), m - k), mth(leaves.slice(0, k))];
}
