import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { KEY_MATERIAL, type KeyMaterial, LOCAL_TOKEN_AUDIENCE, LOCAL_TOKEN_ISSUER } from '@app/identity';
import { startTestApp, type TestApp } from '../support/test-app';

type SigningKey = { kid: string; alg: 'RS256' | 'ES256'; privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']; jwk: JWK };

async function newKey(kid: string, alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A small, real OpenID provider: discovery and JWKS over HTTP on 127.0.0.1; tokens are signed by the test. */
class LocalIssuer {
  server!: Server;
  issuer = '';
  published: SigningKey[] = [];
  jwksFetches = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = req.url?.replace(/^\/realms\/hospital/, '');
      if (path === '/.well-known/openid-configuration') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ issuer: this.issuer, jwks_uri: `${this.issuer}/jwks`, id_token_signing_alg_values_supported: ['RS256', 'ES256'] }));
      } else if (path === '/jwks') {
        this.jwksFetches++;
        res.setHeader('content-type', 'application/jwk-set+json');
        res.end(JSON.stringify({ keys: this.published.map((k) => k.jwk) }));
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/realms/hospital`;
  }

  sign(key: SigningKey, claims: Record<string, unknown>, options: { iss?: string; aud?: string; iat?: number; exp?: number; sub?: string } = {}) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(options.iss ?? this.issuer)
      .setAudience(options.aud ?? 'oversight-registry')
      .setSubject(options.sub ?? 'employee-4711')
      .setIssuedAt(options.iat ?? now)
      .setExpirationTime(options.exp ?? now + 300)
      .sign(key.privateKey);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('OIDC bearer tokens from the hospital identity provider (HTTP)', () => {
  const idp = new LocalIssuer();
  let t: TestApp;
  let rsa: SigningKey;
  let ec: SigningKey;
  const env = { ...process.env };
  const keycloakRoles = (...roles: string[]) => ({ realm_access: { roles: ['offline_access', ...roles] } });
  const get = (token: string) => t.http.get('/api/v1/reviews').set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    await idp.start();
    [rsa, ec] = await Promise.all([newKey('rsa-1', 'RS256'), newKey('ec-1', 'ES256')]);
    idp.published = [rsa, ec];
    Object.assign(process.env, {
      OIDC_ISSUER: idp.issuer,
      OIDC_AUDIENCE: 'oversight-registry',
      OIDC_ROLES_CLAIM: 'realm_access.roles',
      OIDC_ROLE_MAP: JSON.stringify({
        'ai-reviewer': 'clinician',
        kwaliteit: ['quality-manager'],
        'juridische-zaken': 'legal',
        auditor: 'auditor',
        'ai-feed': 'ai-system',
      }),
      // The rotation case below must not wait out jose's default 30 s cooldown.
      OIDC_JWKS_COOLDOWN_MS: '0',
      AUTH_FAILURES_PER_MINUTE: '20',
    });
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
    await idp.stop();
    process.env = env;
  });

  it('accepts RS256 and ES256 tokens, mapping IdP roles at the configured claim path to ours', async () => {
    const clinician = await idp.sign(rsa, keycloakRoles('ai-reviewer'));
    const res = await get(clinician).expect(200);
    expect(res.body.items).toEqual([]);

    const legal = await idp.sign(ec, { ...keycloakRoles('juridische-zaken'), name: 'Mr. J. Jansen' }, { sub: 'jurist-7' });
    const erasure = await t.http.post('/api/v1/data-subjects/erasure').set('Authorization', `Bearer ${legal}`).send({ patientId: 'NL-OIDC-1' }).expect(200);
    // The actor recorded in the event is the IdP subject with our role.
    const [event] = await t.store.readAll(erasure.body.position - 1, 1);
    expect(event.metadata.actor).toEqual({ subject: 'jurist-7', role: 'legal' });
  });

  it('maps a client-credentials token of an AI system (role and ai_system claim) to the feed role, bound to its system', async () => {
    const system = '0193a1b2-0000-7000-8000-0000000000f1';
    const feed = await idp.sign(rsa, { ...keycloakRoles('ai-feed'), ai_system: system }, { sub: 'service-account-pacs-bridge' });
    const output = {
      aiSystemId: system,
      modelVersion: '1',
      outputReference: 'r',
      outputSha256: 'a'.repeat(64),
      patientId: 'NL-1',
      producedAt: '2026-01-01T00:00:00.000Z',
    };
    // Past the guard: the system is not registered here (404), not a 401 or 403.
    const res = await t.http
      .post('/api/v1/ai-outputs')
      .set('Authorization', `Bearer ${feed}`)
      .send({ outputs: [output] })
      .expect(404);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'outputs.0.aiSystemId' })]);
    await get(feed).expect(403);
    const unbound = await idp.sign(rsa, keycloakRoles('ai-feed'), { sub: 'service-account-x' });
    expect((await get(unbound).expect(401)).body.reason).toBe('claims');
  });

  it('keeps accepting local tokens beside the IdP (LOCAL_TOKENS is not false)', async () => {
    await get(await t.token('auditor')).expect(200);
  });

  it.each([
    ['expired', async () => idp.sign(rsa, keycloakRoles('auditor'), { exp: Math.floor(Date.now() / 1000) - 3600 }), 'expired'],
    ['for another audience', async () => idp.sign(rsa, keycloakRoles('auditor'), { aud: 'some-other-app' }), 'audience'],
    ['from an issuer we do not trust', async () => idp.sign(rsa, keycloakRoles('auditor'), { iss: 'https://evil.example/realms/x' }), 'issuer'],
    ['signed by a key the IdP does not publish', async () => idp.sign(await newKey('rogue', 'ES256'), keycloakRoles('auditor')), 'unknown-key'],
    [
      'with our issuer but a forged signature',
      async () => {
        const other = await newKey('rsa-1', 'RS256'); // same kid as the published key, different key
        return idp.sign(other, keycloakRoles('auditor'));
      },
      'signature',
    ],
    [
      'issued in the future (beyond OIDC_CLOCK_TOLERANCE_SECONDS)',
      async () => idp.sign(rsa, keycloakRoles('auditor'), { iat: Math.floor(Date.now() / 1000) + 600 }),
      'not-yet-valid',
    ],
    [
      'local, issued in the future (beyond TOKEN_CLOCK_SKEW_SECONDS)',
      async () => {
        const now = Math.floor(Date.now() / 1000);
        const { tokenSigning } = t.app.get<KeyMaterial>(KEY_MATERIAL);
        return new SignJWT({ roles: ['auditor'] })
          .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: tokenSigning.kid })
          .setIssuer(LOCAL_TOKEN_ISSUER)
          .setAudience(LOCAL_TOKEN_AUDIENCE)
          .setSubject('auditor-1')
          .setIssuedAt(now + 600)
          .setExpirationTime(now + 3600)
          .sign(tokenSigning.privateKey);
      },
      'not-yet-valid',
    ],
    ['malformed', () => Promise.resolve('abc.def.ghi'), 'malformed'],
    ['without an issuer', () => Promise.resolve('eyJhbGciOiJSUzI1NiJ9.e30.c2ln'), 'issuer'],
  ])('rejects a token %s with 401 problem+json', async (_case, make, reason) => {
    const res = await get(await make()).expect(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 401, code: 'invalid-token', reason });
  });

  it('answers 403 no-role to a valid IdP user with none of our roles (known, but not allowed)', async () => {
    for (const claims of [{}, keycloakRoles('uma_authorization')]) {
      const res = await get(await idp.sign(rsa, claims)).expect(403);
      expect(res.body).toMatchObject({ code: 'no-role', status: 403 });
    }
  });

  it('picks up a rotated signing key once the JWKS publishes it, without a restart', async () => {
    const next = await newKey('rsa-2', 'RS256');
    const token = await idp.sign(next, keycloakRoles('auditor'));
    await get(token).expect(401);
    idp.published = [next, ec];
    const before = idp.jwksFetches;
    await get(token).expect(200);
    expect(idp.jwksFetches).toBe(before + 1);
    // Cached from then on: no fetch per request.
    await get(token).expect(200);
    expect(idp.jwksFetches).toBe(before + 1);
    // The retired key's tokens fail once it is gone from the JWKS.
    await get(await idp.sign(rsa, keycloakRoles('auditor'))).expect(401);
  });

  it('answers a client that keeps sending invalid tokens with 429 and Retry-After, yet serves its valid IdP token', async () => {
    // ec-1 is still published (rsa-1 was retired above).
    const valid = await idp.sign(ec, keycloakRoles('auditor'));
    let res = await get('abc.def.ghi');
    for (let i = 0; i < 25 && res.status !== 429; i++) res = await get('abc.def.ghi');
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ code: 'too-many-failed-authentications', retryAfterSeconds: expect.any(Number) });
    expect(res.headers['retry-after']).toBe(String(res.body.retryAfterSeconds));
    await get(valid).expect(200);
  });
});
