import { execFile } from 'node:child_process';
import { createHash, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  type BundleVerification,
  canonicalJson,
  certificatesFromPem,
  LedgerAnchorService,
  LedgerService,
  leafHash,
  MerkleTree,
  type SignedTreeHead,
  timestampRequest,
  tokenFromResponse,
  treeHeadBytes,
  verifyBundle,
} from '@app/evidence';
import { KEY_MATERIAL, type KeyMaterial } from '@app/identity';
import { CLI } from '../support/child-api';
import { refLineLeafText } from '../support/leaf-reference';
import { LocalTsa } from '../support/local-tsa';
import { type PythonVerdict, requirePythonVerifier, verifyWithPython } from '../support/python-verifier';
import { startTestApp, type TestApp } from '../support/test-app';
import { rederive } from '../support/rederive';
import { readZip, rebag, writeZip } from '../support/zip';
import { courtRequestFor, exportBundleTo, reviewsOfOnePatient } from '../support/bundles';

type Anchors = BundleVerification['anchors'];
interface Verdicts {
  ts: BundleVerification;
  py: PythonVerdict & { anchors: Anchors };
}

/**
 * The forgery corpus, part 3 of issue 22 (build 3): bundles that carry external anchors (RFC 3161
 * tokens of a real TSA, run locally) and RFC 9162 consistency proofs. The hospital's own key can
 * re-sign a rewritten history, but not make it an append-only extension of a tree a TSA
 * time-stamped before: both verifiers reject it, with or without the TSA pinned. Both must also
 * agree, event by event, on since when an external anchor covers each event.
 */
describe('Forgery corpus, anchors: an own-key history rewrite fails once an earlier head was anchored', () => {
  let tsa: LocalTsa;
  let other: LocalTsa;
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'forgery-anchors-'));
  const saved = { ...process.env };
  let anchoredPath: string;
  let genuine: Map<string, Buffer>;
  let firstReviewId: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    requirePythonVerifier();
    [tsa, other] = await Promise.all([LocalTsa.start(), LocalTsa.start('Another TSA')]);
    // The loop is left to its interval (an hour): the test anchors on demand, as an operator would.
    Object.assign(process.env, { LEDGER_TSA_URL: tsa.url, LEDGER_TSA_CERT_FILE: tsa.certFile, LEDGER_ANCHOR_INTERVAL_MINUTES: '60' });
    t = await startTestApp();
    const legal = await t.token('legal', 'lawyer-1');
    const { reviewIds } = await reviewsOfOnePatient(t, ['rejected', 'accepted', 'rejected'], {
      // Anchored here: the two reviews and what came before them; what follows is not, yet.
      after: async (i) => i === 1 && expect(await t.app.get(LedgerAnchorService).anchor({ fresh: true })).not.toBeNull(),
    });
    firstReviewId = reviewIds[0];
    const pseudonym = (await t.http.post('/api/v1/patients/timeline').set(auth(legal)).send({ patientId: 'NL-1001' }).expect(200)).body.patientPseudonym;
    const requestId = await courtRequestFor(t, legal, 'ANCHORS-1', [pseudonym]);
    anchoredPath = join(dir, 'anchored.zip');
    await exportBundleTo(t, legal, requestId, anchoredPath);
    genuine = await readZip(anchoredPath);
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([tsa?.stop(), other?.stop()]);
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  const lines = (f: Map<string, Buffer>, name: string) => f.get(name)!.toString().trim().split('\n');

  /** Both verifiers, the TSA pinned or not: the same verdict and the same coverage, event by event. */
  async function both(path: string, pinTsa = true): Promise<Verdicts> {
    const [ts, py] = await Promise.all([
      verifyBundle(path, pinTsa ? { trustedTsa: certificatesFromPem(tsa.certPem) } : {}),
      verifyWithPython(path, pinTsa ? ['--trusted-tsa', tsa.certFile] : []) as Promise<Verdicts['py']>,
    ]);
    expect({ bundle: path, pythonOk: py.ok, anchors: py.anchors }).toEqual({ bundle: path, pythonOk: ts.ok, anchors: ts.anchors });
    return { ts, py };
  }

  async function forge(name: string, change: (f: Map<string, Buffer>) => void | Promise<void>): Promise<string> {
    const f = new Map(genuine);
    await change(f);
    // The hospital's own key also signs the bundle statement again (VERIFY.md B.14): it can.
    rebag(f, t.app.get<KeyMaterial>(KEY_MATERIAL).ledgerSigning.privateKey);
    const p = join(dir, `${name}.zip`);
    await writeZip(p, f);
    return p;
  }

  /**
   * What the hospital can do with its own log and key: change an anchored event, recompute every
   * leaf, proof and root from the full log, and sign the new head. The anchors' consistency proofs
   * are recomputed from the forged tree too (the best a forger can do).
   */
  async function rewriteHistory(f: Map<string, Buffer>): Promise<void> {
    const ledger = t.app.get(LedgerService);
    const head = JSON.parse(f.get('data/checkpoint.json')!.toString()) as { treeSize: number; issuedAt: string; keyId: string; log: string };
    const { hashes } = await ledger.leaves(head.treeSize);
    const events = lines(f, 'data/events.jsonl');
    const at = events.findIndex((l) => l.includes(firstReviewId));
    const forged = JSON.parse(events[at]) as { globalPosition: number; data: { decision: string } };
    expect(forged.data.decision).toBe('rejected');
    forged.data.decision = 'accepted';
    events[at] = canonicalJson(forged);
    // Its leaf by B.4, or B.4a for a leaf-format-2 line (the default): the forger holds every salt it shows.
    hashes[forged.globalPosition - 1] = leafHash(refLineLeafText(forged));
    const tree = new MerkleTree(hashes);
    const hex = (b: Buffer) => b.toString('hex');
    const proofs = lines(f, 'data/proofs.jsonl').map((l) => {
      const p = JSON.parse(l) as { leafIndex: number };
      return canonicalJson({ ...p, leafHash: hex(hashes[p.leafIndex]), proof: tree.inclusionProof(p.leafIndex).map(hex) });
    });
    // The access-log anchor's proof line too (VERIFY.md B.17): every proof in the bundle, redone.
    if (f.has('data/access-log-anchor.jsonl')) {
      const [anchorEvent, anchorProof] = lines(f, 'data/access-log-anchor.jsonl');
      const p = JSON.parse(anchorProof) as { leafIndex: number };
      const redone = canonicalJson({ ...p, leafHash: hex(hashes[p.leafIndex]), proof: tree.inclusionProof(p.leafIndex).map(hex) });
      f.set('data/access-log-anchor.jsonl', Buffer.from(`${anchorEvent}\n${redone}\n`));
    }
    const body = { issuedAt: head.issuedAt, keyId: head.keyId, log: head.log, rootHash: hex(tree.root()), treeSize: head.treeSize };
    const keys = t.app.get<KeyMaterial>(KEY_MATERIAL);
    f.set('data/events.jsonl', Buffer.from(`${events.join('\n')}\n`));
    f.set('data/proofs.jsonl', Buffer.from(`${proofs.join('\n')}\n`));
    f.set('data/checkpoint.json', Buffer.from(canonicalJson(body)));
    f.set('data/checkpoint.sig', sign(null, Buffer.from(canonicalJson(body)), keys.ledgerSigning.privateKey));
    if (f.has('data/anchors.jsonl')) {
      const anchors = lines(f, 'data/anchors.jsonl').map((l) => {
        const a = JSON.parse(l) as { checkpoint: { treeSize: number } };
        return canonicalJson({ ...a, consistency: a.checkpoint.treeSize === head.treeSize ? [] : tree.consistencyProof(a.checkpoint.treeSize).map(hex) });
      });
      f.set('data/anchors.jsonl', Buffer.from(`${anchors.join('\n')}\n`));
    }
    // What VERIFY.md B.12 derives from the events (timeline, report rows), redone for the forged one.
    await rederive(f, genuine);
  }

  it('both accept the genuine bundle and agree since when each event is anchored; unpinned, no event counts as anchored', async () => {
    const pinned = await both(anchoredPath);
    expect(pinned.ts).toMatchObject({ ok: true, problems: [] });
    const events = lines(genuine, 'data/events.jsonl').length;
    expect(lines(genuine, 'data/anchors.jsonl')).toHaveLength(1);
    expect(pinned.ts.anchors.checkedAgainst).toBe('pinned-tsa');
    // The two reviews (and the AI system and key streams before them) are anchored; the later review and the request are not.
    const anchored = pinned.ts.anchors.anchored.reduce((n, r) => n + r.events, 0);
    expect(anchored).toBeGreaterThanOrEqual(3);
    expect(pinned.ts.anchors.unanchored).toBeGreaterThanOrEqual(2);
    expect(anchored + pinned.ts.anchors.unanchored).toBe(events);
    expect(pinned.ts.restsOnHospital.join('\n')).toContain('no checked external anchor covers');
    const free = await both(anchoredPath, false);
    expect(free.ts).toMatchObject({ ok: true, anchors: { checkedAgainst: 'not-pinned', anchored: [], unanchored: events } });
    expect(free.ts.restsOnHospital.join('\n')).toContain('no TSA certificate was pinned');
  });

  it('an anchored event rewritten, every leaf, proof and root recomputed and re-signed with the hospital’s own key: both reject, pinned or not', async () => {
    const path = await forge('own-key-rewrite', rewriteHistory);
    for (const pin of [true, false]) {
      const v = await both(path, pin);
      expect(v.ts.ok).toBe(false);
      expect(v.ts.problems).toEqual([expect.objectContaining({ file: 'data/anchors.jsonl', problem: expect.stringContaining('history was rewritten') })]);
      expect(v.py.problems).toEqual([expect.objectContaining({ file: 'data/anchors.jsonl' })]);
    }
  });

  it('the same rewrite with the anchors left out: both accept it, but no event is anchored and the verdict says the history rests on the hospital', async () => {
    const path = await forge('own-key-rewrite-unanchored', async (f) => {
      f.delete('data/anchors.jsonl');
      await rewriteHistory(f);
    });
    const v = await both(path);
    expect(v.ts).toMatchObject({ ok: true, anchors: { checkedAgainst: null, anchored: [] } });
    expect(v.ts.restsOnHospital.join('\n')).toContain('a history rewritten and re-signed with that key would verify too');
  });

  it('registry verify-bundle --trusted-tsa (the real CLI) prints since when the events are anchored, and fails the own-key rewrite naming the anchor', async () => {
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, [CLI, 'verify-bundle', ...args]).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
    const good = await cli(anchoredPath, '--trusted-tsa', tsa.certFile);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('External anchors: 1 RFC 3161 timestamps checked against the pinned TSA');
    expect(good.stdout).toMatch(/positions 1–\d+ \(\d+ events\): anchored since \d{4}-\d\d-\d\dT/);
    expect(good.stdout).toMatch(/\d+ later events: not anchored yet/);
    expect((await cli(anchoredPath)).stdout).toContain('External anchors: 1, not checked (no --trusted-tsa)');
    const forged = await cli(join(dir, 'own-key-rewrite.zip'));
    expect(forged.code).toBe(1);
    expect(forged.stdout).toContain('data/anchors.jsonl, line 1: the signed tree head is not an append-only extension');
    const unreadable = await cli(anchoredPath, '--trusted-tsa', join(dir, 'anchored.zip'));
    expect(unreadable.code).toBe(2);
  });

  it('an anchor whose token is by a TSA not pinned, or whose genTime or anchored head was changed, or that gained a member: both reject with the TSA pinned', async () => {
    const anchor = JSON.parse(lines(genuine, 'data/anchors.jsonl')[0]) as { genTime: string; token: string; checkpoint: SignedTreeHead };
    // A token of another TSA over the same head, as a forger with a TSA of their own would make it.
    const query = timestampRequest(createHash('sha256').update(treeHeadBytes(anchor.checkpoint)).digest()).der;
    const res = await fetch(other.url, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: new Uint8Array(query) });
    const foreignToken = tokenFromResponse(Buffer.from(await res.arrayBuffer()));
    const cases: Record<string, (a: typeof anchor) => object> = {
      'foreign-tsa': (a) => ({ ...a, token: foreignToken.toString('base64') }),
      'gen-time': (a) => ({ ...a, genTime: '2020-01-01T00:00:00.000Z' }),
      'anchored-head': (a) => ({ ...a, checkpoint: { ...a.checkpoint, issuedAt: '2020-01-01T00:00:00.000Z' } }),
      // A member the TSA never saw: one verifier hashing it and the other not would disagree.
      'extra-member': (a) => ({ ...a, checkpoint: { ...a.checkpoint, note: 'added later' } }),
      // Hostile tokens get a verdict, not a crash: not base64, and base64 of bytes that are not DER.
      'not-base64': (a) => ({ ...a, token: `${a.token.slice(0, 10)}*%${a.token.slice(12)}` }),
      'stray-character': (a) => ({ ...a, token: `${a.token.slice(0, 10)}*${a.token.slice(10)}` }),
      'not-der': (a) => ({ ...a, token: Buffer.from('not a TimeStampToken').toString('base64') }),
    };
    for (const [name, change] of Object.entries(cases)) {
      const path = await forge(`anchor-${name}`, (f) => {
        f.set('data/anchors.jsonl', Buffer.from(`${canonicalJson(change(anchor))}\n`));
      });
      const v = await both(path);
      expect({ name, ok: v.ts.ok }).toEqual({ name, ok: false });
      expect(v.py.problems).toEqual([expect.objectContaining({ file: 'data/anchors.jsonl' })]);
      // Without the pin the tokens are not checked, but both verifiers still agree on each.
      await both(path, false);
    }
  });
});
