import { createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

export const ROLES = ['clinician', 'quality-manager', 'legal', 'auditor', 'admin', 'ai-system'] as const;
export type Role = (typeof ROLES)[number];

/** The machine role: an AI system (or the integration engine on its behalf) posting its outputs. */
export const AI_SYSTEM_ROLE = 'ai-system' satisfies Role;
/** The roles of people: a route without @Roles admits these, never a machine client. */
export const HUMAN_ROLES: readonly Role[] = ROLES.filter((r) => r !== AI_SYSTEM_ROLE);

/** Claim naming the one AI system an `ai-system` token may post outputs for. */
export const AI_SYSTEM_CLAIM = 'ai_system';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The AI system a token is bound to: an `ai-system` token must name exactly one (a UUID), any
 * other token must name none, so the binding cannot be smuggled onto a person's token.
 */
export function aiSystemOfClaims(roles: readonly Role[], claim: unknown): string | undefined {
  if (!roles.includes(AI_SYSTEM_ROLE)) {
    if (claim !== undefined) throw new InvalidTokenError('claims', AI_SYSTEM_CLAIM);
    return undefined;
  }
  if (roles.length !== 1 || typeof claim !== 'string' || !UUID.test(claim)) throw new InvalidTokenError('claims', AI_SYSTEM_CLAIM);
  return claim.toLowerCase();
}

export const LOCAL_TOKEN_ISSUER = 'oversight-registry-local';
export const LOCAL_TOKEN_AUDIENCE = 'oversight-registry';
export const LOCAL_TOKEN_ALG = 'EdDSA';
export const DEFAULT_TOKEN_TTL_SECONDS = 8 * 60 * 60;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export type InvalidTokenReason =
  'malformed' | 'expired' | 'not-yet-valid' | 'signature' | 'algorithm' | 'issuer' | 'audience' | 'claims' | 'unknown-role' | 'unknown-key';

const REASON_TEXT: Record<InvalidTokenReason, string> = {
  malformed: 'token is malformed',
  expired: 'token has expired',
  'not-yet-valid': 'token is not yet valid',
  signature: 'token signature is invalid',
  algorithm: 'token algorithm is not allowed',
  issuer: 'token issuer is not accepted',
  audience: 'token audience is not accepted',
  claims: 'token claims are invalid',
  'unknown-role': 'token carries an unknown role',
  'unknown-key': 'token is signed with a key the issuer does not publish',
};

/** The token was rejected; `reason` says why (the message never echoes the token). */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
  constructor(
    readonly reason: InvalidTokenReason,
    detail?: string,
  ) {
    super(`Invalid token: ${REASON_TEXT[reason]}${detail ? ` (${detail})` : ''}`);
  }
}

export interface LocalTokenClaims {
  sub: string;
  role: Role;
  name?: string;
  /** For the `ai-system` role: the AI system (id) the token may post outputs for. */
  aiSystem?: string;
  /** Lifetime; default 8 hours. */
  ttlSeconds?: number;
}

export interface VerifiedLocalToken {
  sub: string;
  roles: Role[];
  name?: string;
  /** Set for an `ai-system` token only. */
  aiSystemId?: string;
}

/**
 * Issues a local (development / embedded) access token: an EdDSA (Ed25519) JWT with issuer
 * `oversight-registry-local`, audience `oversight-registry`, the signing key's `kid` in the
 * header and the claim `roles: [role]`.
 */
export async function issueLocalToken(signing: { privateKey: KeyObject; kid: string }, claims: LocalTokenClaims): Promise<string> {
  if (typeof claims.sub !== 'string' || claims.sub.trim().length === 0) throw new TypeError('sub must be non-empty');
  if (!isRole(claims.role)) throw new TypeError(`role must be one of ${ROLES.join(', ')}`);
  if (claims.name !== undefined && typeof claims.name !== 'string') throw new TypeError('name must be a string');
  const ttl = claims.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  if (!Number.isFinite(ttl) || ttl <= 0) throw new TypeError('ttlSeconds must be a positive number');
  if (signing.privateKey.type !== 'private' || signing.privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('The signing key must be an Ed25519 private key');
  }

  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { roles: [claims.role] };
  if (claims.name !== undefined) payload.name = claims.name;
  if (claims.aiSystem !== undefined) payload[AI_SYSTEM_CLAIM] = claims.aiSystem;
  try {
    aiSystemOfClaims([claims.role], payload[AI_SYSTEM_CLAIM]);
  } catch {
    throw new TypeError(`aiSystem must be the UUID of an AI system, given with the role ${AI_SYSTEM_ROLE} and only with it`);
  }
  return new SignJWT(payload)
    .setProtectedHeader({ alg: LOCAL_TOKEN_ALG, typ: 'JWT', kid: signing.kid })
    .setIssuer(LOCAL_TOKEN_ISSUER)
    .setAudience(LOCAL_TOKEN_AUDIENCE)
    .setSubject(claims.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + Math.floor(ttl))
    .setJti(randomUUID())
    .sign(signing.privateKey);
}

/** Allowed difference between the issuer's clock and ours, for `iat` (and `nbf`/`exp`) checks. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;

/**
 * Refuses a token issued in the future beyond the clock skew: jose checks `iat` only together
 * with a maximum token age, and a token dated ahead would outlive the lifetime its issuer meant.
 */
export function refuseFutureIssuedAt(payload: { iat?: unknown }, clockSkewSeconds: number, nowMs = Date.now()): void {
  if (typeof payload.iat === 'number' && payload.iat > nowMs / 1000 + clockSkewSeconds) throw new InvalidTokenError('not-yet-valid', 'iat');
}

/**
 * Verifies a local token: algorithm EdDSA, signature under `publicKey`, issuer, audience,
 * expiry (and `nbf` if present), `iat` not in the future (beyond `clockSkewSeconds`), and that
 * every role is known. Any failure throws InvalidTokenError.
 */
export async function verifyLocalToken(publicKey: KeyObject, token: string, clockSkewSeconds = DEFAULT_CLOCK_SKEW_SECONDS): Promise<VerifiedLocalToken> {
  if (typeof token !== 'string' || token.length === 0 || token.length > 8192) {
    throw new InvalidTokenError('malformed');
  }
  const key = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: [LOCAL_TOKEN_ALG],
      issuer: LOCAL_TOKEN_ISSUER,
      audience: LOCAL_TOKEN_AUDIENCE,
      typ: 'JWT',
      requiredClaims: ['sub', 'exp', 'iat'],
    }));
  } catch (err) {
    throw new InvalidTokenError(reasonOf(err));
  }
  refuseFutureIssuedAt(payload, clockSkewSeconds);

  const { sub, roles, name, [AI_SYSTEM_CLAIM]: aiSystem } = payload;
  if (typeof sub !== 'string' || sub.length === 0) throw new InvalidTokenError('claims', 'sub');
  if (!Array.isArray(roles) || roles.length === 0) throw new InvalidTokenError('claims', 'roles');
  if (!roles.every(isRole)) throw new InvalidTokenError('unknown-role');
  if (name !== undefined && typeof name !== 'string') throw new InvalidTokenError('claims', 'name');
  const aiSystemId = aiSystemOfClaims(roles, aiSystem);
  return { sub, roles: [...roles], ...(name === undefined ? {} : { name }), ...(aiSystemId ? { aiSystemId } : {}) };
}

/** Why jose rejected a token, as the reason the 401 problem names. */
export function reasonOf(err: unknown): InvalidTokenReason {
  const e = err as { code?: unknown; claim?: unknown; reason?: unknown };
  switch (e?.code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'unknown-key';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'signature';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'algorithm';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (e.claim === 'iss') return 'issuer';
      if (e.claim === 'aud') return 'audience';
      if (e.claim === 'nbf') return 'not-yet-valid';
      return 'claims';
    default:
      // ERR_JWS_INVALID, ERR_JWT_INVALID, key type errors, anything unexpected.
      return 'malformed';
  }
}
