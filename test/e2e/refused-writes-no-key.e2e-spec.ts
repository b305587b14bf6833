import { SqlDatabase } from '@app/event-store';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp } from '../support/test-app';

/**
 * Bad input writes nothing — not even a data subject's key. Free text is encrypted under the
 * patient's key only after the decider accepted the command (`sealing`, libs/event-store), so a
 * refused review, subject request, incident or outcome leaves no key row for a patient the registry
 * never recorded; an accepted one creates exactly one.
 */
describe('a refused write creates no subject key (HTTP, both stores)', () => {
  let t: TestApp;
  let systemId: string;
  const unknownSystem = '0193a1b2-0000-7000-8000-0000000000ff';
  const auth = async (role: Parameters<TestApp['token']>[0], sub?: string) => ({ Authorization: `Bearer ${await t.token(role, sub)}` });
  const keyRows = async () => (await t.app.get(SqlDatabase).query<{ n: number | string }>('SELECT COUNT(*) AS n FROM subject_keys'))[0].n;
  const review = (aiSystemId: string, patientId: string) => ({
    aiSystemId,
    modelVersion: '2.3.1',
    outputReference: `pacs://${patientId}`,
    outputSha256: sha256Hex(patientId),
    decision: 'rejected',
    reason: 'Missed the fracture',
    patientId,
  });

  beforeAll(async () => {
    t = await startTestApp();
    systemId = (
      await t.http
        .post('/api/v1/ai-systems')
        .set(await auth('admin'))
        .send(aiSystemBody())
        .expect(201)
    ).body.aiSystemId;
  });
  afterAll(async () => t?.close());

  it('a review of an unknown AI system: 404, no event, no key; the same review of a registered one: one key', async () => {
    const keys = Number(await keyRows());
    const events = await t.eventCount();
    await t.http
      .post('/api/v1/reviews')
      .set(await auth('clinician', 'alice'))
      .send(review(unknownSystem, 'NL-REFUSED-1'))
      .expect(404);
    expect(await t.eventCount()).toBe(events);
    expect(Number(await keyRows())).toBe(keys);
    await t.http
      .post('/api/v1/reviews')
      .set(await auth('clinician', 'alice'))
      .send(review(systemId, 'NL-REFUSED-1'))
      .expect(201);
    expect(Number(await keyRows())).toBe(keys + 1);
  });

  it('an explanation request naming an unknown AI system: 404, no event, no key', async () => {
    const keys = Number(await keyRows());
    const events = await t.eventCount();
    await t.http
      .post('/api/v1/compliance/subject-requests')
      .set(await auth('quality-manager', 'qm-1'))
      .send({ kind: 'explanation', patientId: 'NL-REFUSED-2', channel: 'letter', aiSystemId: unknownSystem, details: 'Why was I triaged yellow?' })
      .expect(404);
    expect(await t.eventCount()).toBe(events);
    expect(Number(await keyRows())).toBe(keys);
  });

  it('an incident on an unknown AI system with a narrative: refused, no event, no key', async () => {
    const keys = Number(await keyRows());
    const events = await t.eventCount();
    const res = await t.http
      .post('/api/v1/incidents')
      .set(await auth('clinician', 'alice'))
      .send({ aiSystemId: unknownSystem, narrative: 'Missed pneumothorax', patientIds: ['NL-REFUSED-3'] });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await t.eventCount()).toBe(events);
    expect(Number(await keyRows())).toBe(keys);
  });

  it('an outcome with a note whose AI finding contradicts the feed: 422, no event, no key; the same outcome right: one key', async () => {
    // Fed without a summary: the output names the patient, but no text of theirs was encrypted yet.
    const bridge = { Authorization: `Bearer ${await t.token('ai-system', 'bridge', systemId)}` };
    const output = {
      aiSystemId: systemId,
      modelVersion: '2.3.1',
      outputReference: 'pacs://fed-1',
      outputSha256: sha256Hex('fed-1'),
      patientId: 'NL-REFUSED-4',
      producedAt: new Date(Date.now() - 600_000).toISOString(),
      aiFinding: 'positive',
    };
    await t.http
      .post('/api/v1/ai-outputs')
      .set(bridge)
      .send({ outputs: [output] })
      .expect(200);
    const keys = Number(await keyRows());
    const events = await t.eventCount();
    const outcome = { aiSystemId: systemId, outputReference: 'pacs://fed-1', source: 'pathology', confirmedFinding: 'negative', note: 'Biopsy negative' };
    const qm = await auth('quality-manager', 'qm-1');
    const refused = await t.http
      .post('/api/v1/outcomes')
      .set(qm)
      .send({ ...outcome, aiFinding: 'negative' })
      .expect(422);
    expect(refused.body.errors[0].field).toBe('aiFinding');
    expect(await t.eventCount()).toBe(events);
    expect(Number(await keyRows())).toBe(keys);
    await t.http.post('/api/v1/outcomes').set(qm).send(outcome).expect(201);
    expect(Number(await keyRows())).toBe(keys + 1);
  });
});
