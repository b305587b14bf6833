import { createHash, type KeyObject, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventEnvelope, SqlDatabase, SqlEventStore } from '@app/event-store';
import { type BundleVerification, canonicalJson, verifyBundle } from '@app/evidence';
import { KEY_MATERIAL, type KeyMaterial } from '@app/identity';
import { startTestApp, type TestApp } from '../support/test-app';
import { type PythonVerdict, requirePythonVerifier, verifyWithPython } from '../support/python-verifier';
import { readZip, rebag, writeZip } from '../support/zip';
import { rederive } from '../support/rederive';
import { courtRequestFor, exportBundleTo, reviewsOfOnePatient } from '../support/bundles';
import { refSaltFromSeed, refSeedToSalts } from '../support/leaf-reference';

interface Verdicts {
  ts: BundleVerification;
  py: PythonVerdict;
}

const GROUND = 'third-party-personal-data';

/** An event line as the tests read and edit it (leaf format 2, B.4a). */
interface LineJson {
  globalPosition: number;
  leafFormat?: number;
  /** Salts form (a member redacted): one salt per opened committed member. */
  salts: Record<string, string>;
  /** Seed form (nothing redacted, ADR 0043): the event's seed, from which every salt derives. */
  seed?: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}
/** The marker of a redacted member. */
const marker = (v: unknown) => (v as { $redacted: { commitment: string; ground: string } }).$redacted;
const sha256 = (...parts: (Buffer | string)[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest('hex');
/** The committed members of a review event's line (ADR 0039's rule applied to what reviews hold). */
const REVIEW_POINTERS = ['/data/patientPseudonym', '/data/reason', '/data/reviewer', '/metadata/actor', '/metadata/idempotencyKey'];

/**
 * Leaf format 2 in a bundle (ADR 0039, VERIFY.md B.4a and B.8): one field of an event redacted
 * while the rest of it stays proven, its leaf recomputed by both verifiers from the opened
 * members, their salts and the redaction markers; the forgeries issue 22 names for it, each
 * rejected by `registry verify-bundle`'s verifier and by the Python one written from VERIFY.md;
 * and a format-1 event in the same log, redacted, still withheld whole.
 */
describe('Field redaction in leaf format 2: both verifiers recompute every leaf', () => {
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'field-redaction-'));
  let bundle: Map<string, Buffer>;
  let bundlePath: string;
  let hospitalKey: KeyObject;
  /** The review whose reason and reviewer (in metadata.actor, data.reviewer, the idempotency key) are redacted. */
  let redactedId: string;
  /** A review of the same patient left as it is. */
  let cleanId: string;
  /** A format-2 review redacted at a member that is not committed (`/decision`): withheld whole. */
  let decisionRedactedId: string;
  /** A review written in leaf format 1, redacted: withheld whole. */
  let legacyEventId: string;
  let stored: EventEnvelope;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const saved = process.env.LEDGER_LEAF_FORMAT;

  beforeAll(async () => {
    requirePythonVerifier();
    process.env.LEDGER_LEAF_FORMAT = '2';
    t = await startTestApp();
    const legal = await t.token('legal', 'lawyer-1');
    const { reviewIds } = await reviewsOfOnePatient(t, ['rejected', 'accepted', 'modified'], {
      reason: (decision) => `Second read (${decision})`,
      idempotencyKey: (decision) => `k-${decision}`,
    });
    [redactedId, cleanId, decisionRedactedId] = reviewIds;
    const [decisionRedacted] = await t.store.readStream(`review-${decisionRedactedId}`);
    [stored] = await t.store.readStream(`review-${redactedId}`);
    // The same review once more, written as before leaf format 2 (no seed): a format-1 leaf.
    const legacy = new SqlEventStore(t.app.get(SqlDatabase), undefined, undefined, 1);
    const { commitmentSeed: _seed, ...legacyMetadata } = stored.metadata;
    const written = await legacy.append('review-legacy-1', [{ type: stored.type, data: { ...stored.data, reviewId: 'legacy-1' }, metadata: legacyMetadata }]);
    legacyEventId = written.events[0].eventId;

    const pseudonym = (await t.http.post('/api/v1/patients/timeline').set(auth(legal)).send({ patientId: 'NL-1001' }).expect(200)).body.patientPseudonym;
    const requestId = await courtRequestFor(t, legal, 'FIELDS-1', [pseudonym]);
    const rule = (eventId: string, path: string) => ({ eventId, path, ground: GROUND });
    await t.http
      .post(`/api/v1/disclosure-requests/${requestId}/redactions`)
      .set(auth(legal))
      .send({
        redactions: [
          rule(stored.eventId, '/reason'),
          rule(stored.eventId, '/reviewer'),
          rule(stored.eventId, '/metadata/actor/subject'), // under a committed member: that member is redacted
          rule(stored.eventId, '/metadata/idempotencyKey'),
          rule(legacyEventId, '/reason'),
          rule(decisionRedacted.eventId, '/decision'), // not a committed member: the event is withheld whole
        ],
      })
      .expect(200);
    bundlePath = join(dir, 'fields.zip');
    await exportBundleTo(t, legal, requestId, bundlePath);
    bundle = await readZip(bundlePath);
    hospitalKey = t.app.get<KeyMaterial>(KEY_MATERIAL).ledgerSigning.privateKey;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.LEDGER_LEAF_FORMAT;
    else process.env.LEDGER_LEAF_FORMAT = saved;
    await t?.close();
  });

  const lines = (f: Map<string, Buffer>, name: string) => f.get(name)!.toString().trim().split('\n');
  const lineOf = (f: Map<string, Buffer>, needle: string) => lines(f, 'data/events.jsonl').find((l) => l.includes(needle))!;
  const editLine = (f: Map<string, Buffer>, needle: string, change: (ev: LineJson) => void) => {
    const ls = lines(f, 'data/events.jsonl');
    const i = ls.findIndex((l) => l.includes(needle));
    const ev = JSON.parse(ls[i]) as LineJson;
    change(ev);
    ls[i] = canonicalJson(ev);
    f.set('data/events.jsonl', Buffer.from(`${ls.join('\n')}\n`));
  };

  async function both(path: string): Promise<Verdicts> {
    const [ts, py] = await Promise.all([verifyBundle(path), verifyWithPython(path)]);
    expect({ bundle: path, pythonOk: py.ok }).toEqual({ bundle: path, pythonOk: ts.ok });
    return { ts, py };
  }

  /** A forgery of the bundle: events changed, the derived files redone, manifests and the statement signed again with the hospital's own key. */
  async function forge(name: string, change: (f: Map<string, Buffer>) => void): Promise<Verdicts> {
    const f = new Map(bundle);
    change(f);
    await rederive(f, bundle);
    rebag(f, hospitalKey);
    const p = join(dir, `${name}.zip`);
    await writeZip(p, f);
    return both(p);
  }

  const rejected = (v: Verdicts, problem: RegExp) => {
    expect(v.ts.ok).toBe(false);
    expect(v.py.ok).toBe(false);
    expect(v.ts.problems.map((p) => p.problem)).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
    expect(v.py.problems.some((p) => p.file === 'data/events.jsonl')).toBe(true);
  };

  it('both accept the bundle: the redacted event is proven but for the four members; the format-1 one, and one redacted outside its committed members, withheld whole', async () => {
    const v = await both(bundlePath);
    expect(v.ts).toMatchObject({ ok: true, problems: [], redacted: 2, redactedFields: 4 });
    expect(v.py).toMatchObject({ ok: true, problems: [], redacted: 2 });
    // Every line but the withheld ones is proven: its leaf recomputed, the field-redacted one too.
    expect(v.py.eventsProven).toBe(lines(bundle, 'data/events.jsonl').length - 2);
    expect(lineOf(bundle, legacyEventId)).toContain('"$withheld"');
    expect(lineOf(bundle, `review-${decisionRedactedId}`)).toMatch(/^\{"\$withheld":\{"eventId":"[^"]+","ground":"third-party-personal-data"\}/);
    expect(bundle.get('data/events.jsonl')!.toString()).not.toContain('"decision":"modified"');

    const line = JSON.parse(lineOf(bundle, stored.eventId)) as LineJson;
    expect(line.leafFormat).toBe(2);
    expect(line.data.decision).toBe('rejected'); // what a court needs stays shown, and proven
    for (const p of ['/data/reason', '/data/reviewer', '/metadata/actor', '/metadata/idempotencyKey']) expect(line.salts[p]).toBeUndefined();
    expect(marker(line.data.reason).ground).toBe(GROUND);
    expect(line.metadata.actor).toEqual({ $redacted: { commitment: expect.stringMatching(/^[0-9a-f]{64}$/), ground: GROUND } });
    expect(line.salts['/data/patientPseudonym']).toMatch(/^[0-9a-f]{64}$/);
    expect(line.metadata.commitmentSeed).toBeUndefined();
    expect(line.seed).toBeUndefined(); // the seed would open the redacted members
    // The clean review: the seed form (ADR 0043), its seed the stored one, no salts.
    const cleanLine = JSON.parse(lineOf(bundle, cleanId)) as LineJson;
    const [cleanStored] = await t.store.readStream(`review-${cleanId}`);
    expect(cleanLine.seed).toBe(cleanStored.metadata.commitmentSeed);
    expect(cleanLine.salts).toBeUndefined();

    // The timeline shows the grounds in place of the field only.
    const row = (JSON.parse(bundle.get('data/timeline.json')!.toString()) as Array<Record<string, unknown>>).find((r) => r.position === line.globalPosition)!;
    expect(row).toMatchObject({ actor: `[redacted: ${GROUND}]`, role: `[redacted: ${GROUND}]`, decision: 'rejected', text: `[redacted: ${GROUND}]` });
    expect(bundle.get('data/plaintexts.jsonl')!.toString()).not.toContain(`"position":${line.globalPosition},`);
    const clean = (JSON.parse(bundle.get('data/timeline.json')!.toString()) as Array<Record<string, unknown>>).find((r) =>
      lineOf(bundle, cleanId).includes(`"globalPosition":${String(r.position)},`),
    )!;
    expect(clean).toMatchObject({ actor: 'alice', text: 'Second read (accepted)' });
  });

  /** A B.10a/B.10b section of VERIFY.md, worked through by the text's words: every commitment, the leaf bytes and the leaf hash. */
  function workedThrough(section: string, expectedLine: string): void {
    const md = bundle.get('data/VERIFY.md')!.toString();
    const all = md.split('\n');
    const at = all.findIndex((l) => l.startsWith(`## ${section}`));
    expect(at).toBeGreaterThan(-1);
    const next = all.findIndex((l, k) => k > at && l.startsWith('## '));
    const mdLines = all.slice(at, next === -1 ? undefined : next);
    const first = mdLines.find((l) => l.startsWith('    '))!.slice(4);
    expect(first).toBe(expectedLine);
    const line = JSON.parse(first) as LineJson & Record<string, unknown>;
    const rows = mdLines
      .map((l) => /^\| `([^`]+)` \| (`[0-9a-f]{64}`|\(redacted: [^)]*\)) \| (`.*`|—) \| `([0-9a-f]{64})` \|$/.exec(l))
      .filter((m) => m !== null);
    const redactedCount = rows.filter((r) => r[2].startsWith('(redacted')).length;
    const asSalts = structuredClone(line);
    if (line.seed) refSeedToSalts(asSalts); // the committed members by the reference's walk
    expect(rows.length).toBe(Object.keys(asSalts.salts).length + redactedCount);
    const leaf = structuredClone(line) as Record<string, unknown>;
    for (const [, pointer, saltCell, valueCell, commitment] of rows) {
      const segments = pointer.split('/').slice(1);
      const parent = segments.slice(0, -1).reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, leaf);
      const name = segments[segments.length - 1];
      if (saltCell.startsWith('(redacted')) expect(marker(parent[name]).commitment).toBe(commitment);
      else {
        const salt = saltCell.slice(1, -1);
        // The salt as B.4a says: given in `salts`, or HMAC-SHA256 keyed with `seed` over the pointer.
        expect(line.seed ? refSaltFromSeed(line.seed, pointer).toString('hex') : line.salts[pointer]).toBe(salt);
        expect(canonicalJson(parent[name])).toBe(valueCell.slice(1, -1).replace(/\\\|/g, '|'));
        // By the text's words: SHA-256 of the 32 salt bytes, then the canonical value's UTF-8.
        expect(sha256(Buffer.from(salt, 'hex'), canonicalJson(parent[name]))).toBe(commitment);
      }
      parent[name] = { $commitment: commitment };
    }
    delete leaf.globalPosition;
    delete leaf.salts;
    delete leaf.seed;
    const block = mdLines[mdLines.findIndex((l) => l.startsWith('Its leaf bytes (B.4a')) + 2].slice(4);
    expect(block).toBe(canonicalJson(leaf));
    const proof = lines(bundle, 'data/proofs.jsonl')
      .map((l) => JSON.parse(l) as { position: number; leafHash: string })
      .find((p) => p.position === line.globalPosition)!;
    expect(sha256(Buffer.from([0]), block)).toBe(proof.leafHash);
    expect(mdLines.join('\n')).toContain(`Leaf hash: \`${proof.leafHash}\``);
  }

  it('VERIFY.md works a format-2 line through (B.10a, the redacted review with its salts; B.10b, a line in the seed form): every commitment and the leaf bytes recompute from its text', () => {
    workedThrough('B.10a', lineOf(bundle, stored.eventId));
    // B.10b: the first seed-form line with committed members; the seed gives each salt (ADR 0043).
    const md = bundle.get('data/VERIFY.md')!.toString();
    const b10b = md
      .split('\n')
      .find((l, k, all) => k > all.findIndex((x) => x.startsWith('## B.10b')) && l.startsWith('    '))!
      .slice(4);
    expect(b10b).toContain('"seed":"');
    workedThrough('B.10b', b10b);
  });

  it('a guess of a redacted value cannot be confirmed from the bundle: no unsalted hash of it, no salt that opens it', () => {
    const all = [...bundle.values()].map((b) => b.toString('latin1')).join('\n');
    const line = JSON.parse(lineOf(bundle, stored.eventId)) as LineJson;
    const shown = lines(bundle, 'data/events.jsonl').map((l) => JSON.parse(l) as Partial<LineJson>);
    const salts = shown.flatMap((l) => Object.values(l.salts ?? {}));
    expect(salts.length).toBeGreaterThan(0);
    // Every seed in the bundle, and every salt it derives at the redacted members' pointers: none opens them.
    const seeds = shown.flatMap((l) => (l.seed ? [l.seed] : []));
    expect(seeds.length).toBeGreaterThan(1); // the clean reviews and the rest of the log in scope
    for (const seed of seeds) for (const p of REVIEW_POINTERS) salts.push(refSaltFromSeed(seed, p).toString('hex'));
    const redacted: Array<[unknown, string]> = [
      [stored.metadata.actor, marker(line.metadata.actor).commitment],
      [stored.data.reviewer, marker(line.data.reviewer).commitment],
      [stored.metadata.idempotencyKey, marker(line.metadata.idempotencyKey).commitment],
      [stored.data.reason, marker(line.data.reason).commitment],
    ];
    for (const [value, commitment] of redacted) {
      const text = canonicalJson(value);
      // The correct guess, hashed every way a bundle could hold it without a salt: none of it is there.
      for (const h of [sha256(text), typeof value === 'string' ? sha256(value) : sha256(JSON.stringify(value))]) expect(all).not.toContain(h);
      // Its value is not in the bundle (the reviewer's and the key's text appear only in lines where they are opened).
      expect(lineOf(bundle, stored.eventId)).not.toContain(text);
      // And no salt in the bundle opens its commitment: the salt that does is nowhere in it.
      for (const salt of salts) expect(sha256(Buffer.from(salt, 'hex'), text)).not.toBe(commitment);
    }
    expect(all).not.toContain(stored.metadata.commitmentSeed as string);
  });

  it('a fabricated redacted field (a marker with a made-up commitment) is rejected by both', async () => {
    const v = await forge('fabricated-field', (f) =>
      editLine(f, cleanId, (ev) => {
        refSeedToSalts(ev);
        ev.data.reason = { $redacted: { commitment: randomBytes(32).toString('hex'), ground: GROUND } };
        delete ev.salts['/data/reason'];
      }),
    );
    rejected(v, /does not hash to its sealed leaf/);
  });

  it('a changed value next to a redacted field is rejected by both', async () => {
    const v = await forge('changed-next-to-redacted', (f) => editLine(f, stored.eventId, (ev) => (ev.data.decision = 'accepted')));
    rejected(v, /does not hash to its sealed leaf/);
  });

  it('a fake redaction (the true commitment of a clean field, shown as redacted) is rejected by both: the decision does not name it', async () => {
    const v = await forge('fake-field-redaction', (f) =>
      editLine(f, cleanId, (ev) => {
        refSeedToSalts(ev); // the seed line, rewritten with its salts by anyone who holds it
        const salt = Buffer.from(ev.salts['/metadata/actor'], 'hex');
        ev.metadata.actor = { $redacted: { commitment: sha256(salt, canonicalJson(ev.metadata.actor)), ground: GROUND } };
        delete ev.salts['/metadata/actor'];
      }),
    );
    // The leaf is right (the commitment is the true one): only the binding to the signed decision catches it.
    expect(v.ts.problems.some((p) => /does not hash to its sealed leaf/.test(p.problem))).toBe(false);
    rejected(v, /\/metadata\/actor of event .* is shown redacted, but the bundle's redaction decision/);
  });

  it('a redaction re-grounded in its marker is rejected by both', async () => {
    const v = await forge('regrounded-field', (f) => editLine(f, stored.eventId, (ev) => (marker(ev.metadata.actor).ground = 'privilege')));
    rejected(v, /is redacted on "privilege", the redaction decision says/);
  });

  it('an altered commitment is rejected by both', async () => {
    const v = await forge('altered-commitment', (f) =>
      editLine(f, stored.eventId, (ev) => {
        const c = marker(ev.data.reviewer).commitment;
        marker(ev.data.reviewer).commitment = `${c[0] === '0' ? '1' : '0'}${c.slice(1)}`;
      }),
    );
    rejected(v, /does not hash to its sealed leaf/);
  });

  it('a redaction marker removed (the guessed value with a salt of the forger’s) is rejected by both', async () => {
    const v = await forge('marker-removed', (f) =>
      editLine(f, stored.eventId, (ev) => {
        ev.metadata.actor = stored.metadata.actor; // even the right value: the forger has no salt for it
        ev.salts['/metadata/actor'] = randomBytes(32).toString('hex');
      }),
    );
    rejected(v, /does not hash to its sealed leaf/);
  });

  it('a salt left over, or a member shown without its salt, is rejected by both', async () => {
    const extra = await forge('extra-salt', (f) => editLine(f, stored.eventId, (ev) => (ev.salts['/data/nothing'] = '00'.repeat(32))));
    rejected(extra, /the salt of \/data\/nothing opens no committed member/);
    const missing = await forge('missing-salt', (f) => editLine(f, stored.eventId, (ev) => delete ev.salts['/data/patientPseudonym']));
    rejected(missing, /\/data\/patientPseudonym is shown without its salt/);
  });

  // ADR 0043: the seed form.
  it('a line that shows its seed and claims a redaction is rejected by both, even with the true commitment and a decision that names it', async () => {
    // The redacted review's line with the seed put back (what a careless writer would leak): its
    // leaf recomputes (the marker's commitment is the true one) and the decision names the member,
    // so only the seed rule catches it.
    const v = await forge('seed-and-redaction', (f) =>
      editLine(f, stored.eventId, (ev) => {
        delete (ev as Partial<LineJson>).salts;
        ev.seed = stored.metadata.commitmentSeed as string;
      }),
    );
    expect(v.ts.problems.some((p) => /does not hash to its sealed leaf|does not name it/.test(p.problem))).toBe(false);
    rejected(v, /\/data\/reason is redacted in a line that shows its seed/);
  });

  it('a seed that does not give the committed salts, a malformed seed, or seed and salts together, is rejected by both', async () => {
    const wrong = await forge('wrong-seed', (f) => editLine(f, cleanId, (ev) => (ev.seed = randomBytes(32).toString('hex'))));
    rejected(wrong, /does not hash to its sealed leaf/);
    // The seed of another clean event in the bundle: a real seed, not this event's.
    const other = JSON.parse(lines(bundle, 'data/events.jsonl').find((l) => l.includes('"seed":"') && !l.includes(cleanId))!) as LineJson;
    const borrowed = await forge('borrowed-seed', (f) => editLine(f, cleanId, (ev) => (ev.seed = other.seed)));
    rejected(borrowed, /does not hash to its sealed leaf/);
    const malformed = await forge('malformed-seed', (f) => editLine(f, cleanId, (ev) => (ev.seed = ev.seed!.toUpperCase())));
    rejected(malformed, /the seed is not 64 lower-case hex digits/);
    const both = await forge('seed-and-salts', (f) => editLine(f, cleanId, (ev) => (ev.salts = {})));
    rejected(both, /has "salts" or "seed", not both/);
  });

  it('a seed line with a changed value is rejected by both; the same line rewritten with its derived salts is accepted by both', async () => {
    const changed = await forge('seed-line-changed', (f) => editLine(f, cleanId, (ev) => ((ev.data.reviewer as { subject: string }).subject = 'mallory')));
    rejected(changed, /does not hash to its sealed leaf/);
    // The two forms prove the same leaf: the seed form only saves bytes.
    const rewritten = await forge('seed-line-as-salts', (f) => editLine(f, cleanId, (ev) => refSeedToSalts(ev)));
    expect(rewritten.ts).toMatchObject({ ok: true, problems: [] });
    expect(rewritten.py).toMatchObject({ ok: true, problems: [] });
  });

  // Last: it changes the log.
  it('GET /ledger/verification recomputes format-1 and format-2 leaves, and finds a changed committed member', async () => {
    const auditor = await t.token('auditor', 'auditor-1');
    const ok = (await t.http.get('/api/v1/ledger/verification').set(auth(auditor)).expect(200)).body as { ok: boolean; sealed: number };
    expect(ok).toMatchObject({ ok: true, problems: [] });
    expect(ok.sealed).toBeGreaterThan(5); // format-2 leaves among them, and the format-1 one
    const db = t.app.get(SqlDatabase);
    const [row] = await db.query<{ data: string; global_position: number | string }>('SELECT data, global_position FROM events WHERE event_id = ?', [
      stored.eventId,
    ]);
    const data = JSON.parse(row.data) as { reviewer: { subject: string } };
    data.reviewer.subject = 'someone-else';
    await db.query('UPDATE events SET data = ? WHERE event_id = ?', [JSON.stringify(data), stored.eventId]);
    const bad = (await t.http.get('/api/v1/ledger/verification').set(auth(auditor)).expect(200)).body as { ok: boolean; firstBadPosition: number };
    expect(bad).toMatchObject({ ok: false, firstBadPosition: Number(row.global_position) });
  });
});
