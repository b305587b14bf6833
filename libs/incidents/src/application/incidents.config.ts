import { DEFAULT_DEADLINE_POLICY, type DeadlinePolicy } from '../domain';

export const INCIDENTS_CONFIG = Symbol('INCIDENTS_CONFIG');

export interface SupplierEndpoint {
  /** HTTPS (or, for local testing, HTTP) URL the report is POSTed to. */
  url: string;
  /** Shared secret for `X-Oversight-Signature` and acknowledgement tokens. */
  secret: string;
}

export interface DeliveryConfig {
  enabled: boolean;
  /** First retry after this many ms; doubles per attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
  pollMs: number;
  timeoutMs: number;
}

export interface IncidentsConfig {
  policy: DeadlinePolicy;
  /** Reporter organisation named in reports. */
  organisation: string;
  /** Base URL suppliers reach this registry at (for the acknowledgement link in reports). */
  publicBaseUrl: string;
  delivery: DeliveryConfig;
  /** Keyed by AI system id or by supplier name (the system id wins). */
  suppliers: Record<string, SupplierEndpoint>;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`);
  return n;
}

/** Reads the incident settings once at start-up; a bad value stops the start with a clear message. */
export function incidentsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): IncidentsConfig {
  return {
    policy: {
      providerInformHours: positive(env, 'INCIDENT_PROVIDER_INFORM_HOURS', DEFAULT_DEADLINE_POLICY.providerInformHours),
      igjWorkingDays: positive(env, 'INCIDENT_IGJ_WORKING_DAYS', DEFAULT_DEADLINE_POLICY.igjWorkingDays),
    },
    organisation: env.HOSPITAL_NAME ?? 'Hospital (set HOSPITAL_NAME)',
    publicBaseUrl: (env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${env.PORT ?? '3000'}`).replace(/\/+$/, ''),
    delivery: {
      enabled: env.INCIDENT_DELIVERY !== 'false',
      baseDelayMs: positive(env, 'INCIDENT_DELIVERY_BASE_MS', 30_000),
      maxDelayMs: positive(env, 'INCIDENT_DELIVERY_MAX_DELAY_MS', 6 * 3_600_000),
      maxAttempts: positive(env, 'INCIDENT_DELIVERY_MAX_ATTEMPTS', 10),
      pollMs: positive(env, 'INCIDENT_DELIVERY_POLL_MS', 1_000),
      timeoutMs: positive(env, 'INCIDENT_DELIVERY_TIMEOUT_MS', 10_000),
    },
    suppliers: parseSuppliers(env.SUPPLIER_WEBHOOKS),
  };
}

function parseSuppliers(raw: string | undefined): Record<string, SupplierEndpoint> {
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('SUPPLIER_WEBHOOKS must be JSON: {"<AI system id or supplier name>": {"url": "https://…", "secret": "…"}}');
  }
  const out: Record<string, SupplierEndpoint> = {};
  for (const [key, value] of Object.entries((parsed ?? {}) as Record<string, unknown>)) {
    const v = value as Partial<SupplierEndpoint>;
    if (typeof v?.url !== 'string' || !/^https?:\/\//.test(v.url) || typeof v.secret !== 'string' || v.secret.length < 16) {
      throw new Error(`SUPPLIER_WEBHOOKS["${key}"] needs an http(s) url and a secret of at least 16 characters`);
    }
    out[key.toLowerCase()] = { url: v.url, secret: v.secret };
  }
  return out;
}

export function supplierEndpoint(config: IncidentsConfig, aiSystemId: string, supplierName: string): SupplierEndpoint | null {
  return config.suppliers[aiSystemId.toLowerCase()] ?? config.suppliers[supplierName.toLowerCase()] ?? null;
}
