import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { promisify } from 'node:util';
import { SqlDatabase } from '@app/event-store';
import { LedgerAnchorService, LedgerService, MerkleTree, leafHash } from '@app/evidence';
import { WitnessClient, witnessesFromEnv } from '../../libs/evidence/src/anchor/witnesses';
import {
  checkpointText,
  formatNote,
  formatVkey,
  parseCheckpoint,
  parseNote,
  parseVkey,
  rawEd25519PublicKey,
  SIG_ED25519,
  signNoteText,
  verifyCosignature,
  verifyNote,
} from '../../libs/evidence/src/anchor/signed-note';
import { CLI } from '../support/child-api';
import { LocalWitness } from '../support/local-witness';
import { seedReviews } from '../support/seed';
import { startTestApp, type TestApp } from '../support/test-app';

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const post = (w: LocalWitness, body: string) =>
  fetch(`${w.url}/add-checkpoint`, { method: 'POST', body }).then(async (r) => ({
    status: r.status,
    type: r.headers.get('content-type'),
    body: await r.text(),
  }));

describe('The test witness follows c2sp.org/tlog-witness add-checkpoint (ADR 0054)', () => {
  const log = generateKeyPairSync('ed25519').privateKey;
  const origin = 'log.test/spec';
  const leaves = Array.from({ length: 9 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
  const tree = new MerkleTree(leaves);
  const note = (size: number, root = tree.root(size), key = log) => {
    const text = checkpointText(origin, size, root);
    return formatNote(text, [signNoteText(text, origin, key)]);
  };
  const req = (old: number, size: number, proof = old > 0 && old < size ? tree.consistencyProof(old, size) : [], body = note(size)) =>
    `old ${old}\n${proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${body}`;
  let w: LocalWitness;

  beforeAll(async () => {
    w = await LocalWitness.start('witness.test/spec');
    w.trustLog(origin, formatVkey(origin, SIG_ED25519, rawEd25519PublicKey(log)));
  });
  afterAll(() => w?.stop());

  it('answers 404 for an unknown origin, 403 for a note no trusted key signed or whose trusted signature fails, 400 for an old size above the size', async () => {
    const stranger = checkpointText('log.test/other', 1, tree.root(1));
    expect((await post(w, `old 0\n\n${formatNote(stranger, [signNoteText(stranger, 'log.test/other', log)])}`)).status).toBe(404);
    expect((await post(w, req(0, 1, [], note(1, tree.root(1), generateKeyPairSync('ed25519').privateKey)))).status).toBe(403);
    expect((await post(w, req(0, 1, [], note(1).replace(tree.root(1).toString('base64'), tree.root(2).toString('base64'))))).status).toBe(403);
    expect((await post(w, req(3, 2))).status).toBe(400);
    expect((await post(w, 'old 00\n\n' + note(1))).status).toBe(400);
    expect(w.state()).toEqual({});
  });

  it('cosigns from 0 with a timestamped 0x04 cosignature, refuses a wrong old size with 409 text/x.tlog.size, and a bad proof or root with 422', async () => {
    expect((await post(w, req(0, 1, [tree.root(1)]))).status).toBe(422); // a proof from size 0
    const first = await post(w, req(0, 3));
    expect(first.status).toBe(200);
    const wkey = parseVkey(w.vkey);
    const cos = verifyCosignature(parseNote(note(3)).text, parseNote(`${note(3)}${first.body}`).signatures[1], wkey);
    expect(cos?.time).toBeGreaterThan(1_700_000_000);
    expect(w.state()[origin]).toEqual({ size: 3, root: tree.root(3).toString('base64') });
    const conflict = await post(w, req(2, 5));
    expect(conflict).toEqual({ status: 409, type: 'text/x.tlog.size', body: '3\n' });
    // A proof that does not lead from the cosigned root, and a same-size checkpoint with another root.
    const bad = tree.consistencyProof(3, 5).map((h, i) => (i === 0 ? leafHash(h) : h));
    expect((await post(w, req(3, 5, bad))).status).toBe(422);
    expect((await post(w, req(3, 3, [], note(3, tree.root(4))))).status).toBe(422);
    expect(w.state()[origin].size).toBe(3);
    expect((await post(w, req(3, 5))).status).toBe(200);
    expect((await post(w, req(5, 5))).status).toBe(200);
  });

  it('checks the old size and stores the new one atomically: of two requests from the same old size one wins, the other gets 409', async () => {
    const [a, b] = await Promise.all([post(w, req(5, 7)), post(w, req(5, 9))]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const won = a.status === 200 ? 7 : 9;
    expect(w.state()[origin].size).toBe(won);
    expect((a.status === 409 ? a : b).body).toBe(`${won}\n`);
  });

  it('persists its state before answering: a restart from the same folder keeps the size', async () => {
    const size = w.state()[origin].size;
    await w.stop({ keepState: true });
    w = await LocalWitness.start('witness.test/spec', undefined, w.dir);
    w.trustLog(origin, formatVkey(origin, SIG_ED25519, rawEd25519PublicKey(log)));
    expect((await post(w, req(0, 9))).body).toBe(`${size}\n`);
  });
});

describe('Witness cosignatures of signed tree heads (issue 22, build 3; ADR 0054)', () => {
  let witness: LocalWitness;
  let t: TestApp;
  let anchors: LedgerAnchorService;
  let ledger: LedgerService;
  let db: SqlDatabase;
  const saved = { ...process.env };

  beforeAll(async () => {
    witness = await LocalWitness.start('witness.test/w1');
    Object.assign(process.env, {
      LEDGER_WITNESSES: witness.config,
      LEDGER_ORIGIN: 'registry.test/ledger',
      LEDGER_ANCHOR_INTERVAL_MINUTES: '0.005',
      LEDGER_ANCHOR_RETRY_SECONDS: '0.2',
      LEDGER_TSA_TIMEOUT_MS: '1000',
      LEDGER_CHECKPOINT_SECONDS: '0.2',
    });
    delete process.env.LEDGER_TSA_URL;
    t = await startTestApp();
    anchors = t.app.get(LedgerAnchorService);
    ledger = t.app.get(LedgerService);
    db = t.app.get(SqlDatabase);
    const { origin, vkey } = await anchors.witnesses.logVkey();
    expect(origin).toBe('registry.test/ledger');
    witness.trustLog(origin, vkey);
    await seedReviews(t.store, 10);
  });
  afterAll(async () => {
    await t?.close();
    await witness?.stop();
    process.env = saved;
  });

  it('has the witness cosign the latest head by itself; the stored note is the head as a checkpoint, signed by the log and cosigned by the pinned key', async () => {
    const head = await t.store.headPosition();
    const a = await until('a cosignature of the whole log', async () =>
      (await anchors.anchorsUpTo(head)).find((x) => x.kind === 'c2sp-cosignature' && x.treeSize === head),
    );
    expect(a).toMatchObject({ authority: 'witness.test/w1', rootHash: a.checkpoint.rootHash });
    const note = parseNote(a.token);
    const cp = parseCheckpoint(note.text);
    expect(cp).toMatchObject({ origin: 'registry.test/ledger', treeSize: head });
    expect(cp.rootHash.toString('hex')).toBe(a.checkpoint.rootHash);
    expect(verifyNote(note, [parseVkey((await anchors.witnesses.logVkey()).vkey)]).length).toBe(1);
    const cos = verifyCosignature(note.text, note.signatures[1], parseVkey(witness.vkey))!;
    expect(new Date(cos.time * 1000).toISOString()).toBe(a.genTime);
    // The witness holds what it cosigned, whatever the registry does with its database later.
    expect(witness.state()['registry.test/ledger']).toEqual({ size: head, root: cp.rootHash.toString('base64') });
  });

  it('sends a consistency proof from the size the witness last cosigned; a witness that lost its state answers 409 with its size and gets the head again from there', async () => {
    await seedReviews(t.store, 3);
    const [c] = await anchors.cosign({ fresh: true });
    expect(c.treeSize).toBe(await t.store.headPosition());
    // Accepted from a non-zero old size: the witness checked the proof (a wrong one is 422, never seen).
    expect(witness.statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    expect(witness.statuses).not.toContain(422);
    expect(witness.state()['registry.test/ledger'].size).toBe(c.treeSize);
    // Same key, empty state (a witness restored without its state file): 409 "0", then a resend from 0.
    const forgetful = await LocalWitness.start('witness.test/w1', witness.key);
    const { origin, vkey } = await anchors.witnesses.logVkey();
    forgetful.trustLog(origin, vkey);
    const configured = anchors.witnesses.witnesses[0];
    const url = configured.url;
    configured.url = forgetful.url;
    try {
      await seedReviews(t.store, 2);
      const [d] = await anchors.cosign({ fresh: true });
      // First a 409, then a resend from its size accepted. The anchor loop may be the one that met the
      // 409 first: submissions to a witness take turns in the process, so the other then finds it in step.
      expect(forgetful.statuses.slice(0, 2)).toEqual([409, 200]);
      expect(forgetful.statuses.slice(2).every((s) => s === 200)).toBe(true);
      expect(forgetful.statuses).not.toContain(422);
      expect(forgetful.state()[origin].size).toBeGreaterThanOrEqual(d.treeSize);
      expect(verifyCosignature(parseNote(d.token).text, parseNote(d.token).signatures[1], parseVkey(witness.vkey))).not.toBeNull();
    } finally {
      configured.url = url;
      await forgetful.stop();
    }
  });

  it('takes turns per witness within a process: two cosignings at once meet one 409 between them, not a 409 each and a lost race', async () => {
    // Its own client and a witness of its own name and key: the anchor loop (another client, every
    // 0.3 s here) cosigns with the configured witness and stores under its name, so neither its
    // requests nor its stored cosignatures of the same head mix into this race (CI once met the
    // loop's row for this head, found by the second call).
    const forgetful = await LocalWitness.start('witness.test/turns');
    try {
      const { origin, vkey } = await anchors.witnesses.logVkey();
      forgetful.trustLog(origin, vkey);
      const client = new WitnessClient(db, ledger, witnessesFromEnv(forgetful.config), 1000);
      await seedReviews(t.store, 2);
      const head = await ledger.checkpoint();
      const [a, b] = await Promise.all([client.cosign(client.witnesses[0], head), client.cosign(client.witnesses[0], head)]);
      expect(a.treeSize).toBe(head.treeSize);
      expect(b).toEqual(a); // the second found it stored
      // One request accepted; before it at most the one 409 a witness without state answers (none
      // when this witness was never cosigned for, as when this test runs alone).
      expect([[200], [409, 200]]).toContainEqual(forgetful.statuses);
    } finally {
      await forgetful.stop();
    }
  });

  it('refuses a cosignature that does not verify against the configured vkey, and stores nothing; keeps writing while the witness is down', async () => {
    // Another key under the witness's name: its cosignatures must never be stored.
    const impostor = await LocalWitness.start('witness.test/w1');
    const { origin, vkey } = await anchors.witnesses.logVkey();
    impostor.trustLog(origin, vkey);
    const configured = anchors.witnesses.witnesses[0];
    const url = configured.url;
    configured.url = impostor.url;
    const pinned = parseVkey(witness.vkey);
    const allByPinnedKey = async () => {
      // The configured witness's (the turn-taking test above stored some under a name of its own).
      const rows = await db.query<{ token: string }>("SELECT token FROM ledger_anchors WHERE kind = 'c2sp-cosignature' AND authority = 'witness.test/w1'");
      return rows.every((r) => {
        const n = parseNote(r.token);
        return n.signatures.some((s) => verifyCosignature(n.text, s, pinned) !== null);
      });
    };
    try {
      await seedReviews(t.store, 2);
      await expect(anchors.cosign({ fresh: true })).rejects.toThrow(/holds no cosignature by witness\.test\/w1/);
      expect(impostor.statuses).toContain(200);
      expect(await allByPinnedKey()).toBe(true);
      impostor.mode = 'down';
      await seedReviews(t.store, 2);
      await expect(anchors.cosign({ fresh: true })).rejects.toThrow(/HTTP 503/);
      expect((await ledger.checkpoint()).treeSize).toBe(await t.store.headPosition());
      expect(await allByPinnedKey()).toBe(true);
      // Monitoring sees the backlog while the witness is away.
      const metrics = (await t.http.get('/metrics').expect(200)).text;
      expect(Number(/^oversight_ledger_uncosigned_events (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
    } finally {
      configured.url = url;
      await impostor.stop();
    }
    // Back: the loop cosigns the newest head by itself.
    const head = await t.store.headPosition();
    await until('the cosignature after the witness is back', async () =>
      (await anchors.anchorsUpTo(head)).find((x) => x.kind === 'c2sp-cosignature' && x.treeSize === head),
    );
  });

  it('registry ledger vkey prints the origin and the log key a witness trusts; registry ledger anchor (the real CLI) has the witness cosign a fresh head now', async () => {
    const env = { ...process.env, ...t.storage.env, LEDGER_WITNESSES: witness.config, LEDGER_ORIGIN: 'registry.test/ledger', LOG_LEVEL: 'warn' };
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, [CLI, ...args], { env }).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: `${e.stdout}${e.stderr}` }),
      );
    const { vkey } = await anchors.witnesses.logVkey();
    expect(await cli('ledger', 'vkey')).toEqual({ code: 0, out: `origin registry.test/ledger\nvkey ${vkey}\n` });
    await seedReviews(t.store, 1);
    const head = await t.store.headPosition();
    // The API's own sealer first (one process seals on SQLite): the CLI then only signs and anchors.
    await until('the head sealed by the API', async () => ((await ledger.latestCheckpoint())?.treeSize === head ? true : undefined));
    const done = await cli('ledger', 'anchor');
    expect(done).toEqual({
      code: 0,
      out: expect.stringMatching(new RegExp(`^Tree head of size ${head} \\(root [0-9a-f]{64}\\) cosigned by witness at \\d{4}-.*Z by witness\\.test/w1\\n$`)),
    });
    expect(witness.state()['registry.test/ledger'].size).toBe(head);
  });
});
