import { execFile } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  type BundleVerification,
  canonicalJson,
  cosign,
  formatNote,
  LedgerAnchorService,
  LedgerService,
  leafHash,
  MerkleTree,
  parseNote,
  parseVkey,
  verifyBundle,
} from '@app/evidence';
import { KEY_MATERIAL, type KeyMaterial } from '@app/identity';
import { CLI } from '../support/child-api';
import { refLineLeafText } from '../support/leaf-reference';
import { LocalWitness } from '../support/local-witness';
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
interface AnchorLine {
  authority: string;
  checkpoint: { treeSize: number; rootHash: string };
  consistency: string[];
  genTime: string;
  kind: string;
  token: string;
}

/**
 * The forgery corpus for witness cosignatures (issue 22, build 3; ADR 0054; VERIFY.md B.11a): a
 * bundle whose earlier head a real witness (test/support/local-witness.ts, from
 * c2sp.org/tlog-witness) cosigned. Both verifiers, with the witness's vkey pinned
 * (--trusted-witness) or not, must agree line by line and event by event.
 */
describe('Forgery corpus, witnesses: cosigned checkpoints in the C2SP signed-note format', () => {
  let witness: LocalWitness;
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'forgery-witness-'));
  const saved = { ...process.env };
  let path: string;
  let genuine: Map<string, Buffer>;
  let firstReviewId: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    requirePythonVerifier();
    witness = await LocalWitness.start('witness.test/corpus');
    // The loop is left to its interval (an hour): the test has the head cosigned on demand.
    Object.assign(process.env, { LEDGER_WITNESSES: witness.config, LEDGER_ORIGIN: 'registry.test/corpus', LEDGER_ANCHOR_INTERVAL_MINUTES: '60' });
    delete process.env.LEDGER_TSA_URL;
    t = await startTestApp();
    const anchors = t.app.get(LedgerAnchorService);
    const { origin, vkey } = await anchors.witnesses.logVkey();
    witness.trustLog(origin, vkey);
    const legal = await t.token('legal', 'lawyer-1');
    const { reviewIds } = await reviewsOfOnePatient(t, ['rejected', 'accepted', 'rejected'], {
      after: async (i) => i === 1 && expect(await anchors.cosign({ fresh: true })).toHaveLength(1),
    });
    firstReviewId = reviewIds[0];
    const pseudonym = (await t.http.post('/api/v1/patients/timeline').set(auth(legal)).send({ patientId: 'NL-1001' }).expect(200)).body.patientPseudonym;
    const requestId = await courtRequestFor(t, legal, 'WITNESS-1', [pseudonym]);
    path = join(dir, 'cosigned.zip');
    await exportBundleTo(t, legal, requestId, path);
    genuine = await readZip(path);
  });
  afterAll(async () => {
    await t?.close();
    await witness?.stop();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  const lines = (f: Map<string, Buffer>, name: string) => f.get(name)!.toString().trim().split('\n');

  async function both(p: string, pin = true): Promise<Verdicts> {
    const [ts, py] = await Promise.all([
      verifyBundle(p, pin ? { trustedWitnesses: [parseVkey(witness.vkey)] } : {}),
      verifyWithPython(p, pin ? ['--trusted-witness', witness.vkey] : []) as Promise<Verdicts['py']>,
    ]);
    expect({ bundle: p, pythonOk: py.ok, anchors: py.anchors }).toEqual({ bundle: p, pythonOk: ts.ok, anchors: ts.anchors });
    return { ts, py };
  }

  async function forge(name: string, change: (f: Map<string, Buffer>) => void | Promise<void>): Promise<string> {
    const f = new Map(genuine);
    await change(f);
    rebag(f, t.app.get<KeyMaterial>(KEY_MATERIAL).ledgerSigning.privateKey);
    const p = join(dir, `${name}.zip`);
    await writeZip(p, f);
    return p;
  }

  const withLine = (change: (a: AnchorLine) => AnchorLine) => (f: Map<string, Buffer>) => {
    const a = JSON.parse(lines(f, 'data/anchors.jsonl')[0]) as AnchorLine;
    f.set('data/anchors.jsonl', Buffer.from(`${canonicalJson(change(a))}\n`));
  };

  /** The hospital's own-key rewrite of an anchored event (as in forgery-corpus-anchors): every leaf, proof and root redone and re-signed. */
  async function rewriteHistory(f: Map<string, Buffer>): Promise<void> {
    const head = JSON.parse(f.get('data/checkpoint.json')!.toString()) as { treeSize: number; issuedAt: string; keyId: string; log: string };
    const { hashes } = await t.app.get(LedgerService).leaves(head.treeSize);
    const events = lines(f, 'data/events.jsonl');
    const at = events.findIndex((l) => l.includes(firstReviewId));
    const forged = JSON.parse(events[at]) as { globalPosition: number; data: { decision: string } };
    forged.data.decision = 'accepted';
    events[at] = canonicalJson(forged);
    hashes[forged.globalPosition - 1] = leafHash(refLineLeafText(forged));
    const tree = new MerkleTree(hashes);
    const hex = (b: Buffer) => b.toString('hex');
    const proofs = lines(f, 'data/proofs.jsonl').map((l) => {
      const p = JSON.parse(l) as { leafIndex: number };
      return canonicalJson({ ...p, leafHash: hex(hashes[p.leafIndex]), proof: tree.inclusionProof(p.leafIndex).map(hex) });
    });
    if (f.has('data/access-log-anchor.jsonl')) {
      const [anchorEvent, anchorProof] = lines(f, 'data/access-log-anchor.jsonl');
      const p = JSON.parse(anchorProof) as { leafIndex: number };
      f.set(
        'data/access-log-anchor.jsonl',
        Buffer.from(`${anchorEvent}\n${canonicalJson({ ...p, leafHash: hex(hashes[p.leafIndex]), proof: tree.inclusionProof(p.leafIndex).map(hex) })}\n`),
      );
    }
    const body = { issuedAt: head.issuedAt, keyId: head.keyId, log: head.log, rootHash: hex(tree.root()), treeSize: head.treeSize };
    const keys = t.app.get<KeyMaterial>(KEY_MATERIAL);
    f.set('data/events.jsonl', Buffer.from(`${events.join('\n')}\n`));
    f.set('data/proofs.jsonl', Buffer.from(`${proofs.join('\n')}\n`));
    f.set('data/checkpoint.json', Buffer.from(canonicalJson(body)));
    f.set('data/checkpoint.sig', sign(null, Buffer.from(canonicalJson(body)), keys.ledgerSigning.privateKey));
    withLine((a) => ({ ...a, consistency: tree.consistencyProof(a.checkpoint.treeSize).map(hex) }))(f);
    await rederive(f, genuine);
  }

  it('both accept the genuine bundle and agree since when a pinned witness covers each event; unpinned, the cosignature proves nothing and the verdict says so', async () => {
    const [line] = lines(genuine, 'data/anchors.jsonl').map((l) => JSON.parse(l) as AnchorLine);
    expect(line).toMatchObject({ kind: 'c2sp-cosignature', authority: 'witness.test/corpus' });
    const pinned = await both(path);
    expect(pinned.ts).toMatchObject({ ok: true, problems: [], anchors: { checkedAgainst: null, witnesses: { pinned: 1, checked: 1, unpinned: [] } } });
    const events = lines(genuine, 'data/events.jsonl').length;
    const anchored = pinned.ts.anchors.anchored.reduce((n, r) => n + r.events, 0);
    expect(anchored).toBeGreaterThanOrEqual(3);
    expect(pinned.ts.anchors.anchored.every((r) => r.since === line.genTime)).toBe(true);
    expect(anchored + pinned.ts.anchors.unanchored).toBe(events);
    const free = await both(path, false);
    expect(free.ts).toMatchObject({
      ok: true,
      anchors: { anchored: [], unanchored: events, witnesses: { pinned: 0, checked: 0, unpinned: ['witness.test/corpus'] } },
    });
    expect(free.ts.restsOnHospital.join('\n')).toContain(
      'the cosignatures of witness.test/corpus: no key of theirs was pinned (--trusted-witness), so they prove nothing',
    );
  });

  it('an own-key history rewrite fails against the witness-cosigned earlier checkpoint: both reject, pinned or not', async () => {
    const p = await forge('own-key-rewrite', rewriteHistory);
    for (const pin of [true, false]) {
      const v = await both(p, pin);
      expect(v.ts.ok).toBe(false);
      expect(v.ts.problems).toEqual([expect.objectContaining({ file: 'data/anchors.jsonl', problem: expect.stringContaining('history was rewritten') })]);
      expect(v.py.problems).toEqual([expect.objectContaining({ file: 'data/anchors.jsonl' })]);
    }
  });

  it('a cosignature moved to another checkpoint, a forged or altered cosignature line, a wrong key id, a changed genTime or note: both reject with the witness pinned', async () => {
    const [genuineLine] = lines(genuine, 'data/anchors.jsonl').map((l) => JSON.parse(l) as AnchorLine);
    const note = parseNote(genuineLine.token);
    const [logLine, cosLine] = note.signatures.map((s) => s.line);
    const bundleHead = JSON.parse(genuine.get('data/checkpoint.json')!.toString()) as { treeSize: number; rootHash: string };
    const raw = (line: string) => Buffer.from(line.split(' ')[2], 'base64');
    const respell = (line: string, bytes: Buffer) => `${line.split(' ').slice(0, 2).join(' ')} ${bytes.toString('base64')}`;
    const flip = (line: string, at: number) => {
      const b = raw(line);
      b[at] ^= 1;
      return respell(line, b);
    };
    const cases: Record<string, (a: AnchorLine) => AnchorLine> = {
      // The witness's line moved onto the bundle's own (later) head: the note then is that head's checkpoint.
      moved: (a) => ({
        ...a,
        checkpoint: { ...a.checkpoint, treeSize: bundleHead.treeSize, rootHash: bundleHead.rootHash },
        consistency: [],
        token: formatNote(`${note.text.split('\n')[0]}\n${bundleHead.treeSize}\n${Buffer.from(bundleHead.rootHash, 'hex').toString('base64')}\n`, [
          logLine,
          cosLine,
        ]),
      }),
      'altered-signature': (a) => ({ ...a, token: formatNote(note.text, [logLine, flip(cosLine, 40)]) }),
      'altered-timestamp': (a) => ({ ...a, token: formatNote(note.text, [logLine, flip(cosLine, 11)]) }),
      'wrong-key-id': (a) => ({ ...a, token: formatNote(note.text, [logLine, flip(cosLine, 3)]) }),
      // A forger's own key under the witness's name: another key id, so not the pinned witness's cosignature.
      'forged-by-another-key': (a) => ({
        ...a,
        token: formatNote(note.text, [logLine, cosign(note.text, 'witness.test/corpus', generateKeyPairSync('ed25519').privateKey, 1_700_000_000)]),
      }),
      'gen-time': (a) => ({ ...a, genTime: '2020-01-01T00:00:00.000Z' }),
      'note-of-another-size': (a) => ({
        ...a,
        token: formatNote(note.text.replace(`\n${a.checkpoint.treeSize}\n`, `\n${a.checkpoint.treeSize + 1}\n`), [logLine, cosLine]),
      }),
      'not-a-note': (a) => ({ ...a, token: note.text }),
    };
    for (const [name, change] of Object.entries(cases)) {
      const p = await forge(`witness-${name}`, withLine(change));
      const v = await both(p);
      expect({ name, ok: v.ts.ok }).toEqual({ name, ok: false });
      expect({ name, problems: v.py.problems }).toEqual({ name, problems: [expect.objectContaining({ file: 'data/anchors.jsonl' })] });
      // Unpinned, the cosignature is not checked, but both still agree.
      await both(p, false);
    }
  });

  it('a cosignature by a witness the expert did not pin is accepted as proving nothing: no event anchored, the witness named', async () => {
    const stranger = await LocalWitness.start('witness.test/stranger');
    try {
      const p = await forge('witness-unpinned', (f) => {
        const a = JSON.parse(lines(f, 'data/anchors.jsonl')[0]) as AnchorLine;
        const n = parseNote(a.token);
        const line = cosign(n.text, 'witness.test/stranger', stranger.key, 1_700_000_000);
        withLine(() => ({
          ...a,
          authority: 'witness.test/stranger',
          genTime: '2023-11-14T22:13:20.000Z',
          token: formatNote(n.text, [n.signatures[0].line, line]),
        }))(f);
      });
      const v = await both(p);
      expect(v.ts).toMatchObject({ ok: true, anchors: { anchored: [], witnesses: { checked: 0, unpinned: ['witness.test/stranger'] } } });
    } finally {
      await stranger.stop();
    }
  });

  it('registry verify-bundle --trusted-witness (the real CLI) prints the coverage; a malformed vkey is a usage error', async () => {
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, [CLI, 'verify-bundle', ...args]).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: `${e.stdout}${e.stderr}` }),
      );
    const good = await cli(path, '--trusted-witness', witness.vkey);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('Witness cosignatures: 1 checked against pinned witness keys (--trusted-witness)');
    expect(good.stdout).toMatch(/positions 1–\d+ \(\d+ events\): anchored since \d{4}-\d\d-\d\dT/);
    expect((await cli(path)).stdout).toContain('Witness cosignatures by witness.test/corpus: no --trusted-witness key for them, so they prove nothing');
    const forged = await cli(join(dir, 'witness-wrong-key-id.zip'), '--trusted-witness', witness.vkey);
    expect(forged.code).toBe(1);
    expect(forged.stdout).toContain('no cosignature by the pinned key of witness.test/corpus');
    expect((await cli(path, '--trusted-witness', witness.vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+'))).code).toBe(2);
  });
});
