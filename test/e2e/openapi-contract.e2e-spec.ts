import { problemValidationPipe, ProblemException } from '@app/platform';
import { routeRoles } from '@app/identity';
import { type DtoClass, requestDtos, validationMetadata } from '../support/dtos';
import { startTestApp, type TestApp } from '../support/test-app';

interface Operation {
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
}

/**
 * The properties the validators themselves require: a property is required when a body that
 * leaves it out, and gives every other property some value (so conditional validators such as
 * "patientId unless patientPseudonym" are satisfied), is refused naming it.
 */
async function requiredByValidators(cls: DtoClass): Promise<string[]> {
  const properties = [...validationMetadata(cls).keys()];
  const required: string[] = [];
  for (const p of properties) {
    const others = Object.fromEntries(properties.filter((q) => q !== p).map((q) => [q, 'x']));
    try {
      await problemValidationPipe().transform(others, { type: 'body', metatype: cls });
    } catch (e) {
      if (!(e instanceof ProblemException)) throw e;
      if (e.errors?.some((f) => f.field === p)) required.push(p);
    }
  }
  return required.sort();
}

/**
 * Issue 20, finding 5: the OpenAPI document said the public acknowledgement route needs a bearer
 * token and that `medicalDevice` is required. Clients and the property test generate requests
 * from this document, so its flags are compared with what the API enforces: the validators of
 * every request DTO (bodies and query strings) and the @Public metadata the AuthGuard reads.
 */
describe('OpenAPI document matches the validators and the guard', () => {
  let t: TestApp;
  let doc: OpenApi;
  const dtos = requestDtos();

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.http.get('/docs-json').expect(200)).body;
  }, 120_000);
  afterAll(() => t?.close());

  it('marks exactly the properties the validators require as required, for every body schema', async () => {
    const drift: string[] = [];
    let compared = 0;
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      const cls = dtos.get(name);
      if (!cls) continue;
      compared++;
      const documented = [...(schema.required ?? [])].sort();
      const enforced = await requiredByValidators(cls);
      if (JSON.stringify(documented) !== JSON.stringify(enforced))
        drift.push(`${name}: documented ${JSON.stringify(documented)}, enforced ${JSON.stringify(enforced)}`);
      const missing = [...validationMetadata(cls).keys()].filter((p) => !(p in (schema.properties ?? {})));
      if (missing.length) drift.push(`${name}: validated but undocumented ${JSON.stringify(missing)}`);
    }
    expect(compared).toBeGreaterThan(20);
    expect(drift).toEqual([]);
  });

  it('marks exactly the query parameters the validators require as required', async () => {
    const drift: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const query = (op.parameters ?? []).filter((p) => p.in === 'query');
        if (!query.length) continue;
        const names = query.map((p) => p.name).sort();
        // The query DTO is the one whose properties are exactly these parameters.
        const candidates = [...dtos.values()].filter((cls) => JSON.stringify([...validationMetadata(cls).keys()].sort()) === JSON.stringify(names));
        if (!candidates.length) drift.push(`${method.toUpperCase()} ${path}: no query DTO with ${JSON.stringify(names)}`);
        for (const cls of candidates) {
          const enforced = await requiredByValidators(cls);
          const documented = query
            .filter((p) => p.required)
            .map((p) => p.name)
            .sort();
          if (JSON.stringify(documented) !== JSON.stringify(enforced))
            drift.push(`${method.toUpperCase()} ${path} (${cls.name}): documented ${JSON.stringify(documented)}, enforced ${JSON.stringify(enforced)}`);
        }
      }
    }
    expect(drift).toEqual([]);
  });

  it('marks every route but the public ones, and only those, as needing a bearer token', () => {
    const routes = routeRoles(t.app);
    expect(routes.filter((r) => r.public).length).toBeGreaterThan(0);
    const wrong = routes
      .map((r) => ({
        route: `${r.method} ${r.path}`,
        public: r.public,
        bearer: (doc.paths[r.path][r.method.toLowerCase()].security ?? []).some((s) => 'bearer' in s),
      }))
      .filter((r) => r.public === r.bearer);
    expect(wrong).toEqual([]);
  });
});
