import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import {
  AI_SYSTEM_CLAIM,
  aiSystemOfClaims,
  DEFAULT_CLOCK_SKEW_SECONDS,
  InvalidTokenError,
  isRole,
  reasonOf,
  refuseFutureIssuedAt,
  type Role,
} from './local-tokens';

/** How the registry trusts the hospital's identity provider (env `OIDC_*`, see docs/identity.md). */
export interface OidcConfig {
  issuer: string;
  audience: string;
  /** JWKS address; when absent it is read from the issuer's discovery document. */
  jwksUri?: string;
  /** Dot path of the roles claim, e.g. `roles` or `realm_access.roles` (Keycloak). */
  rolesClaim: string;
  /** IdP role or group name → our role(s). Without a map the claim must carry our role names. */
  roleMap?: Record<string, Role[]>;
  algorithms: string[];
  clockToleranceSeconds: number;
  /** Minimum time between JWKS refetches triggered by an unknown `kid` (jose's cooldown). */
  jwksCooldownMs: number;
  /** How long a fetched JWKS is trusted before it is fetched again. */
  jwksCacheMaxAgeMs: number;
  httpTimeoutMs: number;
}

/** Asymmetric algorithms only: an HMAC or `none` token can never come from the issuer's JWKS. */
const DEFAULT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** The identity provider (discovery or JWKS) could not be reached: 503, not the caller's fault. */
export class IdentityProviderUnavailableError extends Error {
  override readonly name = 'IdentityProviderUnavailableError';
}

/** Reads `OIDC_*`; undefined when `OIDC_ISSUER` is not set (embedded mode, local tokens only). */
export function oidcConfigFromEnv(env: NodeJS.ProcessEnv = process.env): OidcConfig | undefined {
  const issuer = env.OIDC_ISSUER?.trim();
  if (!issuer) return undefined;
  const audience = env.OIDC_AUDIENCE?.trim();
  if (!audience) throw new Error('OIDC_ISSUER is set but OIDC_AUDIENCE is not: every token must be meant for this registry');
  const jwksUri = env.OIDC_JWKS_URI?.trim() || undefined;
  if (jwksUri) checkUrl(jwksUri, 'OIDC_JWKS_URI');
  checkUrl(issuer, 'OIDC_ISSUER');
  return {
    issuer,
    audience,
    jwksUri,
    rolesClaim: env.OIDC_ROLES_CLAIM?.trim() || 'roles',
    roleMap: env.OIDC_ROLE_MAP ? parseRoleMap(env.OIDC_ROLE_MAP) : undefined,
    algorithms: env.OIDC_ALGORITHMS
      ? env.OIDC_ALGORITHMS.split(',')
          .map((a) => a.trim())
          .filter(Boolean)
      : DEFAULT_ALGORITHMS,
    clockToleranceSeconds: numberFrom(env.OIDC_CLOCK_TOLERANCE_SECONDS, DEFAULT_CLOCK_SKEW_SECONDS, 'OIDC_CLOCK_TOLERANCE_SECONDS'),
    jwksCooldownMs: numberFrom(env.OIDC_JWKS_COOLDOWN_MS, 30_000, 'OIDC_JWKS_COOLDOWN_MS'),
    jwksCacheMaxAgeMs: numberFrom(env.OIDC_JWKS_CACHE_MAX_AGE_MS, 600_000, 'OIDC_JWKS_CACHE_MAX_AGE_MS'),
    httpTimeoutMs: numberFrom(env.OIDC_HTTP_TIMEOUT_MS, 5_000, 'OIDC_HTTP_TIMEOUT_MS'),
  };
}

/** `{"idp-name": "clinician", "Kwaliteit": ["quality-manager", "auditor"]}`; unknown target roles are a start-up error. */
export function parseRoleMap(json: string): Record<string, Role[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('OIDC_ROLE_MAP is not valid JSON');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('OIDC_ROLE_MAP must be a JSON object');
  const map: Record<string, Role[]> = {};
  for (const [from, to] of Object.entries(raw as Record<string, unknown>)) {
    const targets = Array.isArray(to) ? to : [to];
    for (const t of targets) if (!isRole(t)) throw new Error(`OIDC_ROLE_MAP: "${String(t)}" (for "${from}") is not a role of this registry`);
    map[from] = targets as Role[];
  }
  return map;
}

/** The roles a verified payload grants: claim at the dot path, mapped, unknown names ignored. */
export function rolesFromClaims(payload: JWTPayload, rolesClaim: string, roleMap?: Record<string, Role[]>): Role[] {
  let value: unknown = payload;
  for (const part of rolesClaim.split('.')) {
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  }
  // IdPs send a list, a single string, or (OAuth `scope` style) a space-separated string.
  const names = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/\s+/) : [];
  const roles = new Set<Role>();
  for (const name of names) {
    if (typeof name !== 'string') continue;
    // IdP tokens carry many unrelated roles (offline_access, uma_authorization…): only mapped or known names count.
    const mapped = roleMap ? (roleMap[name] ?? []) : isRole(name) ? [name] : [];
    for (const r of mapped) roles.add(r);
  }
  return [...roles];
}

export interface VerifiedOidcToken {
  sub: string;
  roles: Role[];
  name?: string;
}

/**
 * Verifies access tokens of an OpenID Connect issuer against its JWKS. jose's remote key set caches
 * the keys and, on a token with an unknown `kid`, refetches (at most once per cooldown): the IdP's
 * key rotation needs no restart. The JWKS address comes from configuration or discovery, read
 * lazily so the registry starts while the IdP is down.
 */
export class OidcTokenVerifier {
  #jwks?: Promise<ReturnType<typeof createRemoteJWKSet>>;

  constructor(readonly config: OidcConfig) {}

  get issuer(): string {
    return this.config.issuer;
  }

  async verify(token: string): Promise<VerifiedOidcToken> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 16384) throw new InvalidTokenError('malformed');
    const jwks = await this.keySet();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.config.algorithms,
        clockTolerance: this.config.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_JWKS_TIMEOUT' || (err as Error).name === 'TypeError' || code === 'ERR_JOSE_GENERIC') {
        throw new IdentityProviderUnavailableError(`JWKS of ${this.config.issuer} unavailable: ${(err as Error).message}`);
      }
      throw new InvalidTokenError(reasonOf(err));
    }
    refuseFutureIssuedAt(payload, this.config.clockToleranceSeconds);
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new InvalidTokenError('claims', 'sub');
    const name = typeof payload.name === 'string' ? payload.name : typeof payload.preferred_username === 'string' ? payload.preferred_username : undefined;
    const roles = rolesFromClaims(payload, this.config.rolesClaim, this.config.roleMap);
    // A client-credentials token of an AI system names its system in `ai_system` (docs/identity.md).
    const aiSystemId = aiSystemOfClaims(roles, payload[AI_SYSTEM_CLAIM]);
    return { sub: payload.sub, roles, ...(name === undefined ? {} : { name }), ...(aiSystemId ? { aiSystemId } : {}) };
  }

  private keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    this.#jwks ??= this.jwksUri().then((uri) =>
      createRemoteJWKSet(new URL(uri), {
        cooldownDuration: this.config.jwksCooldownMs,
        cacheMaxAge: this.config.jwksCacheMaxAgeMs,
        timeoutDuration: this.config.httpTimeoutMs,
      }),
    );
    // A failed discovery is retried by the next request rather than remembered.
    return this.#jwks.catch((err) => {
      this.#jwks = undefined;
      throw err;
    });
  }

  private async jwksUri(): Promise<string> {
    if (this.config.jwksUri) return this.config.jwksUri;
    const url = `${this.config.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let doc: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.config.httpTimeoutMs), headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      doc = (await res.json()) as typeof doc;
    } catch (err) {
      throw new IdentityProviderUnavailableError(`OIDC discovery at ${url} failed: ${(err as Error).message}`);
    }
    // OIDC Discovery §4.3: the document must name the issuer it was fetched for.
    if (doc.issuer !== this.config.issuer || typeof doc.jwks_uri !== 'string') {
      throw new IdentityProviderUnavailableError(`OIDC discovery at ${url} does not describe issuer ${this.config.issuer}`);
    }
    checkUrl(doc.jwks_uri, 'jwks_uri');
    return doc.jwks_uri;
  }
}

function checkUrl(value: string, name: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} is not a URL`);
  }
  // Plain http only to this machine (tests, a local IdP); anything else would let a network attacker swap keys.
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new Error(`${name} must use https`);
}

function numberFrom(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number`);
  return n;
}
