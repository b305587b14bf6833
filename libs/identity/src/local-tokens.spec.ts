import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, SignJWT } from 'jose';
import { ed25519Thumbprint, tokenSigningKeyFrom } from './key-material';
import {
  AI_SYSTEM_CLAIM,
  InvalidTokenError,
  issueLocalToken,
  LOCAL_TOKEN_AUDIENCE,
  LOCAL_TOKEN_ISSUER,
  ROLES,
  verifyLocalToken,
  type InvalidTokenReason,
} from './local-tokens';

const signing = tokenSigningKeyFrom(generateKeyPairSync('ed25519').privateKey);

async function rejected(promise: Promise<unknown>): Promise<InvalidTokenError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidTokenError);
  return err as InvalidTokenError;
}

async function expectReason(token: string, reason: InvalidTokenReason, key = signing.publicKey) {
  expect((await rejected(verifyLocalToken(key, token))).reason).toBe(reason);
}

/** A token signed like the real thing, with overrides. */
function forge(opts: { iss?: string; aud?: string; iat?: number; exp?: number; roles?: unknown; key?: typeof signing.privateKey }) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: opts.roles ?? ['clinician'] })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: signing.kid })
    .setIssuer(opts.iss ?? LOCAL_TOKEN_ISSUER)
    .setAudience(opts.aud ?? LOCAL_TOKEN_AUDIENCE)
    .setSubject('user-1')
    .setIssuedAt(opts.iat ?? now - 10)
    .setExpirationTime(opts.exp ?? now + 3600)
    .sign(opts.key ?? signing.privateKey);
}

describe('local tokens', () => {
  it('round-trips every role, with name and kid header', async () => {
    const aiSystem = '0193a1b2-0000-7000-8000-000000000001';
    for (const role of ROLES) {
      const bound = role === 'ai-system' ? { aiSystem } : {};
      const token = await issueLocalToken(signing, { sub: 'user-1', role, name: 'Dr. Ödön', ...bound });
      await expect(verifyLocalToken(signing.publicKey, token)).resolves.toEqual({
        sub: 'user-1',
        roles: [role],
        name: 'Dr. Ödön',
        ...(role === 'ai-system' ? { aiSystemId: aiSystem } : {}),
      });
      const header: unknown = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
      expect(header).toMatchObject({ alg: 'EdDSA', kid: signing.kid });
      expect(signing.kid).toBe(ed25519Thumbprint(signing.publicKey));
      const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp: number; iat: number };
      expect(payload).toMatchObject({ iss: 'oversight-registry-local', aud: 'oversight-registry', roles: [role] });
      expect(payload.exp - payload.iat).toBe(8 * 3600);
    }
    const noName = await issueLocalToken(signing, { sub: 'u2', role: 'auditor', ttlSeconds: 60 });
    await expect(verifyLocalToken(signing.publicKey, noName)).resolves.toEqual({ sub: 'u2', roles: ['auditor'] });
  });

  it('rejects an expired token', async () => {
    await expectReason(await forge({ exp: Math.floor(Date.now() / 1000) - 5 }), 'expired');
  });

  it('rejects a token issued in the future beyond the clock skew, and accepts one within it', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectReason(await forge({ iat: now + 600 }), 'not-yet-valid');
    await expect(verifyLocalToken(signing.publicKey, await forge({ iat: now + 10 }))).resolves.toMatchObject({ sub: 'user-1' });
    // The skew is configurable: none at all refuses the same token.
    await expect(verifyLocalToken(signing.publicKey, await forge({ iat: now + 10 }), 0)).rejects.toMatchObject({ reason: 'not-yet-valid' });
  });

  it('rejects a tampered token', async () => {
    const token = await issueLocalToken(signing, { sub: 'user-1', role: 'clinician' });
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as { roles: string[] };
    payload.roles = ['admin'];
    const tamperedPayload = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
    await expectReason(tamperedPayload, 'signature');
    const sig = Buffer.from(s, 'base64url');
    sig[0] ^= 1;
    await expectReason([h, p, sig.toString('base64url')].join('.'), 'signature');
  });

  it('rejects the wrong audience and the wrong issuer', async () => {
    await expectReason(await forge({ aud: 'someone-else' }), 'audience');
    await expectReason(await forge({ iss: 'https://evil.example' }), 'issuer');
  });

  it('rejects a token signed by another key', async () => {
    const other = tokenSigningKeyFrom(generateKeyPairSync('ed25519').privateKey);
    const token = await issueLocalToken(other, { sub: 'user-1', role: 'admin' });
    await expectReason(token, 'signature');
  });

  it('rejects unknown roles and missing roles', async () => {
    await expectReason(await forge({ roles: ['superuser'] }), 'unknown-role');
    await expectReason(await forge({ roles: ['clinician', 'root'] }), 'unknown-role');
    await expectReason(await forge({ roles: [] }), 'claims');
    await expectReason(await forge({ roles: 'admin' }), 'claims');
  });

  it('rejects malformed tokens and other algorithms', async () => {
    for (const bad of ['', 'abc', 'a.b.c', 'x'.repeat(10_000)]) await expectReason(bad, 'malformed');
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ sub: 'u', roles: ['admin'], iss: LOCAL_TOKEN_ISSUER, aud: LOCAL_TOKEN_AUDIENCE, exp: 9e9 })).toString(
      'base64url',
    );
    await expectReason(`${header}.${body}.`, 'algorithm');
    const hs = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(LOCAL_TOKEN_ISSUER)
      .setAudience(LOCAL_TOKEN_AUDIENCE)
      .setSubject('u')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new Uint8Array(32));
    await expectReason(hs, 'algorithm');
  });

  it('refuses to issue with bad input', async () => {
    await expect(issueLocalToken(signing, { sub: '', role: 'admin' })).rejects.toThrow(TypeError);
    await expect(issueLocalToken(signing, { sub: 'u', role: 'root' as never })).rejects.toThrow(TypeError);
    await expect(issueLocalToken(signing, { sub: 'u', role: 'admin', ttlSeconds: 0 })).rejects.toThrow(TypeError);
  });
});

describe('ai-system tokens: bound to one AI system', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signing = { privateKey, kid: 'k1' };
  const system = '0193a1b2-0000-7000-8000-000000000001';

  it('carry the system in ai_system and give it back verified', async () => {
    const token = await issueLocalToken(signing, { sub: 'pacs-bridge', role: 'ai-system', aiSystem: system });
    expect(decodeJwt(token)[AI_SYSTEM_CLAIM]).toBe(system);
    await expect(verifyLocalToken(publicKey, token)).resolves.toEqual({ sub: 'pacs-bridge', roles: ['ai-system'], aiSystemId: system });
  });

  it('cannot be issued without a system, nor a person’s token with one', async () => {
    await expect(issueLocalToken(signing, { sub: 'x', role: 'ai-system' })).rejects.toThrow(TypeError);
    await expect(issueLocalToken(signing, { sub: 'x', role: 'clinician', aiSystem: system })).rejects.toThrow(TypeError);
  });

  it('are refused when the claim is missing, not a UUID, or rides on a person’s role', async () => {
    const sign = (payload: Record<string, unknown>) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: 'k1' })
        .setIssuer(LOCAL_TOKEN_ISSUER)
        .setAudience(LOCAL_TOKEN_AUDIENCE)
        .setSubject('s')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey);
    for (const payload of [
      { roles: ['ai-system'] },
      { roles: ['ai-system'], ai_system: 'pacs' },
      { roles: ['clinician'], ai_system: system },
      { roles: ['ai-system', 'admin'], ai_system: system },
    ]) {
      await expect(verifyLocalToken(publicKey, await sign(payload))).rejects.toMatchObject({ reason: 'claims' });
    }
  });
});
