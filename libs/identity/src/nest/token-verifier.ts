import type { KeyObject } from 'node:crypto';
import { decodeJwt } from 'jose';
import { unsafeInputProblems } from '@app/platform';
import { DEFAULT_CLOCK_SKEW_SECONDS, InvalidTokenError, LOCAL_TOKEN_ISSUER, verifyLocalToken, type Role } from '../local-tokens';
import { OidcTokenVerifier, type OidcConfig } from '../oidc-token-verifier';

export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');

export interface VerifiedToken {
  sub: string;
  /** Roles of this registry the token grants; may be empty for an IdP user without one (→ 403). */
  roles: Role[];
  name?: string;
  /** The AI system an `ai-system` token is bound to (claim `ai_system`). */
  aiSystemId?: string;
}

/** Checks a bearer token; throws InvalidTokenError on anything wrong with it. */
export interface TokenVerifier {
  verify(token: string): Promise<VerifiedToken>;
}

/** Embedded mode: EdDSA tokens minted by `registry token`. */
export class LocalTokenVerifier implements TokenVerifier {
  constructor(
    private readonly publicKey: KeyObject,
    private readonly clockSkewSeconds = DEFAULT_CLOCK_SKEW_SECONDS,
  ) {}

  async verify(token: string): Promise<VerifiedToken> {
    const v = await verifyLocalToken(this.publicKey, token, this.clockSkewSeconds);
    return { sub: v.sub, roles: v.roles, name: v.name, ...(v.aiSystemId ? { aiSystemId: v.aiSystemId } : {}) };
  }
}

/**
 * Routes each token to the verifier of its (unverified) `iss`; that verifier then checks the
 * issuer, signature and everything else, so a forged `iss` only picks which check fails.
 */
export class IssuerRoutingTokenVerifier implements TokenVerifier {
  constructor(private readonly byIssuer: ReadonlyMap<string, TokenVerifier>) {}

  async verify(token: string): Promise<VerifiedToken> {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new InvalidTokenError('malformed');
    }
    const verifier = typeof iss === 'string' ? this.byIssuer.get(iss) : undefined;
    if (!verifier) throw new InvalidTokenError('issuer');
    return verifier.verify(token);
  }
}

/**
 * The verifier the configuration asks for: local tokens only (embedded default); with OIDC
 * configured, the IdP's tokens and, unless `LOCAL_TOKENS=false`, local ones too.
 */
export function tokenVerifierFor(localPublicKey: KeyObject, oidc: OidcConfig | undefined, env: NodeJS.ProcessEnv = process.env): TokenVerifier {
  const maxAgeMs = Number(env.TOKEN_CACHE_SECONDS ?? 60) * 1000;
  if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0) throw new Error('TOKEN_CACHE_SECONDS must be a number of seconds, 0 or more');
  const verifier = uncachedTokenVerifierFor(localPublicKey, oidc, env);
  return maxAgeMs > 0 ? new CachingTokenVerifier(verifier, { maxAgeMs }) : verifier;
}

/**
 * A token's subject and name go into every event's metadata and into the access log: text the
 * stores cannot keep alike (a NUL: PostgreSQL refuses it) makes it a bad token (401), not a
 * 500 on a read or a 400 on a write. The same text rule as request bodies.
 */
export class PlainTextClaims implements TokenVerifier {
  constructor(readonly inner: TokenVerifier) {}

  async verify(token: string): Promise<VerifiedToken> {
    const v = await this.inner.verify(token);
    if (unsafeInputProblems(v.sub).length) throw new InvalidTokenError('claims', 'sub');
    if (v.name !== undefined && unsafeInputProblems(v.name).length) throw new InvalidTokenError('claims', 'name');
    return v;
  }
}

function uncachedTokenVerifierFor(localPublicKey: KeyObject, oidc: OidcConfig | undefined, env: NodeJS.ProcessEnv): TokenVerifier {
  return new PlainTextClaims(issuerVerifierFor(localPublicKey, oidc, env));
}

function issuerVerifierFor(localPublicKey: KeyObject, oidc: OidcConfig | undefined, env: NodeJS.ProcessEnv): TokenVerifier {
  const skew = Number(env.TOKEN_CLOCK_SKEW_SECONDS ?? DEFAULT_CLOCK_SKEW_SECONDS);
  if (!Number.isFinite(skew) || skew < 0) throw new Error('TOKEN_CLOCK_SKEW_SECONDS must be a number of seconds, 0 or more');
  const local = new LocalTokenVerifier(localPublicKey, skew);
  const localAllowed = (env.LOCAL_TOKENS ?? 'true').toLowerCase() !== 'false';
  if (!oidc) {
    if (!localAllowed) throw new Error('LOCAL_TOKENS=false needs OIDC_ISSUER: otherwise nobody could sign in');
    return local;
  }
  if (oidc.issuer === LOCAL_TOKEN_ISSUER) throw new Error(`OIDC_ISSUER must not be ${LOCAL_TOKEN_ISSUER}`);
  const byIssuer = new Map<string, TokenVerifier>([[oidc.issuer, new OidcTokenVerifier(oidc)]]);
  if (localAllowed) byIssuer.set(LOCAL_TOKEN_ISSUER, local);
  return new IssuerRoutingTokenVerifier(byIssuer);
}

/**
 * Remembers tokens it has verified, for at most `maxAgeMs` and never past their `exp`: a
 * clinician's client sends the same bearer token with every request, and checking its
 * signature again each time was ~9 % of the CPU of a review POST (profile in docs/adr/0025).
 * Only successes are kept, keyed by the whole token, so a token that differs in one byte is
 * verified afresh. The cost: a key withdrawn from the IdP's JWKS stops tokens already seen
 * here only after `maxAgeMs` (default 60 s, `TOKEN_CACHE_SECONDS`; 0 turns the cache off).
 */
export class CachingTokenVerifier implements TokenVerifier {
  private readonly verified = new Map<string, { token: VerifiedToken; until: number }>();

  constructor(
    private readonly inner: TokenVerifier,
    private readonly options: { maxAgeMs: number; maxEntries?: number; now?: () => number },
  ) {}

  async verify(token: string): Promise<VerifiedToken> {
    const now = this.options.now?.() ?? Date.now();
    const hit = this.verified.get(token);
    if (hit && now < hit.until) return hit.token;
    if (hit) this.verified.delete(token);
    const result = await this.inner.verify(token);
    const exp = expiryOf(token);
    if (exp !== undefined && this.options.maxAgeMs > 0) {
      // Oldest first in a Map: evict the oldest entry when full.
      if (this.verified.size >= (this.options.maxEntries ?? 10_000)) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { token: result, until: Math.min(exp * 1000, now + this.options.maxAgeMs) });
    }
    return result;
  }
}

function expiryOf(token: string): number | undefined {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}
