import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROLES, type Role, rolesMarkdown, routeRoles, type RouteRoles } from '@app/identity';
import { startTestApp, type TestApp } from '../support/test-app';

const ANY_ID = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const ROLES_MD = join(__dirname, '../../docs/roles.md');

/** Fills every path parameter; the guard decides before any pipe looks at the value. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, ANY_ID);

/**
 * Walks every route of the running application — discovered from the router metadata, so routes
 * added by other contexts are covered the day they land — with no token and with each role.
 */
describe('route-by-role matrix (HTTP)', () => {
  let t: TestApp;
  let routes: RouteRoles[];
  const tokens = {} as Record<Role, string>;

  beforeAll(async () => {
    t = await startTestApp();
    routes = routeRoles(t.app);
    for (const role of ROLES) tokens[role] = await t.token(role, `${role}-walker`);
  });
  afterAll(async () => t?.close());

  const call = (r: RouteRoles, token?: string) => {
    const req = (t.http as unknown as Record<string, (p: string) => import('supertest').Test>)[r.method.toLowerCase()](concrete(r.path));
    if (token) req.set('Authorization', `Bearer ${token}`);
    return r.method === 'GET' || r.method === 'DELETE' ? req : req.send({});
  };

  it('discovers the routes of every context, the identity ones included', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'POST /api/v1/reviews',
        'GET /api/v1/reviews/{id}',
        'GET /api/v1/patients/{pseudonym}/timeline',
        'POST /api/v1/data-subjects/erasure',
        'GET /api/v1/access-log',
        'GET /health',
      ]),
    );
    expect(routes.find((r) => r.path === '/api/v1/data-subjects/erasure')!.roles).toEqual(['legal']);
    expect(routes.find((r) => r.path === '/api/v1/access-log')!.roles).toEqual(['auditor']);
  });

  it('answers 401 without a token, 403 to every role not allowed and lets every allowed role past the guard', async () => {
    // Under /fhir the same problem comes as an OperationOutcome carrying the problem's code (libs/fhir).
    const codeOf = (body: { code?: string; issue?: Array<{ details?: { coding?: Array<{ code?: string }> } }> }) =>
      body.code ?? body.issue?.[0]?.details?.coding?.[0]?.code;
    const PROBLEM = /problem\+json|fhir\+json/;
    const wrong: string[] = [];
    for (const r of routes) {
      const name = `${r.method} ${r.path}`;
      const anonymous = await call(r);
      if (r.public) {
        if ([401, 403].includes(anonymous.status)) wrong.push(`${name} public but anonymous got ${anonymous.status}`);
        continue;
      }
      if (anonymous.status !== 401 || codeOf(anonymous.body) !== 'unauthenticated' || !PROBLEM.test(anonymous.headers['content-type'])) {
        wrong.push(`${name} anonymous: ${anonymous.status} ${codeOf(anonymous.body)}`);
      }
      for (const role of ROLES) {
        const res = await call(r, tokens[role]);
        if (r.roles.includes(role)) {
          // Bodies and ids are made up: 400/404/409/422 are fine, authorisation passed.
          if (res.status === 401 || res.status === 403) wrong.push(`${name} ${role} allowed but got ${res.status} ${res.body.code}`);
        } else if (res.status !== 403 || codeOf(res.body) !== 'forbidden' || !PROBLEM.test(res.headers['content-type'])) {
          wrong.push(`${name} ${role} not allowed but got ${res.status} ${codeOf(res.body)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps docs/roles.md in step with the enforced metadata (regenerate: npm run docs:roles)', () => {
    expect(readFileSync(ROLES_MD, 'utf8')).toBe(rolesMarkdown(routes));
  });
});
