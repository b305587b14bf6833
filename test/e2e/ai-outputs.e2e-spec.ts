import { PSEUDONYM_PATTERN } from '@app/identity';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp } from '../support/test-app';

const MINUTE = 60_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const after = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The AI-output feed, the worklist and coverage of oversight over real HTTP, on the store this run targets. */
describe('AI outputs by feed, worklist and coverage (HTTP)', () => {
  let t: TestApp;
  let admin: string;
  let qm: string;
  let alice: string;
  let bob: string;
  let feed: string;
  let otherFeed: string;
  let systemId: string;
  let otherSystemId: string;
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  // A critical output 90 minutes old, an urgent one 2 hours old, a routine one 10 minutes old.
  const produced = { a: ago(90 * MINUTE), b: ago(120 * MINUTE), c: ago(10 * MINUTE) };
  const output = (key: 'a' | 'b' | 'c', more: Record<string, unknown> = {}) => ({
    aiSystemId: systemId,
    modelVersion: '2.3.1',
    outputReference: `pacs://studies/feed-${key}/ai-report`,
    outputSha256: sha256Hex(`AI report ${key}`),
    patientId: `NL-FEED-${key}`,
    producedAt: produced[key],
    urgency: { a: 'critical', b: 'urgent', c: 'routine' }[key],
    summary: `Suspected pneumothorax ${key}`,
    ...more,
  });
  const batch = () => ({ outputs: [output('c'), output('a'), output('b')] });
  const post = (token: string, body: unknown) =>
    t.http
      .post('/api/v1/ai-outputs')
      .set(bearer(token))
      .send(body as object);
  const coverage = (query = '') => t.http.get(`/api/v1/ai-systems/${systemId}/coverage${query}`).set(bearer(qm));
  const worklist = (token: string, query = '') => t.http.get(`/api/v1/worklist${query}`).set(bearer(token));

  beforeAll(async () => {
    process.env.OUTPUT_REVIEW_LIMIT_MINUTES = '60';
    t = await startTestApp();
    [admin, qm, alice, bob] = await Promise.all([
      t.token('admin', 'admin-1'),
      t.token('quality-manager', 'qm-1'),
      t.token('clinician', 'alice'),
      t.token('clinician', 'bob'),
    ]);
    const sys = await t.http
      .post('/api/v1/ai-systems')
      .set(bearer(admin))
      .send(aiSystemBody({ oversightPersons: ['alice'] }))
      .expect(201);
    systemId = sys.body.aiSystemId;
    const other = await t.http
      .post('/api/v1/ai-systems')
      .set(bearer(admin))
      .send(aiSystemBody({ name: 'Other', oversightPersons: ['bob'] }))
      .expect(201);
    otherSystemId = other.body.aiSystemId;
    feed = await t.token('ai-system', 'pacs-bridge', systemId);
    otherFeed = await t.token('ai-system', 'other-bridge', otherSystemId);
  });
  afterAll(async () => {
    delete process.env.OUTPUT_REVIEW_LIMIT_MINUTES;
    await t?.close();
  });

  let fedAt: string;

  it('records a batch, one event per output, the patient pseudonymised and the summary encrypted', async () => {
    const before = await t.eventCount();
    const res = await post(feed, batch()).expect(200);
    expect(res.body).toMatchObject({ recorded: 3, duplicates: 0 });
    expect(res.body.outputs.map((o: { status: string }) => o.status)).toEqual(['recorded', 'recorded', 'recorded']);
    expect(await t.eventCount()).toBe(before + 3);
    const events = await t.store.readAll(before, 10);
    expect(events.map((e) => e.type)).toEqual(['oversight.AiOutputProduced', 'oversight.AiOutputProduced', 'oversight.AiOutputProduced']);
    const raw = JSON.stringify(events);
    expect(raw).not.toMatch(/NL-FEED-|pneumothorax/i);
    expect((events[0].data as { patientPseudonym: string }).patientPseudonym).toMatch(PSEUDONYM_PATTERN);
    expect(events[0].metadata.actor).toEqual({ subject: 'pacs-bridge', role: 'ai-system' });
    await pause(5);
    fedAt = new Date().toISOString();
    await pause(5);
  });

  it('does not duplicate a replayed batch', async () => {
    const before = await t.eventCount();
    const res = await post(feed, batch()).expect(200);
    expect(res.body).toMatchObject({ recorded: 0, duplicates: 3 });
    expect(await t.eventCount()).toBe(before);
  });

  it('refuses another digest under a recorded reference (409 naming the item), writing nothing', async () => {
    const before = await t.eventCount();
    const res = await post(feed, { outputs: [output('a', { outputReference: 'pacs://new/1' }), output('b', { outputSha256: sha256Hex('changed') })] }).expect(
      409,
    );
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body).toMatchObject({ code: 'output-digest-conflict', errors: [{ field: 'outputs.1.outputSha256' }] });
    expect(await t.eventCount()).toBe(before);
  });

  it('validates the whole batch first: one bad item is a 400 naming it, and nothing is written', async () => {
    const before = await t.eventCount();
    const { producedAt: _p, ...missing } = output('a', { outputReference: 'pacs://new/2' });
    const res = await post(feed, { outputs: [output('a', { outputReference: 'pacs://new/3' }), missing] }).expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['outputs.1.producedAt']);
    const version = await post(feed, {
      outputs: [output('a', { outputReference: 'pacs://new/4' }), output('b', { outputReference: 'pacs://new/5', modelVersion: '9.9' })],
    }).expect(422);
    expect(version.body.errors).toEqual([expect.objectContaining({ field: 'outputs.1.modelVersion' })]);
    await post(feed, { outputs: [] }).expect(400);
    await post(feed, { outputs: Array.from({ length: 1001 }, (_, i) => output('a', { outputReference: `pacs://many/${i}` })) }).expect(400);
    expect(await t.eventCount()).toBe(before);
  });

  it('lets an ai-system client post only for its own system, and do nothing else', async () => {
    const before = await t.eventCount();
    const res = await post(otherFeed, { outputs: [output('a', { outputReference: 'pacs://new/6' })] }).expect(403);
    expect(res.body).toMatchObject({ code: 'not-your-ai-system', errors: [{ field: 'outputs.0.aiSystemId' }] });
    await post(alice, batch()).expect(403);
    await t.http.get('/api/v1/reviews').set(bearer(feed)).expect(403);
    await t.http.get('/api/v1/ai-systems').set(bearer(feed)).expect(403);
    await t.http.get('/api/v1/worklist').set(bearer(feed)).expect(403);
    expect(await t.eventCount()).toBe(before);
  });

  it('shows each oversight person the outputs awaiting review, most urgent first, summaries decrypted', async () => {
    await t.catchUp();
    const res = await worklist(alice).expect(200);
    expect(res.body.items.map((i: { outputReference: string }) => i.outputReference)).toEqual([
      'pacs://studies/feed-a/ai-report',
      'pacs://studies/feed-b/ai-report',
      'pacs://studies/feed-c/ai-report',
    ]);
    expect(res.body.items[0]).toMatchObject({
      urgency: 'critical',
      aiSystemName: 'ChestXR Triage',
      summary: { text: 'Suspected pneumothorax a', erased: false },
      overdue: true,
    });
    expect(res.body.items[2]).toMatchObject({ urgency: 'routine', overdue: false });
    expect(res.body.items[1]).toMatchObject({ urgency: 'urgent', overdue: true });
    const page1 = await worklist(alice, '?limit=2').expect(200);
    const page2 = await worklist(alice, `?limit=2&cursor=${page1.body.nextCursor}`).expect(200);
    expect([...page1.body.items, ...page2.body.items].map((i: { outputId: string }) => i.outputId)).toEqual(
      res.body.items.map((i: { outputId: string }) => i.outputId),
    );
    expect(page2.body.nextCursor).toBeNull();
    expect((await worklist(bob).expect(200)).body.items).toEqual([]);
  });

  let reviewOfC: string;

  it('marks an output reviewed by a review of the same system and reference; coverage counts it', async () => {
    const review = (key: 'a' | 'c', decision: string, decidedAt: string) => ({
      aiSystemId: systemId,
      modelVersion: '2.3.1',
      outputReference: `pacs://studies/feed-${key}/ai-report`,
      outputSha256: sha256Hex(`AI report ${key}`),
      patientId: `NL-FEED-${key}`,
      decision,
      reason: decision === 'accepted' ? undefined : 'Not what the image shows',
      decidedAt,
    });
    await t.http
      .post('/api/v1/reviews')
      .set(bearer(alice))
      .send(review('a', 'rejected', after(produced.a, 5 * MINUTE)))
      .expect(201);
    const c = await t.http
      .post('/api/v1/reviews')
      .set(bearer(alice))
      .send(review('c', 'accepted', after(produced.c, MINUTE)))
      .expect(201);
    reviewOfC = c.body.reviewId;
    // A review of an output that never came by feed still works, and counts for no fed output.
    await t.http
      .post('/api/v1/reviews')
      .set(bearer(alice))
      .send({ ...review('a', 'accepted', ago(MINUTE)), outputReference: 'pacs://manual/1' })
      .expect(201);
    await t.catchUp();

    expect((await worklist(alice).expect(200)).body.items.map((i: { urgency: string }) => i.urgency)).toEqual(['urgent']);
    const res = await coverage().expect(200);
    expect(res.body).toMatchObject({
      aiSystemId: systemId,
      produced: 3,
      reviewed: 2,
      unreviewed: 1,
      overridden: 1,
      overdue: 1,
      limitMinutes: 60,
      timeToReviewSeconds: { median: 60, p90: 300 },
    });
    // The reviewed critical output is older than the limit too: only the unreviewed one counts.
    expect((await t.http.get('/metrics').expect(200)).text).toMatch(new RegExp(`^oversight_ai_outputs_overdue\\{ai_system="${systemId}"\\} 1$`, 'm'));
  });

  it('filters coverage by period and version', async () => {
    expect((await coverage(`?from=${encodeURIComponent(ago(60 * MINUTE))}`).expect(200)).body).toMatchObject({ produced: 1, reviewed: 1, overdue: 0 });
    expect((await coverage(`?to=${encodeURIComponent(ago(60 * MINUTE))}`).expect(200)).body).toMatchObject({
      produced: 2,
      reviewed: 1,
      overridden: 1,
      overdue: 1,
    });
    expect((await coverage('?version=9.9').expect(200)).body).toMatchObject({ produced: 0, timeToReviewSeconds: { median: null, p90: null } });
    const bad = await coverage('?from=yesterday').expect(400);
    expect(bad.body.errors[0].field).toBe('from');
  });

  it('reconstructs coverage as of any date: a later withdrawal and later reviews are not yet known then', async () => {
    const current = await t.http.get(`/api/v1/reviews/${reviewOfC}`).set(bearer(alice)).expect(200);
    await pause(5);
    const beforeWithdrawal = new Date().toISOString();
    await pause(5);
    await t.http
      .post(`/api/v1/reviews/${reviewOfC}/withdrawal`)
      .set(bearer(alice))
      .set('If-Match', current.headers.etag)
      .send({ reason: 'Entered for the wrong study' })
      .expect(200);
    await t.catchUp();
    expect((await coverage().expect(200)).body).toMatchObject({ produced: 3, reviewed: 1, unreviewed: 2 });
    expect((await coverage(`?asOf=${encodeURIComponent(beforeWithdrawal)}`).expect(200)).body).toMatchObject({ produced: 3, reviewed: 2 });
    expect((await coverage(`?asOf=${encodeURIComponent(fedAt)}`).expect(200)).body).toMatchObject({ produced: 3, reviewed: 0, unreviewed: 3, overdue: 2 });
    expect((await coverage(`?asOf=${encodeURIComponent(ago(24 * 60 * MINUTE))}`).expect(200)).body).toMatchObject({ produced: 0 });
    expect((await worklist(alice).expect(200)).body.items.map((i: { urgency: string }) => i.urgency)).toEqual(['urgent', 'routine']);
  });

  it('counts an output fed after its review as reviewed', async () => {
    const decidedAt = ago(2 * MINUTE);
    await t.http
      .post('/api/v1/reviews')
      .set(bearer(alice))
      .send({
        aiSystemId: systemId,
        modelVersion: '2.3.1',
        outputReference: 'pacs://late/1',
        outputSha256: sha256Hex('late'),
        patientId: 'NL-LATE',
        decision: 'accepted',
        decidedAt,
      })
      .expect(201);
    await post(feed, { outputs: [output('a', { outputReference: 'pacs://late/1', outputSha256: sha256Hex('late'), producedAt: ago(3 * MINUTE) })] }).expect(
      200,
    );
    await t.catchUp();
    expect((await coverage().expect(200)).body).toMatchObject({ produced: 4, reviewed: 2 });
    const waiting = (await worklist(alice).expect(200)).body.items.map((i: { outputReference: string }) => i.outputReference);
    expect(waiting).toHaveLength(2);
    expect(waiting).not.toContain('pacs://late/1');
  });

  it('lets only quality, legal and audit read coverage, and only clinicians their worklist', async () => {
    await t.http.get(`/api/v1/ai-systems/${systemId}/coverage`).set(bearer(alice)).expect(403);
    await t.http.get(`/api/v1/ai-systems/${systemId}/coverage`).set(bearer(feed)).expect(403);
    await worklist(qm).expect(403);
  });
});
