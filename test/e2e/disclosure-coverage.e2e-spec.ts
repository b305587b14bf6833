import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLOCK, type Clock } from '@app/event-store';
import { type CoverageFile, verifyBundle } from '@app/evidence';
import { KEY_MATERIAL, type KeyMaterial } from '@app/identity';
import { requirePythonVerifier, verifyWithPython } from '../support/python-verifier';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp } from '../support/test-app';
import { readZip, rebag, writeZip } from '../support/zip';
import { exportBundleTo } from '../support/bundles';

const MINUTE = 60_000;

interface Row {
  streamId: string;
  type: string;
  label: string;
  labelNl: string;
  patient: string | null;
  aiSystem: string | null;
  text: string | null;
}

/**
 * AI outputs that came by feed, inside evidence bundles (issue 25, item 3): a patient's bundle and
 * an AI system's bundle hold the outputs' streams, the timeline labels them and shows their summary
 * as a proven text, and both verifiers hold the timeline to the proven events.
 */
describe('AI outputs and coverage of oversight in evidence bundles (HTTP)', () => {
  let t: TestApp;
  let legal: string;
  let alice: string;
  let systemId: string;
  let pseudonym: string;
  const dir = mkdtempSync(join(tmpdir(), 'bundle-coverage-'));
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const start = Date.now() - 3 * 60 * MINUTE;
  const at = (minutes: number) => new Date(start + minutes * MINUTE).toISOString();
  const ref = (k: string) => `pacs://studies/cov-${k}/ai-report`;
  const output = (k: string, producedAt: string, patientId = 'NL-COV-1', ward?: string) => ({
    aiSystemId: systemId,
    modelVersion: '2.3.1',
    outputReference: ref(k),
    outputSha256: sha256Hex(`AI report ${k}`),
    patientId,
    producedAt,
    urgency: 'urgent',
    summary: `Suspected fracture ${k}`,
    ...(ward ? { ward } : {}),
  });

  beforeAll(async () => {
    requirePythonVerifier();
    t = await startTestApp();
    let admin: string;
    [legal, alice, admin] = await Promise.all([t.token('legal', 'lawyer-1'), t.token('clinician', 'alice'), t.token('admin', 'admin-1')]);
    systemId = (
      await t.http
        .post('/api/v1/ai-systems')
        .set(auth(admin))
        .send(aiSystemBody({ oversightPersons: ['alice'] }))
        .expect(201)
    ).body.aiSystemId;
    const feed = await t.token('ai-system', 'pacs-bridge', systemId);
    // Output a reviewed 12 minutes after it was produced; output b never reviewed.
    await t.http
      .post('/api/v1/ai-outputs')
      .set(auth(feed))
      .send({ outputs: [output('a', at(0)), output('b', at(10))] })
      .expect(200);
    await t.http
      .post('/api/v1/reviews')
      .set(auth(alice))
      .send({
        aiSystemId: systemId,
        modelVersion: '2.3.1',
        outputReference: ref('a'),
        outputSha256: sha256Hex('AI report a'),
        patientId: 'NL-COV-1',
        decision: 'rejected',
        reason: 'Not what the image shows',
        decidedAt: at(12),
      })
      .expect(201);
    pseudonym = (await t.http.post('/api/v1/patients/timeline').set(auth(legal)).send({ patientId: 'NL-COV-1' }).expect(200)).body.patientPseudonym;
  });
  afterAll(async () => t?.close());

  const request = async (scope: Record<string, unknown>): Promise<string> =>
    (
      await t.http
        .post('/api/v1/disclosure-requests')
        .set(auth(legal))
        .send({
          reference: 'C/13/888 / HA ZA 26-2',
          requester: { kind: 'court', name: 'Rechtbank Utrecht' },
          legalBasis: 'PLD (EU) 2024/2853 Art. 9',
          dueAt: new Date(Date.now() + 14 * 86_400_000).toISOString(),
          scope,
        })
        .expect(201)
    ).body.requestId;

  const exportBundle = async (scope: Record<string, unknown>, name: string) => {
    const path = join(dir, `${name}.zip`);
    await exportBundleTo(t, legal, await request(scope), path);
    const files = await readZip(path);
    const timeline = JSON.parse(files.get('data/timeline.json')!.toString()) as Row[];
    const listed = JSON.parse(files.get('data/completeness.json')!.toString()).streams as Array<{ streamId: string; included: boolean }>;
    const coverage = JSON.parse(files.get('data/coverage.json')!.toString()) as CoverageFile;
    const issuedAt = (JSON.parse(files.get('data/checkpoint.json')!.toString()) as { issuedAt: string }).issuedAt;
    return { path, files, timeline, listed, coverage, issuedAt };
  };

  const outputRows = (rows: Row[]) => rows.filter((r) => r.type === 'oversight.AiOutputProduced');

  /** Both verifiers' verdicts on a copy of the bundle with `change` applied, re-signed with the hospital's own key. */
  const forged = async (files: Map<string, Buffer>, name: string, change: (f: Map<string, Buffer>) => void) => {
    const f = new Map(files);
    change(f);
    rebag(f, t.app.get<KeyMaterial>(KEY_MATERIAL).ledgerSigning.privateKey);
    const p = join(dir, `${name}.zip`);
    await writeZip(p, f);
    return { ts: await verifyBundle(p), py: await verifyWithPython(p) };
  };

  it("a patient's bundle holds the outputs naming the patient, labelled, with their summary proven; both verifiers accept it", async () => {
    const { path, files, timeline, listed, coverage, issuedAt } = await exportBundle({ patientPseudonyms: [pseudonym] }, 'patient');
    const rows = outputRows(timeline);
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r).toMatchObject({
        label: 'AI output produced (by feed)',
        labelNl: 'AI-uitkomst geproduceerd (via feed)',
        patient: pseudonym,
        aiSystem: systemId,
      });
      expect(listed.find((s) => s.streamId === r.streamId)).toMatchObject({ included: true });
    }
    expect(rows.map((r) => r.text).sort()).toEqual(['Suspected fracture a', 'Suspected fracture b']);
    const ts = await verifyBundle(path);
    expect(ts.problems).toEqual([]);
    // Two summaries and the review's reason, each opened against the commitment in its leaf.
    expect(ts.texts).toEqual({ proven: 3, notProvable: 0, withheld: 0 });
    const py = await verifyWithPython(path);
    expect(py.problems).toEqual([]);
    expect(py.texts).toEqual(ts.texts);

    // Coverage (VERIFY.md B.15): a reviewed by alice 12 minutes after it was produced and overridden; b not reviewed.
    expect(coverage).toEqual({
      asOf: issuedAt,
      withheldEvents: 0,
      systems: [
        {
          aiSystemId: systemId,
          modelVersion: '2.3.1',
          produced: 2,
          reviewed: 1,
          unreviewed: 1,
          overridden: 1,
          medianMinutesToReview: 12,
          p90MinutesToReview: 12,
          // A patient's bundle holds no event of the system's own stream: its review limit is not known.
          limitMinutes: null,
          overdue: null,
        },
      ],
      wards: [
        {
          aiSystemId: systemId,
          ward: null,
          produced: 2,
          reviewed: 1,
          unreviewed: 1,
          overridden: 1,
          overdue: null,
          medianMinutesToReview: 12,
          p90MinutesToReview: 12,
        },
      ],
      outputs: [
        expect.objectContaining({
          outputReference: ref('a'),
          producedAt: at(0),
          firstReviewAt: at(12),
          reviewer: 'alice',
          decision: 'rejected',
          minutesToReview: 12,
          status: 'reviewed',
          ward: null,
          overdue: false,
        }),
        expect.objectContaining({
          outputReference: ref('b'),
          producedAt: at(10),
          firstReviewAt: null,
          reviewer: null,
          decision: null,
          minutesToReview: null,
          status: `not reviewed as of ${issuedAt}`,
          ward: null,
          overdue: null,
        }),
      ],
    });
    const html = files.get('data/report.html')!.toString();
    expect(html).toContain('Coverage of oversight / Dekking van menselijk toezicht');
    expect(html).toContain('<td>2.3.1</td><td>2</td><td>1</td><td>1</td><td>1</td><td>12</td><td>12</td>');
  });

  it('coverage of a period is as of its end: a review decided after it is not in the bundle, and the output is not reviewed as of then', async () => {
    const { path, coverage } = await exportBundle({ aiSystemIds: [systemId], from: at(5), to: at(11) }, 'period-end');
    expect(coverage).toMatchObject({
      asOf: at(11),
      systems: [{ produced: 1, reviewed: 0, unreviewed: 1, medianMinutesToReview: null, p90MinutesToReview: null }],
      outputs: [{ outputReference: ref('b'), status: `not reviewed as of ${at(11)}` }],
    });
    expect((await verifyBundle(path)).problems).toEqual([]);
    expect((await verifyWithPython(path)).problems).toEqual([]);
  });

  it('refuses an edited coverage row or figure with both verifiers, even re-signed with the hospital key', async () => {
    const { files } = await exportBundle({ patientPseudonyms: [pseudonym] }, 'coverage-to-forge');
    const edits: Array<[string, (c: CoverageFile) => void]> = [
      ['row', (c) => Object.assign(c.outputs[1], { status: 'reviewed', reviewer: 'alice', decision: 'accepted', minutesToReview: 3 })],
      ['figure', (c) => Object.assign(c.systems[0], { reviewed: 2, unreviewed: 0 })],
      ['median', (c) => Object.assign(c.systems[0], { medianMinutesToReview: 1 })],
      ['overdue', (c) => Object.assign(c.systems[0], { overdue: 0, limitMinutes: 1440 })],
      ['ward', (c) => Object.assign(c.wards[0], { ward: 'ED' })],
    ];
    for (const [name, edit] of edits) {
      const { ts, py } = await forged(files, `coverage-${name}`, (f) => {
        const c = JSON.parse(f.get('data/coverage.json')!.toString()) as CoverageFile;
        edit(c);
        f.set('data/coverage.json', Buffer.from(`${JSON.stringify(c)}\n`));
      });
      expect(ts.problems).toEqual([{ file: 'data/coverage.json', problem: expect.stringMatching(/not the coverage derived from the proven events/) }]);
      expect(py.problems).toEqual([{ file: 'data/coverage.json', problem: expect.stringMatching(/not the coverage derived from the proven events/) }]);
    }
  });

  it("an AI system's bundle holds the system's outputs in the period, by any of their events", async () => {
    // From output b's production on: output a (produced before) is out, its review is in.
    const { path, timeline } = await exportBundle({ aiSystemIds: [systemId], from: at(5) }, 'system');
    expect(outputRows(timeline).map((r) => r.text)).toEqual(['Suspected fracture b']);
    expect(timeline.some((r) => r.type === 'oversight.AiOutputReviewed')).toBe(true);
    expect((await verifyBundle(path)).problems).toEqual([]);
    expect((await verifyWithPython(path)).problems).toEqual([]);
  });

  it('refuses an edited summary, in the timeline or in its opening, with both verifiers', async () => {
    const { files } = await exportBundle({ patientPseudonyms: [pseudonym] }, 'to-forge');
    const edit = (name: string) => (f: Map<string, Buffer>) =>
      f.set(name, Buffer.from(f.get(name)!.toString().replaceAll('Suspected fracture b', 'No fracture b')));
    for (const name of ['data/timeline.json', 'data/timeline.csv']) {
      const { ts, py } = await forged(files, `edited-${name.slice(5)}`, edit(name));
      expect(ts.problems).toEqual([expect.objectContaining({ file: name, problem: expect.stringMatching(/not the timeline derived/) })]);
      expect(py.problems).toEqual([expect.objectContaining({ file: name, problem: expect.stringMatching(/not the timeline derived/) })]);
    }
    // The opening and the timeline edited together: the text no longer matches its commitment.
    const { ts, py } = await forged(files, 'edited-opening', (f) =>
      ['data/plaintexts.jsonl', 'data/timeline.json', 'data/timeline.csv'].forEach((n) => edit(n)(f)),
    );
    expect(ts.ok).toBe(false);
    expect(ts.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ file: 'data/plaintexts.jsonl', problem: expect.stringMatching(/does not match its commitment/) })]),
    );
    expect(py.ok).toBe(false);
    expect(py.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ file: 'data/plaintexts.jsonl', problem: expect.stringMatching(/does not match the commitment/) })]),
    );
  });

  it("an AI system's bundle carries the limit the system had, set before the period, and counts overdue outputs per ward; both verifiers derive it", async () => {
    // The quality manager set a 60-minute limit at minute 30; output c (ward ICU-2) came at minute 40 and waits.
    const clock = t.app.get<Clock>(CLOCK);
    clock.freeze(at(30));
    try {
      await t.http
        .post(`/api/v1/ai-systems/${systemId}/output-review-limit`)
        .set(auth(await t.token('quality-manager', 'quinn')))
        .send({ limitMinutes: 60, reason: 'Fractures: within the hour' })
        .expect(200);
    } finally {
      clock.reset();
    }
    await t.http
      .post('/api/v1/ai-outputs')
      .set(auth(await t.token('ai-system', 'pacs-bridge', systemId)))
      .send({ outputs: [output('c', at(40), 'NL-COV-2', 'ICU-2')] })
      .expect(200);
    await t.catchUp();

    // The period holds none of the system stream's events (registered at minute ~180, limit at 30): it is in the bundle all the same.
    const { path, listed, coverage } = await exportBundle({ aiSystemIds: [systemId], from: at(35), to: at(170) }, 'system-limit');
    expect(listed.find((s) => s.streamId === `ai-system-${systemId}`)).toMatchObject({ included: true });
    expect(coverage).toMatchObject({
      asOf: at(170),
      systems: [{ aiSystemId: systemId, limitMinutes: 60, produced: 1, unreviewed: 1, overdue: 1 }],
      wards: [{ aiSystemId: systemId, ward: 'ICU-2', produced: 1, unreviewed: 1, overdue: 1 }],
      outputs: [{ outputReference: ref('c'), ward: 'ICU-2', overdue: true, status: `not reviewed as of ${at(170)}` }],
    });
    // As of minute 41 the same output waits one minute: not overdue.
    const early = await exportBundle({ aiSystemIds: [systemId], from: at(35), to: at(41) }, 'system-limit-early');
    expect(early.coverage.systems).toEqual([expect.objectContaining({ limitMinutes: 60, overdue: 0 })]);
    for (const p of [path, early.path]) {
      expect((await verifyBundle(p)).problems).toEqual([]);
      expect((await verifyWithPython(p)).problems).toEqual([]);
    }
  });
});
