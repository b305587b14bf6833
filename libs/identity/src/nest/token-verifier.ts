import type { KeyObject } from 'node:crypto';
import { decodeJwt } from 'jose';
import { InvalidTokenError, LOCAL_TOKEN_ISSUER, verifyLocalToken, type Role } from '../local-tokens';
import { OidcTokenVerifier, type OidcConfig } from '../oidc-token-verifier';

export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');

export interface VerifiedToken {
  sub: string;
  /** Roles of this registry the token grants; may be empty for an IdP user without one (→ 403). */
  roles: Role[];
  name?: string;
}

/** Checks a bearer token; throws InvalidTokenError on anything wrong with it. */
export interface TokenVerifier {
  verify(token: string): Promise<VerifiedToken>;
}

/** Embedded mode: EdDSA tokens minted by `registry token`. */
export class LocalTokenVerifier implements TokenVerifier {
  constructor(private readonly publicKey: KeyObject) {}

  async verify(token: string): Promise<VerifiedToken> {
    const v = await verifyLocalToken(this.publicKey, token);
    return { sub: v.sub, roles: v.roles, name: v.name };
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
  const local = new LocalTokenVerifier(localPublicKey);
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
