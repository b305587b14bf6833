import { DEFAULT_DEADLINE_POLICY, type DeadlinePolicy } from '../domain';

export const INCIDENTS_CONFIG = Symbol('INCIDENTS_CONFIG');

/** How a supplier is reached: a webhook, an email address, or both (the webhook is the default). */
export interface SupplierEndpoint {
  /** HTTPS (or, for local testing, HTTP) URL the report is POSTed to; null: no webhook. */
  url: string | null;
  /** Address the report is mailed to (needs SMTP_URL); null: no email. */
  email: string | null;
  /** Shared secret for `X-Oversight-Signature` and acknowledgement tokens. */
  secret: string;
}

/** The mail server reports are sent through (`SMTP_URL`, `SMTP_FROM`). */
export interface SmtpConfig {
  host: string;
  port: number;
  /** Implicit TLS (`smtps://`); otherwise STARTTLS. */
  secure: boolean;
  /** Refuse to send unless the connection is upgraded with STARTTLS (smtp:// only). */
  requireTLS: boolean;
  user: string | null;
  pass: string | null;
  /** Sender, e.g. `"Oversight registry" <vigilance@hospital.example>`. */
  from: string;
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
  /** Null: SMTP not configured, email reports are refused. */
  smtp: SmtpConfig | null;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`);
  return n;
}

/** Working days are counted whole: 2.5 working days has no end of day to fall due at. */
function wholeDays(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = positive(env, name, fallback);
  if (!Number.isInteger(n)) throw new Error(`${name} must be a whole number of days (got "${env[name]}")`);
  return n;
}

/** A legal setting is spelled out: anything but true or false stops the start rather than guess. */
function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new Error(`${name} must be true or false (got "${raw}")`);
  return raw === 'true';
}

/** An ISO 8601 date or date-time, normalised to an instant; unset → null. */
function instant(env: NodeJS.ProcessEnv, name: string): string | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  const t = Date.parse(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(t)) throw new Error(`${name} must be an ISO 8601 date, e.g. 2027-01-01 (got "${raw}")`);
  return new Date(t).toISOString();
}

/** Who adopted the policy values (e.g. "Raad van Bestuur, besluit 2026-11-20"); recorded in every computation. */
function adoptedBy(raw: string | undefined): string | null {
  const v = raw?.trim();
  if (!v) return null;
  if (v.length > 200) throw new Error('INCIDENT_POLICY_ADOPTED_BY must be at most 200 characters: who adopted the policy, and where');
  return v;
}

/** Reads the incident settings once at start-up; a bad value stops the start with a clear message. */
export function incidentsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): IncidentsConfig {
  return {
    policy: {
      providerInformHours: positive(env, 'INCIDENT_PROVIDER_INFORM_HOURS', DEFAULT_DEADLINE_POLICY.providerInformHours),
      authorityInformHours: positive(env, 'INCIDENT_AUTHORITY_INFORM_HOURS', DEFAULT_DEADLINE_POLICY.authorityInformHours),
      igjWorkingDays: wholeDays(env, 'INCIDENT_IGJ_WORKING_DAYS', DEFAULT_DEADLINE_POLICY.igjWorkingDays),
      liberationDayIsHoliday: flag(env, 'INCIDENT_LIBERATION_DAY_IS_HOLIDAY', DEFAULT_DEADLINE_POLICY.liberationDayIsHoliday),
      aiActBeforeApplication: flag(env, 'INCIDENT_AI_ACT_BEFORE_APPLICATION', DEFAULT_DEADLINE_POLICY.aiActBeforeApplication),
      patientInformHours: positive(env, 'INCIDENT_PATIENT_INFORM_HOURS', DEFAULT_DEADLINE_POLICY.patientInformHours),
      dataSubjectInformHours: positive(env, 'INCIDENT_DATA_SUBJECT_INFORM_HOURS', DEFAULT_DEADLINE_POLICY.dataSubjectInformHours),
      nis2AppliesFrom: instant(env, 'INCIDENT_NIS2_APPLIES_FROM'),
      adoptedBy: adoptedBy(env.INCIDENT_POLICY_ADOPTED_BY),
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
    smtp: parseSmtp(env.SMTP_URL, env.SMTP_FROM),
  };
}

/** A plain address (what goes into `mailto:`); display names belong in SMTP_FROM only. */
const EMAIL = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function parseSmtp(raw: string | undefined, from: string | undefined): SmtpConfig | null {
  if (!raw) {
    if (from) throw new Error('SMTP_FROM is set but SMTP_URL is not: set both to send reports by email');
    return null;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('SMTP_URL must be a URL: smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465 (TLS)');
  }
  if ((url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || !url.hostname) {
    throw new Error('SMTP_URL must be a URL: smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465 (TLS)');
  }
  if (!from || !/[^\s@<>]+@[^\s@<>]+/.test(from)) {
    throw new Error('SMTP_FROM must be set with SMTP_URL: the sender address, e.g. vigilance@hospital.example');
  }
  const secure = url.protocol === 'smtps:';
  const flag = url.searchParams.get('requireTLS');
  if (flag !== null && flag !== 'true' && flag !== 'false') throw new Error('SMTP_URL ?requireTLS= must be true or false');
  // Reports hold health data: outside this machine they travel encrypted unless explicitly allowed.
  const requireTLS = !secure && (flag === null ? !LOOPBACK.has(url.hostname) : flag === 'true');
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    requireTLS,
    user: url.username ? decodeURIComponent(url.username) : null,
    pass: url.password ? decodeURIComponent(url.password) : null,
    from,
  };
}

function parseSuppliers(raw: string | undefined): Record<string, SupplierEndpoint> {
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('SUPPLIER_WEBHOOKS must be JSON: {"<AI system id or supplier name>": {"url": "https://…", "email": "…", "secret": "…"}}');
  }
  const out: Record<string, SupplierEndpoint> = {};
  for (const [key, value] of Object.entries((parsed ?? {}) as Record<string, unknown>)) {
    const v = (value ?? {}) as { url?: unknown; email?: unknown; secret?: unknown };
    const url = v.url ?? null;
    const email = v.email ?? null;
    const urlOk = url === null || (typeof url === 'string' && /^https?:\/\//.test(url));
    const emailOk = email === null || (typeof email === 'string' && EMAIL.test(email));
    if (!urlOk || !emailOk || (url === null && email === null) || typeof v.secret !== 'string' || v.secret.length < 16) {
      throw new Error(`SUPPLIER_WEBHOOKS["${key}"] needs an http(s) url and/or an email address, and a secret of at least 16 characters`);
    }
    out[key.toLowerCase()] = { url: url, email: email, secret: v.secret };
  }
  return out;
}

export function supplierEndpoint(config: IncidentsConfig, aiSystemId: string, supplierName: string): SupplierEndpoint | null {
  return config.suppliers[aiSystemId.toLowerCase()] ?? config.suppliers[supplierName.toLowerCase()] ?? null;
}
