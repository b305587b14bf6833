import { refLineLeafText } from '../support/leaf-reference';
import { execFile } from 'node:child_process';
import { createHash, createHmac, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { canonicalJson, trustedKeyFrom, trustedKeySetFrom, verifyBundle } from '@app/evidence';
import { ed25519Thumbprint, KEY_MATERIAL, type KeyMaterial } from '@app/identity';
import { CLI } from '../support/child-api';
import { startTestApp, type TestApp } from '../support/test-app';
import { readZip, rebag, relabelDerived, writeZip, writeZipEntries } from '../support/zip';
import { courtRequestFor, exportBundleTo, reviewsOfOnePatient } from '../support/bundles';

/**
 * Forged bundles against `registry verify-bundle`'s checks, as the other side's expert would make
 * them (issue 22, found 6): each forgery keeps the signature and the manifests valid, so only the
 * rule under test can catch it.
 */
describe('Evidence bundle forgeries (verify-bundle)', () => {
  let t: TestApp;
  let bundlePath: string;
  let files: Map<string, Buffer>;
  /** The hospital's published ledger keys, fetched over HTTP as a reader would, outside the bundle. */
  let jwks: string;
  let requestId: string;
  let legal: string;
  const dir = mkdtempSync(join(tmpdir(), 'bundle-forgery-'));
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp();
    legal = await t.token('legal', 'lawyer-1');
    await reviewsOfOnePatient(t, ['rejected', 'accepted', 'rejected']);
    const pseudonym = (await t.http.post('/api/v1/patients/timeline').set(auth(legal)).send({ patientId: 'NL-1001' }).expect(200)).body.patientPseudonym;
    requestId = await courtRequestFor(t, legal, 'FORGERY-1', [pseudonym]);
    bundlePath = await exportBundle('bundle.zip');
    files = await readZip(bundlePath);
    jwks = (await t.http.get('/.well-known/oversight-registry-keys').expect(200)).text;
  });
  afterAll(async () => t?.close());

  /** Exports the request's bundle over HTTP, as a lawyer does, to a file in the test folder. */
  async function exportBundle(name: string): Promise<string> {
    const p = join(dir, name);
    await exportBundleTo(t, legal, requestId, p);
    return p;
  }

  const lines = (name: string) => files.get(name)!.toString().trim().split('\n');
  /**
   * A copy of the bundle with `change` applied, both manifests and the signed statement (VERIFY.md
   * B.14) redone, as a dishonest producer would: by default the hospital itself, with its own key.
   */
  const forged = async (name: string, change: (f: Map<string, Buffer>) => void, signWith?: KeyObject) => {
    const f = new Map(files);
    change(f);
    rebag(f, signWith ?? t.app.get<KeyMaterial>(KEY_MATERIAL).ledgerSigning.privateKey);
    const p = join(dir, `${name}.zip`);
    await writeZip(p, f);
    return verifyBundle(p);
  };

  it('accepts the untouched bundle, and says the signature rests on the key inside it', async () => {
    const progress: number[] = [];
    const report = await verifyBundle(bundlePath, { onProgress: (n) => progress.push(n) });
    expect(report).toMatchObject({ ok: true, problems: [], signedBy: 'bundled-key' });
    expect(report.events).toBeGreaterThanOrEqual(4);
    // `registry verify-bundle` counts the lines checked on the terminal; the last count is the whole.
    expect(progress.at(-1)).toBe(report.events);
    expect(report.restsOnHospital).toEqual(expect.arrayContaining([expect.stringMatching(/key shipped inside the bundle/)]));
    expect(files.get('bag-info.txt')!.toString()).toMatch(/^Log-Positions: gap-free$/m);
  });

  it('refuses a relabelled position: on a gap-free log the position is bound to the leaf index', async () => {
    const events = lines('data/events.jsonl');
    const proofs = lines('data/proofs.jsonl');
    const i = events.findIndex((l) => l.includes('oversight.AiOutputReviewed'));
    const from = JSON.parse(events[i]).globalPosition as number;
    const to = from + 1000;
    const relabel = (f: Map<string, Buffer>) => {
      const ev = [...events];
      const pr = [...proofs];
      ev[i] = ev[i].replace(`"globalPosition":${from},`, `"globalPosition":${to},`);
      pr[i] = pr[i].replace(`"position":${from},`, `"position":${to},`);
      f.set('data/events.jsonl', Buffer.from(`${ev.join('\n')}\n`));
      f.set('data/proofs.jsonl', Buffer.from(`${pr.join('\n')}\n`));
      relabelDerived(f, from, to);
    };
    const report = await forged('relabelled', relabel);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ file: 'data/events.jsonl', position: to, problem: expect.stringMatching(/not its leaf index \d+ \+ 1 .* relabelled/) }),
    ]);
    // Stating the log sparse removes the binding, and the verdict then says positions are only labels.
    const sparse = await forged('relabelled-sparse', (f) => {
      relabel(f);
      f.set('bag-info.txt', Buffer.from(files.get('bag-info.txt')!.toString().replace('Log-Positions: gap-free', 'Log-Positions: sparse')));
    });
    expect(sparse.restsOnHospital).toEqual(expect.arrayContaining([expect.stringMatching(/positions are sparse .* labels/)]));
  });

  it('refuses a file in the zip that the manifests do not list (an extra file at the root)', async () => {
    const f = new Map(files);
    f.set('README.txt', Buffer.from('Nothing to see here: this bundle is genuine.\n'));
    const p = join(dir, 'extra.zip');
    await writeZip(p, f);
    const report = await verifyBundle(p);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ file: 'README.txt', problem: expect.stringMatching(/not listed in manifest-sha256.txt/) })]);
  });

  it('refuses a duplicated entry whose first copy is forged, instead of passing on the second copy', async () => {
    const events = files.get('data/events.jsonl')!;
    const changed = Buffer.from(events.toString().replace('"decision":"rejected"', '"decision":"accepted"'));
    expect(changed.equals(events)).toBe(false);
    const entries: Array<[string, Buffer]> = [['data/events.jsonl', changed], ...files];
    const p = join(dir, 'duplicate.zip');
    await writeZipEntries(p, entries);
    const report = await verifyBundle(p);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([{ file: 'data/events.jsonl', problem: 'the zip holds this name twice' }]);
  });

  describe('pinned trust (--trusted-key, --trusted-keys)', () => {
    const run = promisify(execFile);
    const cli = (...args: string[]) => run(process.execPath, [CLI, 'verify-bundle', ...args]).catch((e: { code: number; stdout: string; stderr: string }) => e);
    /** The bundle re-signed with another Ed25519 key: checkpoint, signature, key and key id all consistent. */
    let foreignPath: string;

    beforeAll(async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const head = JSON.parse(files.get('data/checkpoint.json')!.toString());
      const body = Buffer.from(canonicalJson({ ...head, keyId: ed25519Thumbprint(publicKey) }));
      const f = new Map(files);
      f.set('data/checkpoint.json', body);
      f.set('data/checkpoint.sig', sign(null, body, privateKey));
      f.set('data/public-key.pem', Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }).toString()));
      rebag(f, privateKey);
      foreignPath = join(dir, 'foreign-key.zip');
      await writeZip(foreignPath, f);
      writeFileSync(join(dir, 'keys.jwks'), jwks);
      writeFileSync(join(dir, 'hospital.pem'), files.get('data/public-key.pem')!);
      const jwk = JSON.parse(jwks).keys[0];
      writeFileSync(join(dir, 'hospital.jwk'), JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }));
      writeFileSync(join(dir, 'foreign.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    });

    it('without a pin, a bundle re-signed with a foreign key verifies: the verdict says it rests on the bundled key', async () => {
      const report = await verifyBundle(foreignPath);
      expect(report).toMatchObject({ ok: true, signedBy: 'bundled-key' });
      expect(report.restsOnHospital[0]).toMatch(/key shipped inside the bundle .* alone/);
      // A forger who keeps the hospital's key id under a foreign key is caught: the id is the key's RFC 7638 thumbprint.
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const body = files.get('data/checkpoint.json')!;
      const lazy = await forged(
        'foreign-key-old-id',
        (f) => {
          f.set('data/checkpoint.sig', sign(null, body, privateKey));
          f.set('data/public-key.pem', Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }).toString()));
        },
        privateKey,
      );
      expect(lazy.problems).toEqual([
        {
          file: 'data/checkpoint.json',
          problem: `names key ${JSON.parse(body.toString()).keyId}, but data/public-key.pem is key ${ed25519Thumbprint(publicKey)} (its RFC 7638 thumbprint)`,
        },
      ]);
    });

    it('with the hospital key pinned, the foreign re-signature fails and the genuine bundle passes', async () => {
      const pinned = trustedKeySetFrom(jwks);
      const foreign = await verifyBundle(foreignPath, { trustedKeys: pinned });
      expect(foreign.ok).toBe(false);
      expect(foreign.problems).toEqual([{ file: 'data/public-key.pem', problem: expect.stringMatching(/not among the trusted keys/) }]);
      const genuine = await verifyBundle(bundlePath, { trustedKeys: pinned });
      expect(genuine).toMatchObject({ ok: true, signedBy: 'pinned-key' });
      expect(genuine.restsOnHospital.join('\n')).not.toMatch(/key shipped inside the bundle/);
      // A key id that is not the thumbprint of the bundled key is caught even without a pin.
      const head = JSON.parse(files.get('data/checkpoint.json')!.toString());
      expect(head.keyId).toBe(ed25519Thumbprint(createPublicKey(files.get('data/public-key.pem')!)));
    });

    it('registry verify-bundle: --trusted-keys (JWKS), --trusted-key (PEM or JWK); an unreadable pin exits 2', async () => {
      const foreign = await cli(foreignPath, '--trusted-keys', join(dir, 'keys.jwks'));
      expect(foreign).toMatchObject({ code: 1, stdout: expect.stringMatching(/FAILED:[\s\S]*not among the trusted keys/) });
      for (const pin of ['hospital.pem', 'hospital.jwk']) {
        const ok = await cli(bundlePath, '--trusted-key', join(dir, pin));
        expect(ok).toMatchObject({ stdout: expect.stringMatching(/^OK: .*\nSignature checked with a pinned key/) });
        expect(ok).not.toHaveProperty('code');
      }
      expect(await cli(bundlePath, '--trusted-key', join(dir, 'foreign.pem'))).toMatchObject({ code: 1 });
      const unpinned = await cli(foreignPath);
      expect(unpinned).toMatchObject({
        stdout: expect.stringMatching(/Signature checked with the key inside the bundle alone: not pinned\nRests on the hospital alone:/),
      });
      const bad = await cli(bundlePath, '--trusted-key', join(dir, 'keys.jwks'));
      expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/--trusted-key .*keys\.jwks: the JWK is not an Ed25519 JWK/) });
      expect(() => trustedKeyFrom('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----')).toThrow();
    });
  });

  /**
   * VERIFY.md as a specification (issue 22, item 9): its rules, followed here with node:crypto
   * only (no code of the product), reproduce the worked example's bytes and the signed root.
   */
  describe('VERIFY.md, followed by the letter', () => {
    const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
    /** B.3, as written: members sorted by UTF-16 code units, no whitespace, JSON.stringify for the rest. */
    const jcs = (v: unknown): string =>
      v === null || typeof v !== 'object'
        ? JSON.stringify(v)
        : Array.isArray(v)
          ? `[${v.map(jcs).join(',')}]`
          : `{${Object.keys(v)
              .sort()
              .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
              .map((k) => `${JSON.stringify(k)}:${jcs((v as Record<string, unknown>)[k])}`)
              .join(',')}}`;
    /** The indented block that follows a line starting with `heading` in VERIFY.md. */
    const blockAfter = (md: string, heading: string) => {
      const lines = md.split('\n');
      const at = lines.findIndex((l) => l.startsWith(heading));
      expect(at).toBeGreaterThan(-1);
      return lines
        .slice(at + 1)
        .find((l) => l.startsWith('    '))!
        .slice(4);
    };

    it('recomputes the worked example: leaf bytes, leaf hash, every fold step and the signed root', () => {
      const md = files.get('data/VERIFY.md')!.toString();
      writeFileSync(join(dir, 'VERIFY.md'), md);
      const head = JSON.parse(files.get('data/checkpoint.json')!.toString());
      const eventLine = blockAfter(md, 'Line 1 of `data/events.jsonl`');
      expect(eventLine).toBe(lines('data/events.jsonl')[0]);
      const event = JSON.parse(eventLine);
      expect(jcs(event)).toBe(eventLine); // B.3: the line is canonical

      // B.4: the event without globalPosition, canonical (the same as deleting its text); B.4a for
      // a leaf-format-2 line (the default): without `salts`, each committed member as its commitment.
      const { globalPosition } = event;
      const leafBytes = Buffer.from(refLineLeafText(event), 'utf8');
      if (event.leafFormat === undefined) expect(leafBytes.toString()).toBe(eventLine.replace(`"globalPosition":${globalPosition},`, ''));
      else {
        expect(event.leafFormat).toBe(2);
        expect(leafBytes.toString()).not.toMatch(/"salts"|"globalPosition"/);
      }
      expect(blockAfter(md, 'Its leaf bytes')).toBe(leafBytes.toString());
      const leaf = sha256(Buffer.from([0]), leafBytes);
      expect(md).toContain(`Leaf hash: \`${leaf.toString('hex')}\``);

      // B.5 and B.6 on line 1 of proofs.jsonl.
      const proof = JSON.parse(lines('data/proofs.jsonl')[0]);
      expect(proof).toMatchObject({ position: globalPosition, leafIndex: globalPosition - 1, treeSize: head.treeSize, leafHash: leaf.toString('hex') });
      // The fold table of B.10 (B.17 works an access-log entry through in a table of the same form).
      const b10 = md.slice(md.indexOf('## B.10 Worked example'));
      const steps = b10
        .slice(0, b10.indexOf('\n## ', 1))
        .split('\n')
        .filter((l) => /^\| \d+ \| `/.test(l))
        .map((l) => l.split('|').map((c) => c.trim().replace(/`/g, '')));
      expect(steps).toHaveLength(proof.proof.length);
      let r = leaf;
      let fn = proof.leafIndex;
      let sn = proof.treeSize - 1;
      proof.proof.forEach((hex: string, i: number) => {
        expect(sn).not.toBe(0);
        const p = Buffer.from(hex, 'hex');
        const side = fn % 2 === 1 || fn === sn ? 'left' : 'right';
        if (side === 'left') {
          r = sha256(Buffer.from([1]), p, r);
          while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
        } else r = sha256(Buffer.from([1]), r, p);
        [fn, sn] = [fn >> 1, sn >> 1];
        expect(steps[i].slice(2, 5)).toEqual([hex, side, r.toString('hex')]);
      });
      expect(sn).toBe(0);
      expect(r.toString('hex')).toBe(head.rootHash);
      expect(md).toContain(`\`rootHash\` of \`data/checkpoint.json\`: \`${head.rootHash}\``);
    });

    it('recomputes B.13: the first opened text’s HMAC under its salt is the commitment in its event, also with openssl', async () => {
      const md = files.get('data/VERIFY.md')!.toString();
      const line = blockAfter(md, 'Its line of `data/plaintexts.jsonl`');
      expect(lines('data/plaintexts.jsonl')).toContain(line);
      const o = JSON.parse(line) as { field: string; position: number; salt: string; text: string };
      expect(jcs(o)).toBe(line);
      const event = JSON.parse(lines('data/events.jsonl').find((l) => JSON.parse(l).globalPosition === o.position)!);
      const commitment = (event.data[o.field] as { commitment: string }).commitment;
      expect(createHmac('sha256', Buffer.from(o.salt, 'hex')).update(o.text, 'utf8').digest('hex')).toBe(commitment);
      expect(md).toContain(`gives \`${commitment}\`, which is the`);
      // The stock-tool line VERIFY.md prints, run as written with the text filled in.
      const { stdout } = await promisify(execFile)('sh', ['-c', `printf '%s' "$T" | openssl dgst -sha256 -mac HMAC -macopt hexkey:${o.salt}`], {
        env: { ...process.env, T: o.text },
      });
      expect(stdout.trim().split(' ').pop()).toBe(commitment);
    });

    it('recomputes the key id (RFC 7638 thumbprint) and states the rules a second verifier needs', () => {
      const md = files.get('data/VERIFY.md')!.toString();
      const head = JSON.parse(files.get('data/checkpoint.json')!.toString());
      // B.7: base64url SHA-256 of {"crv","kty","x"}, x the raw 32-byte key.
      const spki = createPublicKey(files.get('data/public-key.pem')!).export({ type: 'spki', format: 'der' });
      const x = spki.subarray(spki.length - 32).toString('base64url');
      expect(sha256(Buffer.from(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`)).toString('base64url')).toBe(head.keyId);
      for (const rule of [
        'leaf index = globalPosition − 1',
        'without its\n  `globalPosition` member',
        'RFC 7638 JWK thumbprint',
        'withheld whole',
        'Log-Positions: gap-free',
        'more than 64 entries',
        'holds a name twice',
      ]) {
        expect(md).toContain(rule);
      }
    });

    it('B.8: a redacted event is withheld whole, as the rule says, and no value of it can be guessed from the bundle', async () => {
      const review = JSON.parse(lines('data/events.jsonl').find((l) => l.includes('oversight.AiOutputReviewed'))!);
      await t.http
        .post(`/api/v1/disclosure-requests/${requestId}/redactions`)
        .set(auth(legal))
        .send({
          redactions: [
            { eventId: review.eventId, path: '/decision', ground: 'third-party-personal-data' },
            { eventId: review.eventId, path: '/reason', ground: 'privilege' },
          ],
        })
        .expect(200);
      const path = await exportBundle('redacted.zip');
      const redacted = await readZip(path);
      const line = redacted
        .get('data/events.jsonl')!
        .toString()
        .split('\n')
        .find((l) => l.includes(review.eventId))!;
      // The exact line B.8 states, grounds each once, sorted, joined with ", ".
      expect(line).toBe(
        jcs({
          $withheld: { eventId: review.eventId, ground: 'privilege, third-party-personal-data' },
          globalPosition: review.globalPosition,
          streamId: review.streamId,
          streamRevision: review.streamRevision,
        }),
      );
      expect(await verifyBundle(path)).toMatchObject({ ok: true, redacted: 1 });
      // The old unsalted marker let two guesses recover the decision; now no hash of it is anywhere.
      const all = [...redacted.values()].map((b) => b.toString('latin1')).join('');
      for (const d of ['accepted', 'rejected', 'modified']) expect(all).not.toContain(sha256(Buffer.from(jcs(d))).toString('hex'));
    });
  });
});
