import { createHash, createHmac, generateKeyPairSync, type KeyObject, randomBytes, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { crc32 } from 'node:zlib';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type EventEnvelope, SqlDatabase, SqlEventStore } from '@app/event-store';
import { BUNDLE_STATEMENT, BUNDLE_STATEMENT_SIG, type BundleVerification, canonicalJson, NOT_PROVABLE, trustedKeySetFrom, verifyBundle } from '@app/evidence';
import { EventLeaves } from '../../libs/evidence/src/bundle/event-leaves';
import { ed25519Thumbprint, KEY_MATERIAL, type KeyMaterial, SubjectKeyStore } from '@app/identity';
import { deflated, rawZip, repeatedDeflate } from '../support/hostile-zip';
import { sha256Hex, startTestApp, type TestApp } from '../support/test-app';
import { PY_VERIFIER, type PythonVerdict, requirePythonVerifier, verifyWithPython } from '../support/python-verifier';
import { readZip, rebag, writeZip, writeZipEntries } from '../support/zip';
import { rederive } from '../support/rederive';
import { courtRequestFor, exportBundleTo, reviewsOfOnePatient } from '../support/bundles';
import { refSaltFromSeed, refSeedToSalts } from '../support/leaf-reference';

interface Verdicts {
  ts: BundleVerification;
  py: PythonVerdict;
}

/**
 * A corpus of forged bundles, each made from a real export as the other side's expert would make
 * it (manifests redone, counts and completeness fixed where the forgery needs it), run through
 * `registry verify-bundle`'s verifier and the independent Python one. They must agree on every
 * bundle. Cases named "remaining" are forgeries that today's format cannot catch when the hospital
 * itself makes them with its own key (a false signed statement, VERIFY.md B.14): both verifiers
 * accept them, which is asserted so that a fix turns each into a rejection here. docs/evidence.md
 * lists them.
 */
describe('Forgery corpus: registry verify-bundle and an independent Python verifier agree', () => {
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'forgery-corpus-'));
  /**
   * The genuine exports: one without redactions; one with a format-2 review's reason redacted
   * alone (ADR 0039) and a format-1 review's reason, which withholds that event whole (B.8).
   */
  let plain: Map<string, Buffer>;
  let redacted: Map<string, Buffer>;
  let plainPath: string;
  let redactedPath: string;
  let jwksPath: string;
  let pinned: ReturnType<typeof trustedKeySetFrom>;
  /** The hospital's own ledger key: the forger of the corpus signs the bundle statement (B.14) with it, unless said otherwise. */
  let hospitalKey: KeyObject;
  /** The review corrected twice: its stream has revisions 0, 1 and 2. */
  let correctedReviewId: string;
  /** A review whose reason has no commitment: written before text-commitment-v1 (and leaf format 2). */
  let legacyReviewId: string;
  /** A review written in leaf format 1 (before ADR 0039), its reason committed: redacted, it is withheld whole. */
  let formatOneReviewId: string;
  /** The format-2 review whose reason is redacted alone. */
  let fieldRedactedId: string;
  const LEGACY_TEXT = 'Written before commitments';
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    // No skip: without python3 and openssl this suite fails here, saying which is missing.
    requirePythonVerifier();
    t = await startTestApp();
    const [legal, alice] = await Promise.all([t.token('legal', 'lawyer-1'), t.token('clinician', 'alice')]);
    const { systemId, reviewIds } = await reviewsOfOnePatient(t, ['rejected', 'accepted', 'rejected']);
    correctedReviewId = reviewIds[1];
    // A review written before text commitments (ADR 0036): its reason encrypted, with no commitment.
    // Both written as the registry wrote them before leaf format 2 (ADR 0039): no commitment seed.
    const [model] = await t.store.readStream(`review-${reviewIds[0]}`);
    const { commitmentSeed: _seed, ...formatOneMetadata } = model.metadata;
    const formatOne = new SqlEventStore(t.app.get(SqlDatabase), undefined, undefined, 1);
    const subjectKeys = t.app.get(SubjectKeyStore);
    legacyReviewId = randomUUID();
    const { commitment: _none, ...legacyReason } = await subjectKeys.encrypt(model.data.patientPseudonym as string, LEGACY_TEXT);
    await formatOne.append(
      `review-${legacyReviewId}`,
      [{ type: model.type, data: { ...model.data, reviewId: legacyReviewId, reason: legacyReason }, metadata: formatOneMetadata }],
      {
        expectedRevision: 'no_stream',
      },
    );
    formatOneReviewId = randomUUID();
    const formatOneReason = await subjectKeys.encrypt(model.data.patientPseudonym as string, 'Second read');
    await formatOne.append(
      `review-${formatOneReviewId}`,
      [{ type: model.type, data: { ...model.data, reviewId: formatOneReviewId, reason: formatOneReason }, metadata: formatOneMetadata }],
      { expectedRevision: 'no_stream' },
    );
    for (const [revision, decision] of [
      [0, 'modified'],
      [1, 'rejected'],
    ] as const) {
      await t.http
        .post(`/api/v1/reviews/${correctedReviewId}/corrections`)
        .set(auth(alice))
        .set('If-Match', `"${revision}"`)
        .send({ decision, reason: 'Looked again', correctionNote: 'second look' })
        .expect(200);
    }
    // A patient out of scope: their review is a leaf of the tree that the bundle does not show.
    await t.http
      .post('/api/v1/reviews')
      .set(auth(alice))
      .send({
        aiSystemId: systemId,
        modelVersion: '2.3.1',
        outputReference: 'pacs://NL-2002',
        outputSha256: sha256Hex('other'),
        patientId: 'NL-2002',
        decision: 'accepted',
        reason: 'Other patient',
      })
      .expect(201);
    const pseudonym = (await t.http.post('/api/v1/patients/timeline').set(auth(legal)).send({ patientId: 'NL-1001' }).expect(200)).body.patientPseudonym;
    // A second read: the extract covers the entries up to the head the export anchors (B.17), and
    // the export's own entry may come after it, so two entries are there whatever the timing.
    await t.http.post('/api/v1/patients/timeline').set(auth(legal)).send({ patientId: 'NL-1001' }).expect(200);
    const requestId = await courtRequestFor(t, legal, 'CORPUS-1', [pseudonym]);
    const exportBundle = async (name: string) => {
      const p = join(dir, name);
      await exportBundleTo(t, legal, requestId, p);
      return p;
    };
    plainPath = await exportBundle('plain.zip');
    plain = await readZip(plainPath);
    const firstReview = JSON.parse(lineOf(plain, 'data/events.jsonl', reviewIds[0]));
    const formatOneReview = JSON.parse(lineOf(plain, 'data/events.jsonl', formatOneReviewId));
    fieldRedactedId = firstReview.eventId;
    await t.http
      .post(`/api/v1/disclosure-requests/${requestId}/redactions`)
      .set(auth(legal))
      .send({
        redactions: [
          { eventId: firstReview.eventId, path: '/reason', ground: 'third-party-personal-data' },
          { eventId: formatOneReview.eventId, path: '/reason', ground: 'third-party-personal-data' },
        ],
      })
      .expect(200);
    redactedPath = await exportBundle('redacted.zip');
    redacted = await readZip(redactedPath);
    const jwks = (await t.http.get('/.well-known/oversight-registry-keys').expect(200)).text;
    jwksPath = join(dir, 'keys.jwks');
    writeFileSync(jwksPath, jwks);
    pinned = trustedKeySetFrom(jwks);
    hospitalKey = t.app.get<KeyMaterial>(KEY_MATERIAL).ledgerSigning.privateKey;
  });
  afterAll(async () => t?.close());

  const lines = (f: Map<string, Buffer>, name: string) => f.get(name)!.toString().trim().split('\n');
  const lineOf = (f: Map<string, Buffer>, name: string, needle: string) => lines(f, name).find((l) => l.includes(needle))!;
  const setLines = (f: Map<string, Buffer>, name: string, ls: string[]) => f.set(name, Buffer.from(`${ls.join('\n')}\n`));
  const indexOf = (f: Map<string, Buffer>, needle: string) => lines(f, 'data/events.jsonl').findIndex((l) => l.includes(needle));

  /** What a producer who fixes everything up would also redo: bag-info's counts. */
  function recount(f: Map<string, Buffer>): void {
    const payload = [...f.keys()].filter((n) => n.startsWith('data/'));
    const octets = payload.reduce((sum, n) => sum + f.get(n)!.length, 0);
    const info = f
      .get('bag-info.txt')!
      .toString()
      .replace(/^Event-Count: .*$/m, `Event-Count: ${lines(f, 'data/events.jsonl').length}`)
      .replace(/^Payload-Oxum: .*$/m, `Payload-Oxum: ${octets}.${payload.length}`);
    f.set('bag-info.txt', Buffer.from(info));
  }

  /** A stream taken out of completeness.json, timeline.json and timeline.csv. */
  function dropStream(f: Map<string, Buffer>, streamId: string): void {
    const c = JSON.parse(f.get('data/completeness.json')!.toString());
    c.streams = c.streams.filter((s: { streamId: string }) => s.streamId !== streamId);
    f.set('data/completeness.json', Buffer.from(JSON.stringify(c, null, 1)));
    const rows = JSON.parse(f.get('data/timeline.json')!.toString()) as Array<{ streamId: string }>;
    f.set(
      'data/timeline.json',
      Buffer.from(
        JSON.stringify(
          rows.filter((r) => r.streamId !== streamId),
          null,
          1,
        ),
      ),
    );
    f.set(
      'data/timeline.csv',
      Buffer.from(
        f
          .get('data/timeline.csv')!
          .toString()
          .split('\n')
          .filter((l) => !l.includes(streamId))
          .join('\n'),
      ),
    );
  }

  /**
   * Writes a forgery of `base` (manifests redone after `change`) and runs both verifiers on it. The
   * signed bundle statement (B.14) is made again and signed with `signWith`: by default the
   * hospital's own key, the strongest forger, so that only the rule under test can catch the
   * forgery; null leaves it as exported (a forger without the key).
   */
  async function forge(
    name: string,
    base: Map<string, Buffer>,
    change: (f: Map<string, Buffer>) => void | Promise<void>,
    args: string[] = [],
    signWith: KeyObject | null = hospitalKey,
  ): Promise<Verdicts> {
    const f = new Map(base);
    await change(f);
    recount(f);
    rebag(f, signWith ?? undefined);
    const p = join(dir, `${name}.zip`);
    await writeZip(p, f);
    return both(p, args);
  }

  async function both(path: string, args: string[] = []): Promise<Verdicts> {
    const trustedKeys = args.includes('--trusted-keys') ? pinned : undefined;
    const [ts, threaded, py] = await Promise.all([
      verifyBundle(path, { trustedKeys, eventLeafThread: 'never' }),
      verifyBundle(path, { trustedKeys, eventLeafThread: 'always' }),
      verifyWithPython(path, args),
    ]);
    // The point of the second verifier: the same verdict on every bundle.
    expect({ bundle: path, pythonOk: py.ok }).toEqual({ bundle: path, pythonOk: ts.ok });
    // ADR 0055: with the event lines' leaves computed by a thread of their own, the very same report.
    expect({ bundle: path, threaded }).toEqual({ bundle: path, threaded: ts });
    return { ts, py };
  }

  const rejected = (v: Verdicts, file: string) => {
    expect(v.ts.ok).toBe(false);
    expect(v.py.ok).toBe(false);
    expect(v.py.problems).toEqual(expect.arrayContaining([expect.objectContaining({ file })]));
  };
  const accepted = (v: Verdicts) => {
    expect(v.ts).toMatchObject({ ok: true, problems: [] });
    expect(v.py).toMatchObject({ ok: true, problems: [] });
  };

  describe('genuine bundles', () => {
    it('both accept the untouched bundles, with and without a redaction, pinned or not', async () => {
      // Each bundle holds its own request's stream (it names the patient), so their counts differ.
      for (const [path, files] of [
        [plainPath, plain],
        [redactedPath, redacted],
      ] as const) {
        const free = await both(path);
        accepted(free);
        // A withheld event is proven to be a leaf, never counted as a proven event.
        expect(free.py.eventsProven).toBe(lines(files, 'data/events.jsonl').length - free.ts.redacted);
        expect(free.py.redacted).toBe(free.ts.redacted);
        accepted(await both(path, ['--trusted-keys', jwksPath]));
      }
      // The corpus relies on these: a stream with revisions 0–2, a redacted line, a leaf the bundle does not show.
      expect(lines(plain, 'data/events.jsonl').filter((l) => l.includes(correctedReviewId))).toHaveLength(3);
      expect(lines(redacted, 'data/events.jsonl').filter((l) => l.includes('"$withheld"'))).toEqual([expect.stringContaining(formatOneReviewId)]);
      expect(JSON.parse(lineOf(redacted, 'data/events.jsonl', fieldRedactedId))).toMatchObject({
        leafFormat: 2,
        data: { reason: { $redacted: { ground: 'third-party-personal-data' } } },
      });
      expect(JSON.parse(lineOf(plain, 'data/events.jsonl', formatOneReviewId)).leafFormat).toBeUndefined();
      expect(JSON.parse(lines(plain, 'data/proofs.jsonl')[1]).leafIndex).toBeGreaterThan(1);
    });
  });

  describe('the event-leaf thread (ADR 0055)', () => {
    it('counts its results only when its read of events.jsonl has the SHA-256 of the main thread’s', async () => {
      const events = plain.get('data/events.jsonl')!;
      const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      const count = lines(plain, 'data/events.jsonl').length;
      const leaves = EventLeaves.for(plainPath, 0, 'always');
      try {
        expect(leaves.threaded).toBe(true);
        const first = await leaves.wait(1);
        expect(first).toMatchObject({ canonical: true });
        expect(first!.leaf).toHaveLength(32);
        // Another file (here: one byte more) or another number of lines: the results do not count.
        expect(await leaves.check(digest(Buffer.concat([events, Buffer.from('\n')])), count)).toMatch(/the two reads differ/);
        expect(await leaves.check(digest(events), count + 1)).toMatch(/the two reads differ/);
        expect(await leaves.check(digest(events), count)).toBeNull();
      } finally {
        await leaves.close();
      }
    });

    it('leaves every line to the main thread when it cannot read the bundle, and the verdict stands', async () => {
      const leaves = EventLeaves.for(join(dir, 'no-such-bundle.zip'), 0, 'always');
      try {
        expect(await leaves.wait(1)).toBeNull();
        expect(await leaves.check('0'.repeat(64), 1)).toBeNull();
      } finally {
        await leaves.close();
      }
      // Below the size that pays for a thread, none is started.
      expect(EventLeaves.for(plainPath, 1000).threaded).toBe(false);
    });
  });

  describe('forgeries both reject', () => {
    it('a changed byte in an event', async () => {
      const v = await forge('changed-byte', plain, (f) => {
        const ev = lines(f, 'data/events.jsonl');
        const i = ev.findIndex((l) => l.includes('"decision":"accepted"'));
        ev[i] = ev[i].replace('"decision":"accepted"', '"decision":"acceptee"');
        setLines(f, 'data/events.jsonl', ev);
      });
      rejected(v, 'data/events.jsonl');
    });

    it('a deleted event (the middle revision of a stream), with proofs, counts and timeline fixed', async () => {
      const v = await forge('deleted-middle', plain, (f) => {
        const i = lines(f, 'data/events.jsonl').findIndex((l) => l.includes(correctedReviewId) && l.includes('"streamRevision":1'));
        for (const name of ['data/events.jsonl', 'data/proofs.jsonl'])
          setLines(
            f,
            name,
            lines(f, name).filter((_, j) => j !== i),
          );
      });
      rejected(v, 'data/events.jsonl');
    });

    it('reordered events (two streams swapped, each with its own proof line)', async () => {
      const v = await forge('reordered', plain, (f) => {
        for (const name of ['data/events.jsonl', 'data/proofs.jsonl']) {
          const ls = lines(f, name);
          [ls[1], ls[2]] = [ls[2], ls[1]];
          setLines(f, name, ls);
        }
      });
      rejected(v, 'data/proofs.jsonl');
    });

    it('a relabelled position (event and proof line agree, the leaf index does not)', async () => {
      const v = await forge('relabelled', plain, (f) => {
        const ev = lines(f, 'data/events.jsonl');
        const pr = lines(f, 'data/proofs.jsonl');
        const last = ev.length - 1;
        const from = JSON.parse(ev[last]).globalPosition as number;
        ev[last] = ev[last].replace(`"globalPosition":${from},`, `"globalPosition":${from + 1000},`);
        pr[last] = pr[last].replace(`"position":${from},`, `"position":${from + 1000},`);
        setLines(f, 'data/events.jsonl', ev);
        setLines(f, 'data/proofs.jsonl', pr);
      });
      rejected(v, 'data/events.jsonl');
    });

    it('a fabricated event on a leaf the bundle does not show, its proof built from a neighbour’s', async () => {
      const v = await forge('fabricated', plain, (f) => fabricate(f, false));
      rejected(v, 'data/events.jsonl');
    });

    it('an extra file at the zip root, not in any manifest', async () => {
      const f = new Map(plain);
      f.set('README.txt', Buffer.from('This bundle is genuine.\n'));
      const p = join(dir, 'extra-entry.zip');
      await writeZip(p, f);
      rejected(await both(p), 'README.txt');
    });

    it('a duplicated zip entry whose first copy is forged', async () => {
      const events = plain.get('data/events.jsonl')!;
      const changed = Buffer.from(events.toString().replace('"decision":"rejected"', '"decision":"accepted"'));
      const p = join(dir, 'duplicate-entry.zip');
      await writeZipEntries(p, [['data/events.jsonl', changed], ...plain]);
      rejected(await both(p), 'data/events.jsonl');
    });

    it('a withheld line replaced by its event with a made-up value (the line is recomputed)', async () => {
      const v = await forge('unwithheld', redacted, async (f) => {
        const ev = lines(f, 'data/events.jsonl');
        const i = ev.findIndex((l) => l.includes('"$withheld"'));
        const id = (JSON.parse(ev[i]) as { $withheld: { eventId: string } }).$withheld.eventId;
        ev[i] = lineOf(plain, 'data/events.jsonl', id).replace(/"decision":"(accepted|rejected)"/, '"decision":"modified"');
        setLines(f, 'data/events.jsonl', ev);
        await rederive(f, plain);
      });
      rejected(v, 'data/events.jsonl');
    });

    it('hostile, every manifest right: a line over 16 MiB in events.jsonl is refused while streaming', async () => {
      const f = new Map(plain);
      f.set('data/events.jsonl', Buffer.concat([plain.get('data/events.jsonl')!, Buffer.from(randomBytes(8.5 * 2 ** 20).toString('hex'))]));
      recount(f);
      rebag(f, hospitalKey);
      const p = join(dir, 'long-line.zip');
      await writeZip(p, f);
      const v = await both(p);
      rejected(v, 'data/events.jsonl');
      expect(v.py.problems).toEqual([expect.objectContaining({ problem: expect.stringMatching(/line \d+ is longer than 16777216 bytes/) })]);
    });

    it('hostile, every manifest right: an entry inflating past the size its header states (CRC and digest of the stated part)', async () => {
      // 64 MiB of zeros in report.pdf under a header that says 1 MiB: what the header states is self-consistent.
      const stated = Buffer.alloc(2 ** 20);
      const f = new Map(plain);
      f.set('data/report.pdf', stated);
      recount(f);
      rebag(f, hospitalKey);
      const entries = [...f].map(([name, bytes]) =>
        name === 'data/report.pdf' ? { name, data: repeatedDeflate(stated, 64), uncompressedSize: stated.length, crc: crc32(stated) } : deflated(name, bytes),
      );
      expect(f.get('manifest-sha256.txt')!.toString()).toContain(`${createHash('sha256').update(stated).digest('hex')}  data/report.pdf`);
      const p = join(dir, 'understated.zip');
      writeFileSync(p, rawZip(entries));
      const v = await both(p);
      rejected(v, 'data/report.pdf');
      expect(v.py.problems).toEqual([expect.objectContaining({ problem: expect.stringMatching(/inflates past 1048576 bytes/) })]);
    });

    it('a re-signature (tree head and bundle statement) with a foreign key: caught with the hospital key pinned, accepted without a pin', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const resign = (f: Map<string, Buffer>) => {
        const head = JSON.parse(f.get('data/checkpoint.json')!.toString());
        const body = Buffer.from(canonicalJson({ ...head, keyId: ed25519Thumbprint(publicKey) }));
        f.set('data/checkpoint.json', body);
        f.set('data/checkpoint.sig', sign(null, body, privateKey));
        f.set('data/public-key.pem', Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }).toString()));
      };
      rejected(await forge('foreign-key-pinned', plain, resign, ['--trusted-keys', jwksPath], privateKey), 'data/public-key.pem');
      // Without a pin the signature only proves that whoever made the bundle held the key it ships.
      accepted(await forge('foreign-key-unpinned', plain, resign, [], privateKey));
      // The head re-signed but the statement left as exported: it is the hospital key's, not the bundled one's.
      rejected(await forge('foreign-key-head-only', plain, resign, [], null), 'bundle-statement.sig');
    });
  });

  describe('redaction: an event withheld whole, bound to the signed decision (VERIFY.md B.8)', () => {
    it('a fabricated withheld event on a leaf the bundle does not show (not named by the decision)', async () => {
      const v = await forge('fabricated-withheld', redacted, async (f) => {
        fabricate(f, true);
        await rederive(f, redacted);
      });
      rejected(v, 'data/events.jsonl');
    });

    it('a fake redaction: a clean event withheld to hide it, everything rederived', async () => {
      const v = await forge('fake-redaction', plain, async (f) => {
        const ev = lines(f, 'data/events.jsonl');
        const i = indexOf(f, '"decision":"accepted"');
        const e = JSON.parse(ev[i]) as EventEnvelope;
        ev[i] = canonicalJson({
          $withheld: { eventId: e.eventId, ground: 'trade-secret' },
          globalPosition: e.globalPosition,
          streamId: e.streamId,
          streamRevision: e.streamRevision,
        });
        setLines(f, 'data/events.jsonl', ev);
        await rederive(f, plain);
      });
      rejected(v, 'data/events.jsonl');
    });

    it('an altered marker: the withheld event’s ground changed, everything rederived', async () => {
      const v = await forge('altered-ground', redacted, async (f) => {
        setLines(
          f,
          'data/events.jsonl',
          lines(f, 'data/events.jsonl').map((l) =>
            l.replace('"ground":"third-party-personal-data"},"globalPosition"', '"ground":"trade-secret"},"globalPosition"'),
          ),
        );
        await rederive(f, redacted);
      });
      rejected(v, 'data/events.jsonl');
    });

    it('a removed marker: the withheld line dropped with its proof, everything rederived (a revision gap)', async () => {
      const v = await forge('removed-withheld', redacted, async (f) => {
        const i = lines(f, 'data/events.jsonl').findIndex((l) => l.includes('"$withheld"'));
        for (const name of ['data/events.jsonl', 'data/proofs.jsonl'])
          setLines(
            f,
            name,
            lines(f, name).filter((_, j) => j !== i),
          );
        await rederive(f, redacted);
      });
      expect(v.ts.ok).toBe(false);
      expect(v.py.ok).toBe(false);
    });

    it('nothing of the withheld event is in the bundle: no value, ciphertext, commitment, actor line or hash of a value to guess (the 12-guess attack of issue 22)', () => {
      const id = (JSON.parse(lineOf(redacted, 'data/events.jsonl', '"$withheld"')) as { $withheld: { eventId: string } }).$withheld.eventId;
      const original = JSON.parse(lineOf(plain, 'data/events.jsonl', id)) as EventEnvelope;
      const reason = original.data.reason as { ct: string; commitment: string };
      const opened = lines(plain, 'data/plaintexts.jsonl')
        .map((l) => JSON.parse(l) as { position: number; salt?: string; text: string })
        .find((o) => o.position === original.globalPosition)!;
      const everything = [...redacted]
        .filter(([n]) => n !== 'data/report.pdf')
        .map(([, b]) => b.toString())
        .join('\n');
      for (const secret of [reason.ct, reason.commitment, opened.salt!]) expect(everything).not.toContain(secret);
      // The old marker's hash (SHA-256 of the value's canonical JSON) of no candidate is anywhere in the bundle.
      const guesses = [
        'Second read',
        'Looked again',
        'second look',
        'accepted',
        'rejected',
        'modified',
        'alice',
        'lawyer-1',
        'Other patient',
        'NL-1001',
        'clinician',
        '',
      ];
      for (const g of [...guesses, reason]) expect(everything).not.toContain(sha256Hex(canonicalJson(g)));
      expect(lines(redacted, 'data/plaintexts.jsonl').some((l) => JSON.parse(l).position === original.globalPosition)).toBe(false);
      expect(redacted.get('data/report.html')!.toString()).toContain('[withheld: third-party-personal-data]');
    });
  });

  describe('redaction of one member of a format-2 line, bound to the signed decision (ADR 0039, VERIFY.md B.4a, B.8)', () => {
    interface Line {
      salts: Record<string, string>;
      /** A line with nothing redacted carries its seed instead of salts (ADR 0043). */
      seed?: string;
      data: Record<string, unknown>;
      metadata: Record<string, unknown>;
    }
    const reasonMarker = (ev: Line) => (ev.data.reason as { $redacted: { commitment: string; ground: string } }).$redacted;
    /** A forgery of the redacted bundle: one line edited, everything derived from it redone, signed with the hospital's key. */
    const editedLine = (name: string, needle: string, change: (ev: Line) => void) =>
      forge(name, redacted, async (f) => {
        const ls = lines(f, 'data/events.jsonl');
        const i = ls.findIndex((l) => l.includes(needle));
        const ev = JSON.parse(ls[i]) as Line;
        change(ev);
        ls[i] = canonicalJson(ev);
        setLines(f, 'data/events.jsonl', ls);
        await rederive(f, redacted);
      });
    const rejectedFor = (v: Verdicts, problem: RegExp) => {
      rejected(v, 'data/events.jsonl');
      expect(v.ts.problems.map((p) => p.problem)).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
    };
    /** A review of the patient that no rule redacts (revision 0 of the corrected one). */
    const clean = () => correctedReviewId;

    it('a changed field in the redacted event', async () => {
      rejectedFor(
        await editedLine('f2-changed-next-to-redacted', fieldRedactedId, (ev) => (ev.data.decision = 'modified')),
        /does not hash to its sealed leaf/,
      );
    });

    it('a fabricated redacted field: a clean member shown as a marker with a made-up commitment', async () => {
      const v = await editedLine('f2-fabricated-redacted', clean(), (ev) => {
        refSeedToSalts(ev);
        ev.data.reason = { $redacted: { commitment: randomBytes(32).toString('hex'), ground: 'third-party-personal-data' } };
        delete ev.salts['/data/reason'];
      });
      rejectedFor(v, /does not hash to its sealed leaf/);
    });

    it('a fake redaction: the true commitment of a clean member shown redacted (the leaf holds; the decision does not name it)', async () => {
      const v = await editedLine('f2-fake-redaction', clean(), (ev) => {
        refSeedToSalts(ev); // the clean line's seed gives every salt
        const salt = Buffer.from(ev.salts['/data/reason'], 'hex');
        const commitment = createHash('sha256').update(salt).update(canonicalJson(ev.data.reason)).digest('hex');
        ev.data.reason = { $redacted: { commitment, ground: 'third-party-personal-data' } };
        delete ev.salts['/data/reason'];
      });
      expect(v.ts.problems.some((p) => /does not hash to its sealed leaf/.test(p.problem))).toBe(false);
      rejectedFor(v, /\/data\/reason of event .* is shown redacted, but the bundle's redaction decision/);
    });

    it('a seed shown next to a redaction: the redacted event with its seed put back (ADR 0043)', async () => {
      const original = JSON.parse(lineOf(plain, 'data/events.jsonl', fieldRedactedId)) as Line;
      const v = await editedLine('f2-seed-and-redaction', fieldRedactedId, (ev) => {
        delete (ev as Partial<Line>).salts;
        ev.seed = original.seed;
      });
      // The leaf holds and the decision names the member: only the seed rule catches it.
      expect(v.ts.problems.some((p) => /does not hash to its sealed leaf|does not name it/.test(p.problem))).toBe(false);
      rejectedFor(v, /\/data\/reason is redacted in a line that shows its seed/);
    });

    it('a seed that does not give the committed salts', async () => {
      rejectedFor(await editedLine('f2-wrong-seed', clean(), (ev) => (ev.seed = randomBytes(32).toString('hex'))), /does not hash to its sealed leaf/);
    });

    it('an altered marker: its ground, or its commitment', async () => {
      rejectedFor(
        await editedLine('f2-regrounded', fieldRedactedId, (ev) => (reasonMarker(ev).ground = 'trade-secret')),
        /is redacted on "trade-secret", the redaction decision says/,
      );
      const flipped = await editedLine('f2-altered-commitment', fieldRedactedId, (ev) => {
        const c = reasonMarker(ev).commitment;
        reasonMarker(ev).commitment = `${c[0] === '0' ? '1' : '0'}${c.slice(1)}`;
      });
      rejectedFor(flipped, /does not hash to its sealed leaf/);
    });

    it('a removed marker: the true value back, with a salt of the forger’s', async () => {
      const original = JSON.parse(lineOf(plain, 'data/events.jsonl', fieldRedactedId)) as Line;
      const v = await editedLine('f2-marker-removed', fieldRedactedId, (ev) => {
        ev.data.reason = original.data.reason;
        ev.salts['/data/reason'] = randomBytes(32).toString('hex');
      });
      rejectedFor(v, /does not hash to its sealed leaf/);
    });

    it('the redacted member is nowhere in the bundle: no ciphertext, commitment of the text, or salt', () => {
      const original = JSON.parse(lineOf(plain, 'data/events.jsonl', fieldRedactedId)) as Line & { globalPosition: number };
      const reason = original.data.reason as { ct: string; commitment: string };
      const everything = [...redacted]
        .filter(([n]) => n !== 'data/report.pdf')
        .map(([, b]) => b.toString())
        .join('\n');
      // The unredacted bundle shows the event in the seed form: neither the seed nor the salt it gives is in the redacted one.
      const salt = refSaltFromSeed(original.seed!, '/data/reason').toString('hex');
      for (const secret of [reason.ct, reason.commitment, original.seed!, salt]) expect(everything).not.toContain(secret);
      expect(lines(redacted, 'data/plaintexts.jsonl').some((l) => JSON.parse(l).position === original.globalPosition)).toBe(false);
    });
  });

  describe('texts: what a judge reads is derived from proven events (ADR 0036, VERIFY.md B.12)', () => {
    it('both accept the genuine texts: every committed one proven, the one written before commitments marked and counted, never proven', async () => {
      const v = await both(plainPath);
      accepted(v);
      const reviews = lines(plain, 'data/events.jsonl').filter((l) => l.includes('"reason":{') && !l.includes(legacyReviewId)).length;
      expect(reviews).toBeGreaterThanOrEqual(5);
      expect(v.py.texts).toEqual(v.ts.texts);
      expect(v.ts.texts).toMatchObject({ notProvable: 1, withheld: 0 });
      expect(v.ts.texts.proven).toBeGreaterThanOrEqual(reviews);
      expect(v.ts.restsOnHospital).toEqual(
        expect.arrayContaining([expect.stringMatching(/^1 text\(s\) written before text-commitment-v1 are shown marked “not provable”/)]),
      );
      const row = (JSON.parse(plain.get('data/timeline.json')!.toString()) as Array<{ streamId: string; text: string }>).find((r) =>
        r.streamId.endsWith(legacyReviewId),
      )!;
      expect(row.text).toBe(`${NOT_PROVABLE} ${LEGACY_TEXT}`);
      expect(plain.get('data/report.html')!.toString()).toContain(`${NOT_PROVABLE} ${LEGACY_TEXT}`);
    });

    it('the Python verifier’s B.12 tables are VERIFY.md’s: labels, text fields, columns, the events table head', () => {
      const md = plain.get('data/VERIFY.md')!.toString();
      const section = md.slice(md.indexOf('## B.12'), md.indexOf('## B.13') === -1 ? undefined : md.indexOf('## B.13'));
      const labels = Object.fromEntries([...section.matchAll(/^\| `([^`]+)` \| (.+) \| (.+) \|$/gm)].map((m) => [m[1], [m[2], m[3]]]));
      const dump = execFileSync('python3', [
        '-c',
        'import json,sys; sys.path.insert(0, sys.argv[1]); import verify_bundle as v; print(json.dumps([v.LABELS, v.TEXT_FIELDS, v.TIMELINE_COLUMNS, v.EVENTS_TABLE_HEAD, v.REPORT_ROWS]))',
        dirname(PY_VERIFIER),
      ]).toString();
      const [pyLabels, fields, columns, tableHead, rows] = JSON.parse(dump) as [Record<string, [string, string]>, string[], string[], string, number];
      expect(Object.keys(labels).length).toBeGreaterThan(40);
      expect(pyLabels).toEqual(labels);
      expect(section).toContain(fields.map((f) => `\`${f}\``).join(', '));
      expect(section.replace(/\n/g, ' ')).toContain(columns.map((c) => `\`${c}\``).join(', '));
      expect(section).toContain(`\`${tableHead}\``);
      expect(section).toContain(`the first ${rows} events`);
    });

    for (const file of ['data/timeline.json', 'data/timeline.csv', 'data/report.html']) {
      it(`an edited text in ${file} alone (the other files untouched)`, async () => {
        const v = await forge(`edited-${file.slice(5)}`, plain, (f) => {
          expect(f.get(file)!.toString()).toContain('Second read');
          f.set(file, Buffer.from(f.get(file)!.toString().replace('Second read', 'AI output not looked at')));
        });
        rejected(v, file);
      });
    }

    it('an edited text everywhere: plaintexts.jsonl, timeline and report made to agree (the commitment in the leaf does not)', async () => {
      const v = await forge('edited-plaintext', plain, async (f) => {
        f.set(
          'data/plaintexts.jsonl',
          Buffer.from(f.get('data/plaintexts.jsonl')!.toString().replace('"text":"Second read"', '"text":"AI output not looked at"')),
        );
        await rederive(f, f);
      });
      rejected(v, 'data/plaintexts.jsonl');
    });

    it('a committed text passed off as "not provable" with other words, everything rederived', async () => {
      const v = await forge('committed-as-unproven', plain, async (f) => {
        const pt = lines(f, 'data/plaintexts.jsonl');
        const i = pt.findIndex((l) => l.includes('"text":"Second read"'));
        const o = JSON.parse(pt[i]) as { field: string; position: number };
        pt[i] = canonicalJson({ ...o, salt: undefined, text: 'AI output not looked at', unproven: 'written before text-commitment-v1' });
        setLines(f, 'data/plaintexts.jsonl', pt);
        await rederive(f, f);
      });
      rejected(v, 'data/plaintexts.jsonl');
    });

    it('a line dropped from plaintexts.jsonl', async () => {
      const v = await forge('dropped-opening', plain, (f) => {
        setLines(f, 'data/plaintexts.jsonl', lines(f, 'data/plaintexts.jsonl').slice(1));
      });
      rejected(v, 'data/plaintexts.jsonl');
    });

    it('a text guessed from a dictionary does not open a commitment (the 12-guess attack of issue 22)', () => {
      const ev = JSON.parse(lineOf(plain, 'data/events.jsonl', '"decision":"accepted"')) as EventEnvelope;
      const commitment = (ev.data.reason as { commitment: string }).commitment;
      const guesses = [
        'Second read',
        'Looked again',
        'second look',
        'accepted',
        'rejected',
        'modified',
        'alice',
        'Other patient',
        'NL-1001',
        '',
        'reason',
        'ok',
      ];
      const keys = [
        Buffer.alloc(0),
        Buffer.alloc(32),
        Buffer.from((ev.data.reason as { iv: string }).iv, 'base64url'),
        Buffer.from((ev.data.reason as { kid: string }).kid),
      ];
      for (const g of guesses) {
        expect(sha256Hex(g)).not.toBe(commitment);
        for (const k of keys) expect(createHmac('sha256', k).update(g).digest('hex')).not.toBe(commitment);
      }
    });
  });

  /**
   * An event made up from the bundle alone: placed on leaf 1 (position 2, the AI system's
   * registration, out of the patient scope), whose hash and proof any reader can take from leaf
   * 0's proof. Listed in completeness.json as a stream of the patient.
   */
  function fabricate(f: Map<string, Buffer>, withMarker: boolean): void {
    const ev = lines(f, 'data/events.jsonl');
    const pr = lines(f, 'data/proofs.jsonl');
    const review = JSON.parse(ev.find((l) => l.includes('oversight.AiOutputReviewed'))!);
    const first = JSON.parse(pr[0]);
    const streamId = `review-${randomUUID()}`;
    const data = { ...review.data, decision: 'accepted', reviewId: streamId.slice(7) };
    const made = withMarker
      ? { $withheld: { eventId: randomUUID(), ground: 'third-party-personal-data' }, globalPosition: 2, streamId, streamRevision: 0 }
      : { ...review, data, eventId: randomUUID(), globalPosition: 2, streamId, streamRevision: 0 };
    ev.splice(1, 0, canonicalJson(made));
    pr.splice(
      1,
      0,
      canonicalJson({
        leafHash: first.proof[0],
        leafIndex: 1,
        position: 2,
        proof: [first.leafHash, ...first.proof.slice(1)],
        redacted: withMarker,
        treeSize: first.treeSize,
      }),
    );
    setLines(f, 'data/events.jsonl', ev);
    setLines(f, 'data/proofs.jsonl', pr);
    const c = JSON.parse(f.get('data/completeness.json')!.toString());
    const like = c.streams.find((s: { streamId: string }) => s.streamId === review.streamId);
    c.streams.push({ ...like, streamId, firstAt: data.decidedAt, headRevision: 0 });
    f.set('data/completeness.json', Buffer.from(JSON.stringify(c, null, 1)));
  }

  interface AccessEntry {
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
  /** An access-log entry's hash exactly as VERIFY.md ("Who read the data") states it. */
  const entryHash = (e: AccessEntry) =>
    sha256Hex(
      `${e.prevHash}\n${JSON.stringify([e.seq, e.entryId, e.requestId, e.at, e.actor.subject, e.actor.role, e.action, e.dataSubject, e.resource, e.ip ?? null, e.userAgent ?? null])}`,
    );

  /**
   * The forgeries that only the signed bundle statement (VERIFY.md B.14) catches: a forger without the
   * registry's key cannot redo it, so both verifiers reject them; the hospital itself can sign a
   * false statement, so with its own key they still pass (docs/evidence.md: its recorded bundle
   * SHA-256 in the ledger is what holds it to the one it exported).
   */
  const statementForgeries: Array<
    [name: string, title: string, file: string, base: () => Map<string, Buffer>, change: (f: Map<string, Buffer>) => void | Promise<void>]
  > = [
    [
      'deleted-stream',
      'a whole stream deleted together with its completeness entry, counts and timeline rows',
      'data/completeness.json',
      () => plain,
      async (f) => {
        const sid = JSON.parse(lineOf(f, 'data/events.jsonl', correctedReviewId)).streamId as string;
        const keep = lines(f, 'data/events.jsonl').map((l) => !l.includes(`"streamId":"${sid}"`));
        for (const name of ['data/events.jsonl', 'data/proofs.jsonl'])
          setLines(
            f,
            name,
            lines(f, name).filter((_, j) => keep[j]),
          );
        dropStream(f, sid);
        await rederive(f, plain);
      },
    ],
    [
      'cut-short',
      'a stream cut short (its last revision deleted, headRevision lowered)',
      'data/completeness.json',
      () => plain,
      async (f) => {
        const i = lines(f, 'data/events.jsonl').findIndex((l) => l.includes(correctedReviewId) && l.includes('"streamRevision":2'));
        for (const name of ['data/events.jsonl', 'data/proofs.jsonl'])
          setLines(
            f,
            name,
            lines(f, name).filter((_, j) => j !== i),
          );
        const c = JSON.parse(f.get('data/completeness.json')!.toString());
        for (const s of c.streams) if (s.streamId.endsWith(correctedReviewId)) s.headRevision = 1;
        f.set('data/completeness.json', Buffer.from(JSON.stringify(c, null, 1)));
        await rederive(f, plain);
      },
    ],
    [
      'withheld-as-erased',
      'a committed text shown as [erased] although its key exists',
      'data/plaintexts.jsonl',
      () => plain,
      async (f) => {
        const pt = lines(f, 'data/plaintexts.jsonl');
        const i = pt.findIndex((l) => l.includes('"salt"'));
        const o = JSON.parse(pt[i]) as { field: string; position: number };
        pt[i] = canonicalJson({ field: o.field, position: o.position, withheld: 'erased' });
        setLines(f, 'data/plaintexts.jsonl', pt);
        await rederive(f, f);
      },
    ],
    [
      'listed-extra',
      'an extra payload file that the manifest lists',
      'data/NOTE.txt',
      () => plain,
      (f) => void f.set('data/NOTE.txt', Buffer.from('The hospital did nothing wrong.\n')),
    ],
    [
      'relabelled-sparse',
      'the last position relabelled under a bag-info that declares the log sparse',
      'bag-info.txt',
      () => plain,
      async (f) => {
        const ev = lines(f, 'data/events.jsonl');
        const pr = lines(f, 'data/proofs.jsonl');
        const last = ev.length - 1;
        const from = JSON.parse(ev[last]).globalPosition as number;
        ev[last] = ev[last].replace(`"globalPosition":${from},`, `"globalPosition":${from + 1000},`);
        pr[last] = pr[last].replace(`"position":${from},`, `"position":${from + 1000},`);
        setLines(f, 'data/events.jsonl', ev);
        setLines(f, 'data/proofs.jsonl', pr);
        f.set('bag-info.txt', Buffer.from(f.get('bag-info.txt')!.toString().replace('Log-Positions: gap-free', 'Log-Positions: sparse')));
        await rederive(f, plain);
      },
    ],
    [
      'access-log-edited',
      'an entry of the access-log extract edited (another reader), its entry hash recomputed',
      'data/access-log.jsonl',
      () => plain,
      (f) => {
        const entries = lines(f, 'data/access-log.jsonl').map((l) => JSON.parse(l) as AccessEntry);
        entries[0] = { ...entries[0], actor: { ...entries[0].actor, subject: 'someone-else' } };
        entries[0].entryHash = entryHash(entries[0]);
        setLines(
          f,
          'data/access-log.jsonl',
          entries.map((e) => JSON.stringify(e)),
        );
      },
    ],
    [
      'access-log-removed',
      'an entry removed from the access-log extract with its proof line (B.17)',
      'data/access-log.jsonl',
      () => plain,
      (f) => {
        for (const name of ['data/access-log.jsonl', 'data/access-log-proofs.jsonl']) setLines(f, name, lines(f, name).slice(1));
      },
    ],
    [
      'declared-sparse',
      'bag-info.txt alone changed to Log-Positions: sparse (positions no longer bound to leaves)',
      'bag-info.txt',
      () => plain,
      (f) => void f.set('bag-info.txt', Buffer.from(f.get('bag-info.txt')!.toString().replace('Log-Positions: gap-free', 'Log-Positions: sparse'))),
    ],
    [
      'other-request',
      'bag-info.txt naming another disclosure request (B.8 then looks for another redaction decision)',
      'bag-info.txt',
      () => redacted,
      (f) =>
        void f.set(
          'bag-info.txt',
          Buffer.from(
            f
              .get('bag-info.txt')!
              .toString()
              .replace(/^Disclosure-Request-Id: .*$/m, `Disclosure-Request-Id: ${randomUUID()}`),
          ),
        ),
    ],
  ];

  describe('the signed bundle statement (VERIFY.md B.14): what only the registry’s key can redo', () => {
    it('the access-log extract: every entry hash recomputes as VERIFY.md states it, and entries that follow each other link', () => {
      expect(plain.get('data/VERIFY.md')!.toString()).toContain(
        'entryHash = SHA-256( UTF-8( prevHash + LF + JSON.stringify([seq, entryId, requestId, at,\n                  actor.subject, actor.role, action, dataSubject, resource, ip, userAgent]) ) )',
      );
      const entries = lines(plain, 'data/access-log.jsonl').map((l) => JSON.parse(l) as AccessEntry);
      expect(entries.length).toBeGreaterThanOrEqual(2);
      for (const [i, e] of entries.entries()) {
        expect(entryHash(e)).toBe(e.entryHash);
        if (i > 0 && entries[i - 1].seq === e.seq - 1) expect(e.prevHash).toBe(entries[i - 1].entryHash);
      }
    });

    for (const [name, title, file, base, change] of statementForgeries) {
      it(`${title}: both reject, the statement not redone (a forger without the registry’s key)`, async () => {
        rejected(await forge(`${name}-unsigned`, base(), change, [], null), file);
      });
    }

    it('the statement and its signature left out, or signed by another key than the tree head’s: both reject', async () => {
      const dropped = await forge(
        'statement-dropped',
        plain,
        (f) => {
          f.delete(BUNDLE_STATEMENT);
          f.delete(BUNDLE_STATEMENT_SIG);
        },
        [],
        null,
      );
      expect(dropped.ts.ok).toBe(false);
      expect(dropped.py.ok).toBe(false);
      rejected(await forge('statement-other-key', plain, () => undefined, [], generateKeyPairSync('ed25519').privateKey), 'bundle-statement.sig');
    });
  });

  describe('the access-log extract, signed again with the hospital’s own key (VERIFY.md B.17, ADR 0050)', () => {
    it('an entry removed from the extract with its proof line: both reject (the patient’s anchored leaf lists it)', async () => {
      const [, , , base, change] = statementForgeries.find(([n]) => n === 'access-log-removed')!;
      const v = await forge('access-log-removed-own-key', base(), change);
      rejected(v, 'data/access-log.jsonl');
      expect(v.ts.problems).toEqual(
        expect.arrayContaining([expect.objectContaining({ problem: expect.stringMatching(/is not complete: entries #\d+ left out/) })]),
      );
    });
  });

  describe('remaining: what still rests on the hospital’s key alone (docs/evidence.md)', () => {
    // An edited access-log entry is no longer among them: its inclusion proof fails (B.17, access-log-proofs.e2e-spec.ts);
    // nor is a removed one: the patient's leaf in the anchored subject tree names it (ADR 0050).
    const provenNow = ['other-request', 'access-log-edited', 'access-log-removed'];
    for (const [name, title, , base, change] of statementForgeries.filter(([n]) => !provenNow.includes(n))) {
      it(`remaining: ${title}, the statement signed again with the hospital’s own key: both accept`, async () => {
        const v = await forge(`${name}-own-key`, base(), change);
        accepted(v);
        if (name === 'withheld-as-erased') {
          expect(v.ts.restsOnHospital).toEqual(expect.arrayContaining([expect.stringMatching(/^1 text\(s\) are shown as \[erased\]/)]));
          expect(v.py.texts).toMatchObject({ withheld: 1 });
        }
      });
    }
  });
});
