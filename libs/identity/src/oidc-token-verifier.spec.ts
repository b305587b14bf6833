import { generateKeyPairSync } from 'node:crypto';
import { oidcConfigFromEnv, OidcTokenVerifier, IdentityProviderUnavailableError, rolesFromClaims } from './oidc-token-verifier';
import { IssuerRoutingTokenVerifier, LocalTokenVerifier, type PlainTextClaims, tokenVerifierFor } from './nest/token-verifier';

describe('OIDC configuration', () => {
  const base = { OIDC_ISSUER: 'https://idp.hospital.example/realms/zorg', OIDC_AUDIENCE: 'oversight-registry' };

  it('is off without OIDC_ISSUER and reads defaults otherwise', () => {
    expect(oidcConfigFromEnv({})).toBeUndefined();
    expect(oidcConfigFromEnv(base)).toMatchObject({ rolesClaim: 'roles', jwksUri: undefined, jwksCooldownMs: 30_000 });
    expect(oidcConfigFromEnv(base)!.algorithms).not.toContain('HS256');
  });

  it('refuses unsafe or incomplete settings at start-up', () => {
    expect(() => oidcConfigFromEnv({ OIDC_ISSUER: base.OIDC_ISSUER })).toThrow(/OIDC_AUDIENCE/);
    expect(() => oidcConfigFromEnv({ ...base, OIDC_ISSUER: 'http://idp.example' })).toThrow(/https/);
    expect(() => oidcConfigFromEnv({ ...base, OIDC_ROLE_MAP: '{"x": "superuser"}' })).toThrow(/not a role/);
    expect(() => oidcConfigFromEnv({ ...base, OIDC_ROLE_MAP: '[' })).toThrow(/JSON/);
  });

  it('reads roles at a dot path as a list or a space-separated string, ignoring names it does not know', () => {
    const payload = { realm_access: { roles: ['offline_access', 'auditor', 'legal'] }, scope: 'openid clinician' };
    expect(rolesFromClaims(payload, 'realm_access.roles')).toEqual(['auditor', 'legal']);
    expect(rolesFromClaims(payload, 'scope')).toEqual(['clinician']);
    expect(rolesFromClaims(payload, 'missing.path')).toEqual([]);
    expect(rolesFromClaims({ groups: ['Kwaliteit', 'other'] }, 'groups', { Kwaliteit: ['quality-manager', 'auditor'] })).toEqual([
      'quality-manager',
      'auditor',
    ]);
  });

  it('chooses verifiers by issuer, and refuses a set-up where nobody could sign in', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    // Every verifier is wrapped in the claims' text check (token-verifier.spec.ts).
    const inner = (v: unknown) => (v as PlainTextClaims).inner;
    expect(inner(tokenVerifierFor(publicKey, undefined, { TOKEN_CACHE_SECONDS: '0' }))).toBeInstanceOf(LocalTokenVerifier);
    expect(inner(tokenVerifierFor(publicKey, oidcConfigFromEnv(base), { TOKEN_CACHE_SECONDS: '0' }))).toBeInstanceOf(IssuerRoutingTokenVerifier);
    expect(() => tokenVerifierFor(publicKey, undefined, { LOCAL_TOKENS: 'false' })).toThrow(/OIDC_ISSUER/);
  });

  it('reports an unreachable identity provider as unavailable, not as a bad token', async () => {
    const verifier = new OidcTokenVerifier({ ...oidcConfigFromEnv({ ...base, OIDC_ISSUER: 'http://127.0.0.1:9/realms/x' })!, httpTimeoutMs: 500 });
    const token = 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJpc3MiOiJ4In0.c2ln';
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(IdentityProviderUnavailableError);
  });
});
