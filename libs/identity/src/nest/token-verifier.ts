import type { KeyObject } from 'node:crypto';
import { verifyLocalToken, type Role } from '../local-tokens';

export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');

export interface VerifiedToken {
  sub: string;
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
