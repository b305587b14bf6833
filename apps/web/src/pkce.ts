// OAuth 2.0 authorization code flow with PKCE (RFC 7636) for a public browser client: pure helpers,
// tested in pkce.spec.ts. Uses only Web Crypto, which browsers and Node 20 both have.

const VERIFIER_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';

export function base64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// Bytes at or above this are skipped, so every character is equally likely.
const UNBIASED_LIMIT = 256 - (256 % VERIFIER_CHARS.length);

/** RFC 7636 §4.1: 43–128 unreserved characters, uniformly drawn. */
export function createVerifier(length = 64): string {
  if (length < 43 || length > 128) throw new RangeError('A PKCE code verifier has 43 to 128 characters');
  let out = '';
  while (out.length < length) {
    for (const b of crypto.getRandomValues(new Uint8Array(length))) {
      if (b < UNBIASED_LIMIT && out.length < length) out += VERIFIER_CHARS[b % VERIFIER_CHARS.length];
    }
  }
  return out;
}

/** RFC 7636 §4.2, method S256: BASE64URL(SHA-256(ASCII(verifier))). */
export async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

export function randomState(): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(24)));
}

export interface AuthorizeParams {
  authorizationEndpoint: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string;
  nonce: string;
  codeChallenge: string;
}

export function authorizeUrl(p: AuthorizeParams): string {
  const url = new URL(p.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    scope: p.scope,
    state: p.state,
    nonce: p.nonce,
    code_challenge: p.codeChallenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

/** The form body of the token request that redeems the code (RFC 6749 §4.1.3 + RFC 7636 §4.5). */
export function tokenRequestBody(p: { code: string; redirectUri: string; clientId: string; verifier: string }): URLSearchParams {
  return new URLSearchParams({
    grant_type: 'authorization_code',
    code: p.code,
    redirect_uri: p.redirectUri,
    client_id: p.clientId,
    code_verifier: p.verifier,
  });
}

export type CallbackResult = { ok: true; code: string } | { ok: false; error: string };

/** Reads the redirect back from the identity provider; a state mismatch is refused (CSRF). */
export function readCallback(search: string, expectedState: string | null): CallbackResult {
  const q = new URLSearchParams(search);
  if (q.get('error')) return { ok: false, error: `${q.get('error')}${q.get('error_description') ? `: ${q.get('error_description')}` : ''}` };
  if (!expectedState || q.get('state') !== expectedState) return { ok: false, error: 'state mismatch: this sign-in was not started here' };
  const code = q.get('code');
  return code ? { ok: true, code } : { ok: false, error: 'no authorization code in the answer' };
}
