import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { storageConfigFromEnv } from '@app/event-store';
import { blobStoreConfigFromEnv } from '@app/retention';

/**
 * docker-compose.yml and the Dockerfile cannot be run here (no container engine): this checks
 * what can be checked without one — valid YAML, one api service per store whose environment the
 * registry's own configuration reader maps to that store, health checks for what others wait on,
 * the insecure KurrentDB mode marked dev-only, and a multi-stage, non-root image with a HEALTHCHECK.
 */
const root = join(__dirname, '..');
const composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
  restart?: string;
}
const compose = parse(composeText) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;

/** Compose's `${VAR}` / `${VAR:?message}` interpolation, with a stand-in value for every variable. */
function interpolate(env: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{([A-Z_]+)[^}]*\}/g, 'secret-$1')]));
}

describe('docker-compose.yml', () => {
  it('is valid YAML without warnings', () => {
    const doc = parseDocument(composeText);
    expect(doc.errors).toEqual([]);
    expect(doc.warnings).toEqual([]);
  });

  it('has an api service for each store, and the registry reads each environment as that store', () => {
    const stores = Object.fromEntries(
      Object.entries(services)
        .filter(([, s]) => s.build !== undefined)
        .map(([name, s]) => {
          const env = interpolate(s.environment);
          const config = storageConfigFromEnv(env);
          const blobs = blobStoreConfigFromEnv(config.dataDir, env).kind;
          return [name, { sql: config.kind, events: config.eventStoreUrl ? 'kurrentdb' : config.kind, blobs, profiles: s.profiles ?? [] }];
        }),
    );
    expect(stores).toEqual({
      api: { sql: 'postgres', events: 'postgres', blobs: 'filesystem', profiles: [] },
      'api-kurrentdb': { sql: 'postgres', events: 'kurrentdb', blobs: 'filesystem', profiles: ['kurrentdb'] },
      'api-embedded': { sql: 'sqlite', events: 'sqlite', blobs: 'filesystem', profiles: ['embedded'] },
      'api-s3': { sql: 'postgres', events: 'postgres', blobs: 's3', profiles: ['s3'] },
    });
    // Its artefacts are in the bucket: its events must not mix with the default api's.
    expect(services['api-s3'].environment!.DATABASE_SCHEMA).toBeTruthy();
    // The KurrentDB api talks to the compose service, in the same (insecure, dev) mode it runs in.
    expect(services['api-kurrentdb'].environment!.EVENT_STORE_URL).toBe('kurrentdb://kurrentdb:2113?tls=false');
    // Its read models never mix with the PostgreSQL api's tables (another event log).
    expect(services['api-kurrentdb'].environment!.DATABASE_SCHEMA).toBeTruthy();
  });

  it('gives every service a waited-on dependency with a health check (or a one-shot job run to success), in the same profile', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        const oneShot = services[dep].restart === 'no';
        expect([name, dep, condition]).toEqual([name, dep, oneShot ? 'service_completed_successfully' : 'service_healthy']);
        if (!oneShot) expect(services[dep].healthcheck?.test.length).toBeGreaterThan(0);
        for (const p of services[dep].profiles ?? []) expect(s.profiles ?? []).toContain(p);
      }
    }
    expect(services.postgres.healthcheck!.test.join(' ')).toContain('pg_isready');
    expect(services.kurrentdb.healthcheck!.test.join(' ')).toContain('/health/live');
    expect(services.minio.healthcheck!.test.join(' ')).toContain('mc ready');
  });

  it('runs the official KurrentDB image at a pinned version, insecure mode marked dev-only, port on localhost only', () => {
    const k = services.kurrentdb;
    expect(k.image).toMatch(/^docker\.kurrent\.io\/kurrent-latest\/kurrentdb:\d+\.\d+\.\d+$/);
    expect(k.profiles).toEqual(['kurrentdb']);
    expect(k.environment!.KURRENTDB_INSECURE).toBe('true');
    const lines = composeText.split('\n');
    const at = lines.findIndex((l) => l.includes('KURRENTDB_INSECURE'));
    expect(lines.slice(at - 3, at).join('\n')).toMatch(/DEV ONLY.*INSECURE[\s\S]*never production/);
    expect(k.ports!.every((p) => p.startsWith('127.0.0.1:'))).toBe(true);
  });

  it('keeps data in named volumes and secrets out of the file', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of (s as { volumes?: string[] }).volumes ?? []) expect([name, v.split(':')[0] in compose.volumes]).toEqual([name, true]);
      for (const key of ['POSTGRES_PASSWORD', 'PSEUDONYM_KEY', 'MASTER_KEY', 'MINIO_ROOT_PASSWORD', 'AWS_SECRET_ACCESS_KEY']) {
        const value = s.environment?.[key];
        if (value !== undefined) expect(value).toMatch(/^\$\{[A-Z_]+:\?/);
      }
    }
  });
});

describe('Dockerfile', () => {
  const lines = readFileSync(join(root, 'Dockerfile'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'));
  const from = lines.map((l, i) => [l, i] as const).filter(([l]) => /^FROM /i.test(l));

  it('builds in stages and runs as a non-root user with a HEALTHCHECK on /health', () => {
    expect(from.length).toBeGreaterThanOrEqual(2);
    const runtime = lines.slice(from[from.length - 1][1]);
    expect(runtime.some((l) => /^COPY --from=build /.test(l))).toBe(true);
    const user = runtime.filter((l) => /^USER /.test(l)).pop();
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)\b/);
    const health = runtime.findIndex((l) => /^HEALTHCHECK /.test(l));
    expect(health).toBeGreaterThan(-1);
    expect(runtime.slice(health, health + 2).join(' ')).toContain('/health');
    // The runtime stage gets no compilers: those stay in the build stage.
    expect(runtime.join('\n')).not.toMatch(/g\+\+|python3/);
  });
});
