import { generateKeyPairSync } from 'node:crypto';
import { tokenSigningKeyFrom } from '../key-material';
import { InvalidTokenError, issueLocalToken } from '../local-tokens';
import { CachingTokenVerifier, LocalTokenVerifier, PlainTextClaims, tokenVerifierFor, type VerifiedToken } from './token-verifier';

const signing = tokenSigningKeyFrom(generateKeyPairSync('ed25519').privateKey);

/** The real verifier, counting the signatures it checks. */
class CountingVerifier extends LocalTokenVerifier {
  checks = 0;
  override verify(token: string): Promise<VerifiedToken> {
    this.checks++;
    return super.verify(token);
  }
}

describe('CachingTokenVerifier', () => {
  let now = Date.now();
  let inner: CountingVerifier;
  let cached: CachingTokenVerifier;
  beforeEach(() => {
    now = Date.now();
    inner = new CountingVerifier(signing.publicKey);
    cached = new CachingTokenVerifier(inner, { maxAgeMs: 60_000, maxEntries: 2, now: () => now });
  });

  it('checks a token once and answers the same principal from memory afterwards', async () => {
    const token = await issueLocalToken(signing, { sub: 'clinician-1', role: 'clinician', name: 'A. Arts' });
    const first = await cached.verify(token);
    expect(await cached.verify(token)).toEqual(first);
    expect(first).toEqual({ sub: 'clinician-1', roles: ['clinician'], name: 'A. Arts' });
    expect(inner.checks).toBe(1);
  });

  it('checks again after maxAgeMs, and never answers from memory past the token expiry', async () => {
    const long = await issueLocalToken(signing, { sub: 'c-1', role: 'clinician', ttlSeconds: 3600 });
    await cached.verify(long);
    now += 60_001;
    await cached.verify(long);
    expect(inner.checks).toBe(2);

    const short = await issueLocalToken(signing, { sub: 'c-2', role: 'clinician', ttlSeconds: 5 });
    await cached.verify(short);
    now += 6_000; // past exp, within maxAgeMs: the real check runs (and here fails or passes on real time)
    await cached.verify(short).catch(() => undefined);
    expect(inner.checks).toBe(4);
  });

  it('does not remember failures, and a token differing in one byte is checked on its own', async () => {
    const token = await issueLocalToken(signing, { sub: 'c-1', role: 'clinician' });
    await cached.verify(token);
    // Change the signature's first character: all six of its bits are signature bits (the last
    // character's low bits are padding, so changing it can leave the decoded signature as it was).
    const dot = token.lastIndexOf('.') + 1;
    const tampered = token.slice(0, dot) + (token[dot] === 'A' ? 'B' : 'A') + token.slice(dot + 1);
    await expect(cached.verify(tampered)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(cached.verify(tampered)).rejects.toBeInstanceOf(InvalidTokenError);
    expect(inner.checks).toBe(3);
  });

  it('holds at most maxEntries tokens, dropping the oldest', async () => {
    const tokens = await Promise.all(['a', 'b', 'c'].map((sub) => issueLocalToken(signing, { sub, role: 'auditor' })));
    for (const t of tokens) await cached.verify(t);
    expect(inner.checks).toBe(3);
    await cached.verify(tokens[2]);
    await cached.verify(tokens[1]);
    expect(inner.checks).toBe(3);
    await cached.verify(tokens[0]);
    expect(inner.checks).toBe(4);
  });

  it('is on by default (TOKEN_CACHE_SECONDS=60), off with 0, and refuses a bad setting', () => {
    expect(tokenVerifierFor(signing.publicKey, undefined, {})).toBeInstanceOf(CachingTokenVerifier);
    expect(tokenVerifierFor(signing.publicKey, undefined, { TOKEN_CACHE_SECONDS: '0' })).toBeInstanceOf(PlainTextClaims);
    expect(() => tokenVerifierFor(signing.publicKey, undefined, { TOKEN_CACHE_SECONDS: 'soon' })).toThrow(/TOKEN_CACHE_SECONDS/);
  });
});

describe('tokenVerifierFor: claims that become event metadata', () => {
  it.each([
    ['a NUL in sub', { sub: 'a\u0000b', role: 'clinician' as const }, 'sub'],
    ['a lone surrogate in sub', { sub: 'x\ud800', role: 'clinician' as const }, 'sub'],
    ['a control character in name', { sub: 'c-1', role: 'clinician' as const, name: 'Dr.\u0007 Bell' }, 'name'],
  ])('refuses a correctly signed token with %s', async (_what, claims, field) => {
    const verifier = tokenVerifierFor(signing.publicKey, undefined, { TOKEN_CACHE_SECONDS: '0' });
    const err = await verifier.verify(await issueLocalToken(signing, claims)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidTokenError);
    expect(err).toMatchObject({ reason: 'claims' });
    expect((err as Error).message).toContain(field);
  });

  it('accepts plain text, accents and emoji in sub and name', async () => {
    const verifier = tokenVerifierFor(signing.publicKey, undefined, { TOKEN_CACHE_SECONDS: '60' });
    const token = await issueLocalToken(signing, { sub: 'zoë-😀', role: 'clinician', name: 'Zoë Ørsted' });
    expect(await verifier.verify(token)).toEqual({ sub: 'zoë-😀', roles: ['clinician'], name: 'Zoë Ørsted' });
  });
});
