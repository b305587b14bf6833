import { ProjectionRegistry } from '@app/event-store';
import type { Role } from '@app/identity';
import { aiSystemBody, startTestApp, type TestApp } from '../support/test-app';
import { reviewBody } from './support';

const VALID_ID = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

/**
 * Issue 20, findings 1, 2 and 5 (input): values one store accepts and the other cannot project
 * (NUL on PostgreSQL), arrays where an object is expected, prototype keys and lone surrogates
 * are refused by the validation boundary with a 400 naming the field, on every store, and
 * nothing is written. What is accepted (tab, line breaks, emoji, right-to-left text) is applied
 * by every projection.
 */
describe('Validation boundary: no poison event reaches the log (HTTP)', () => {
  let t: TestApp;
  let systemId: string;
  const tokens = {} as Record<Role, string>;

  beforeAll(async () => {
    t = await startTestApp();
    for (const role of ['admin', 'clinician', 'quality-manager', 'legal'] as const) tokens[role] = await t.token(role, `${role}-poison`);
    systemId = (await t.http.post('/api/v1/ai-systems').set('Authorization', `Bearer ${tokens.admin}`).send(aiSystemBody()).expect(201)).body.aiSystemId;
  }, 120_000);
  afterAll(() => t?.close());

  /** Sends a request that must be refused: 400 problem+json naming `field`, and no event written. */
  async function expectRefused(role: Role, method: 'post' | 'get', path: string, body: object | string | undefined, field: string) {
    const before = await t.eventCount();
    let req = t.http[method](path).set('Authorization', `Bearer ${tokens[role]}`);
    if (typeof body === 'string') req = req.set('Content-Type', 'application/json');
    const res = body === undefined ? await req : await req.send(body);
    const fields = (res.body.errors ?? []).map((e: { field: string }) => e.field);
    expect({ path, field, status: res.status, code: res.body.code, type: res.headers['content-type'], named: fields.includes(field) }).toEqual({
      path,
      field,
      status: 400,
      code: 'validation-failed',
      type: expect.stringMatching(/^application\/problem\+json/),
      named: true,
    });
    expect(await t.eventCount()).toBe(before);
    return res;
  }

  it('refuses NUL and other C0 control characters in any text, nested or not (finding 1)', async () => {
    await expectRefused('clinician', 'post', '/api/v1/reviews', reviewBody(systemId, 1, { outputReference: 'x\u0000y' }), 'outputReference');
    await expectRefused('admin', 'post', '/api/v1/ai-systems', aiSystemBody({ name: 'Chest\u0000XR' }), 'name');
    await expectRefused('admin', 'post', '/api/v1/ai-systems', aiSystemBody({ supplier: { name: 'Acme\u0007' } }), 'supplier.name');
    await expectRefused('admin', 'post', '/api/v1/ai-systems', aiSystemBody({ oversightPersons: ['alice', 'bob\u001b[31m'] }), 'oversightPersons.1');
    await expectRefused('clinician', 'post', '/api/v1/reviews', reviewBody(systemId, 2, { reason: 'form\u000cfeed' }), 'reason');
    // The refusal never repeats the text: it may be a patient's.
    const res = await expectRefused('clinician', 'post', '/api/v1/reviews', reviewBody(systemId, 3, { patientId: 'NL-SECRET-\u0000' }), 'patientId');
    expect(JSON.stringify(res.body)).not.toContain('SECRET');
    // Query values and path parameters get the same rule.
    await expectRefused('clinician', 'get', '/api/v1/reviews?reviewer=a%00b', undefined, 'reviewer');
    await expectRefused('admin', 'get', '/api/v1/ai-systems/a%01b', undefined, 'id');
  });

  it('refuses lone surrogates everywhere, and a validator that would throw on one answers 400, not 500 (finding 5)', async () => {
    await expectRefused(
      'admin',
      'post',
      '/api/v1/ai-systems',
      aiSystemBody({ supplier: { name: 'Acme', incidentContactEmail: 'vigilance\ud800@acme.example' } }),
      'supplier.incidentContactEmail',
    );
    await expectRefused('clinician', 'post', '/api/v1/reviews', reviewBody(systemId, 4, { reason: 'half a pair \udc00' }), 'reason');
    // As a JSON escape the way an attacker sends it (a UTF-8 encoder would not let it through).
    await expectRefused('admin', 'post', '/api/v1/ai-systems', JSON.stringify(aiSystemBody()).replace('ChestXR', 'Chest\\ud83dXR'), 'name');
  });

  it('refuses an array, a string or null where an object is expected (finding 2)', async () => {
    await expectRefused('admin', 'post', '/api/v1/ai-systems', aiSystemBody({ supplier: [] }), 'supplier');
    await expectRefused('admin', 'post', '/api/v1/ai-systems', aiSystemBody({ supplier: [{ name: 'Acme' }] }), 'supplier');
    await expectRefused('admin', 'post', '/api/v1/ai-systems', aiSystemBody({ supplier: 'Acme' }), 'supplier');
    await expectRefused('admin', 'post', '/api/v1/ai-systems', aiSystemBody({ supplier: null }), 'supplier');
    const disclosure = { reference: 'C/13/1', requester: [], legalBasis: 'PLD Art. 9', dueAt: '2027-01-01T00:00:00Z', scope: { aiSystemIds: [systemId] } };
    await expectRefused('legal', 'post', '/api/v1/disclosure-requests', disclosure, 'requester');
    await expectRefused('legal', 'post', '/api/v1/disclosure-requests', { ...disclosure, requester: { kind: 'court', name: 'Rechtbank' }, scope: [] }, 'scope');
    await expectRefused('legal', 'post', `/api/v1/disclosure-requests/${VALID_ID}/scope`, { scope: [], reason: 'narrower' }, 'scope');
    await expectRefused('legal', 'post', `/api/v1/disclosure-requests/${VALID_ID}/redactions`, { redactions: [[]] }, 'redactions');
    await expectRefused('legal', 'post', '/api/v1/legal-holds', { scope: [], reason: 'claim' }, 'scope');
    const criteria = { serious: true, criteria: [], wkkgzCalamity: false };
    await expectRefused('quality-manager', 'post', `/api/v1/incidents/${VALID_ID}/classification`, criteria, 'criteria');
  });

  it('refuses __proto__, constructor and prototype keys with a 400 naming them instead of dropping them (finding 5)', async () => {
    const body = JSON.stringify(aiSystemBody());
    await expectRefused('admin', 'post', '/api/v1/ai-systems', `${body.slice(0, -1)},"__proto__":{"admin":true}}`, '__proto__');
    await expectRefused('admin', 'post', '/api/v1/ai-systems', `${body.slice(0, -1)},"constructor":{"prototype":{"x":1}}}`, 'constructor');
    await expectRefused('admin', 'post', '/api/v1/ai-systems', body.replace('"supplier":{', '"supplier":{"__proto__":{"name":"x"},'), 'supplier.__proto__');
    await expectRefused('clinician', 'get', '/api/v1/reviews?__proto__=x', undefined, '__proto__');
  });

  it('accepts tab, line breaks, emoji and right-to-left text, and every projection applies them (accepted means projected)', async () => {
    const name = 'ChestXR\t🏥 \u202eטריאז\u202c v2';
    const sys = await t.http
      .post('/api/v1/ai-systems')
      .set('Authorization', `Bearer ${tokens.admin}`)
      .send(aiSystemBody({ name, supplier: { name: 'Acme 🩻 العربية' }, intendedPurpose: 'line one\nline two\r\nline three' }))
      .expect(201);
    const outputReference = 'pacs://studies/\t🫁/مرجع';
    const review = await t.http
      .post('/api/v1/reviews')
      .set('Authorization', `Bearer ${tokens.clinician}`)
      .send(reviewBody(sys.body.aiSystemId, 5, { outputReference, reason: 'Zweite Lesung:\r\n\tkein Befund 👍 \u05e9\u05dc\u05d5\u05dd' }))
      .expect(201);
    // Every projection reaches the head of the log (catchUp rethrows a projection's failure).
    await t.catchUp();
    const head = await t.eventCount();
    const positions = await t.app.get(ProjectionRegistry).runner.positions();
    expect(Object.entries(positions).filter(([, p]) => p !== head)).toEqual([]);
    const systems = await t.http.get('/api/v1/ai-systems').set('Authorization', `Bearer ${tokens.admin}`).expect(200);
    expect(systems.body.items.find((s: { aiSystemId: string }) => s.aiSystemId === sys.body.aiSystemId)?.name).toBe(name);
    const reviews = await t.http.get(`/api/v1/reviews?aiSystemId=${sys.body.aiSystemId}`).set('Authorization', `Bearer ${tokens.clinician}`).expect(200);
    expect(reviews.body.items.map((r: { reviewId: string; outputReference: string }) => [r.reviewId, r.outputReference])).toEqual([
      [review.body.reviewId, outputReference],
    ]);
  });
});
