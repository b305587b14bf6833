import { rolesFromClaims, sessionFromToken } from './auth';
import { authorizeUrl, challengeOf, createVerifier, readCallback, tokenRequestBody } from './pkce';

describe('PKCE (RFC 7636) for the browser sign-in', () => {
  it('derives the S256 challenge of the RFC 7636 Appendix B example', async () => {
    await expect(challengeOf('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).resolves.toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('makes verifiers of unreserved characters, of the asked length, different every time', () => {
    const verifiers = Array.from({ length: 200 }, () => createVerifier());
    for (const v of verifiers) expect(v).toMatch(/^[A-Za-z0-9\-._~]{64}$/);
    expect(new Set(verifiers).size).toBe(200);
    expect(createVerifier(43)).toHaveLength(43);
    expect(createVerifier(128)).toHaveLength(128);
    expect(() => createVerifier(42)).toThrow(RangeError);
    expect(() => createVerifier(129)).toThrow(RangeError);
    // Every one of the 66 characters turns up: no character is left out by the draw.
    expect(new Set(verifiers.join('')).size).toBe(66);
  });

  it('builds the authorization request with code_challenge_method S256', () => {
    const url = new URL(
      authorizeUrl({
        authorizationEndpoint: 'https://idp.hospital.example/realms/zorg/protocol/openid-connect/auth?kc_idp_hint=x',
        clientId: 'oversight-registry',
        redirectUri: 'https://registry.hospital.example/auth/callback',
        scope: 'openid profile',
        state: 'st',
        nonce: 'no',
        codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      }),
    );
    expect(url.origin + url.pathname).toBe('https://idp.hospital.example/realms/zorg/protocol/openid-connect/auth');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'oversight-registry',
      redirect_uri: 'https://registry.hospital.example/auth/callback',
      scope: 'openid profile',
      state: 'st',
      nonce: 'no',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
  });

  it('redeems the code with the verifier, and refuses a callback whose state is not ours', () => {
    expect(Object.fromEntries(tokenRequestBody({ code: 'c0de', redirectUri: 'https://r/cb', clientId: 'cid', verifier: 'v'.repeat(43) }))).toEqual({
      grant_type: 'authorization_code',
      code: 'c0de',
      redirect_uri: 'https://r/cb',
      client_id: 'cid',
      code_verifier: 'v'.repeat(43),
    });
    expect(readCallback('?code=abc&state=s1', 's1')).toEqual({ ok: true, code: 'abc' });
    expect(readCallback('?code=abc&state=evil', 's1')).toEqual({ ok: false, error: expect.stringMatching(/state mismatch/) });
    expect(readCallback('?code=abc&state=s1', null)).toMatchObject({ ok: false });
    expect(readCallback('?error=access_denied&error_description=no+roles&state=s1', 's1')).toEqual({ ok: false, error: 'access_denied: no roles' });
    expect(readCallback('?state=s1', 's1')).toMatchObject({ ok: false });
  });
});

describe('Role of the signed-in user', () => {
  const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

  it('reads local tokens and OIDC tokens the way the API does (claim path and role map)', () => {
    expect(sessionFromToken(jwt({ iss: 'oversight-registry-local', sub: 'alice', roles: ['clinician'], name: 'Dr. Ä', exp: 2e9 }))).toEqual({
      token: jwt({ iss: 'oversight-registry-local', sub: 'alice', roles: ['clinician'], name: 'Dr. Ä', exp: 2e9 }),
      subject: 'alice',
      name: 'Dr. Ä',
      role: 'clinician',
      expiresAt: 2e12,
    });
    const oidc = { issuer: 'https://idp', clientId: 'c', scope: 'openid', rolesClaim: 'realm_access.roles', roleMap: { Kwaliteit: 'quality-manager' } };
    expect(sessionFromToken(jwt({ iss: 'https://idp', sub: 'q', realm_access: { roles: ['offline', 'Kwaliteit'] } }), oidc).role).toBe('quality-manager');
    expect(rolesFromClaims({ scp: 'legal auditor' }, 'scp')).toEqual(['legal', 'auditor']);
    expect(() => sessionFromToken(jwt({ iss: 'https://idp', sub: 'x', realm_access: { roles: ['nurse'] } }), oidc)).toThrow('no-role');
    expect(() => sessionFromToken('not a token')).toThrow();
  });
});
