// Who is signed in: the bearer token (local `registry token` or the IdP's access token) and the
// role read from it. The API checks every token; the browser only decides what to show.
import { authorizeUrl, challengeOf, createVerifier, randomState, readCallback, tokenRequestBody } from './pkce';

export const ROLES = ['clinician', 'quality-manager', 'legal', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface OidcSettings {
  issuer: string;
  clientId: string;
  scope: string;
  rolesClaim: string;
  roleMap: Record<string, string | string[]> | null;
}
/** SMART App Launch (EHR launch): the FHIR servers allowed as `iss`, this app's client id there, the scopes. */
export interface SmartSettings {
  fhirIssuers: string[];
  clientId: string;
  scope: string;
}
export interface WebConfig {
  localTokens: boolean;
  oidc: OidcSettings | null;
  smart: SmartSettings | null;
}
export interface Session {
  token: string;
  subject: string;
  name: string | null;
  role: Role;
  expiresAt: number | null;
}

const KEY = 'oversight-registry.session';
const PENDING = 'oversight-registry.oidc';

export function decodeJwtPayload(token: string): Record<string, unknown> {
  const part = token.trim().split('.')[1];
  if (!part) throw new Error('not a JWT');
  const json = atob(
    part
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(part.length / 4) * 4, '='),
  );
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
}

/** The registry's roles in a token, the same way the API reads them (claim path + optional map). */
export function rolesFromClaims(claims: Record<string, unknown>, rolesClaim = 'roles', roleMap: OidcSettings['roleMap'] = null): Role[] {
  let value: unknown = claims;
  for (const key of rolesClaim.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  const names = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(/\s+/) : [];
  const mapped = roleMap ? names.flatMap((n) => [roleMap[n] ?? []].flat()) : names;
  return ROLES.filter((r) => mapped.includes(r));
}

export function sessionFromToken(token: string, oidc: OidcSettings | null = null): Session {
  const claims = decodeJwtPayload(token);
  const local = claims.iss === 'oversight-registry-local';
  const roles = local || !oidc ? rolesFromClaims(claims) : rolesFromClaims(claims, oidc.rolesClaim, oidc.roleMap);
  if (!roles.length) throw new Error('no-role');
  return {
    token: token.trim(),
    subject: typeof claims.sub === 'string' ? claims.sub : '',
    name: typeof claims.name === 'string' ? claims.name : null,
    role: roles[0],
    expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : null,
  };
}

export function loadSession(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Session | null;
    return s && (!s.expiresAt || s.expiresAt > Date.now()) ? s : null;
  } catch {
    return null;
  }
}
export function saveSession(s: Session | null): void {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
}
async function discover(issuer: string): Promise<Discovery> {
  const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`identity provider answered ${res.status}`);
  return (await res.json()) as Discovery;
}
const redirectUri = () => `${location.origin}/auth/callback`;

/** Starts the authorization code flow: the verifier stays in this tab's sessionStorage. */
export async function startOidcLogin(oidc: OidcSettings): Promise<void> {
  const { authorization_endpoint } = await discover(oidc.issuer);
  const verifier = createVerifier();
  const state = randomState();
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state }));
  location.assign(
    authorizeUrl({
      authorizationEndpoint: authorization_endpoint,
      clientId: oidc.clientId,
      redirectUri: redirectUri(),
      scope: oidc.scope,
      state,
      nonce: randomState(),
      codeChallenge: await challengeOf(verifier),
    }),
  );
}

/** Finishes it on /auth/callback: checks state, redeems the code with the verifier. */
export async function finishOidcLogin(oidc: OidcSettings, search: string): Promise<Session> {
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as { verifier: string; state: string } | null;
  sessionStorage.removeItem(PENDING);
  const callback = readCallback(search, pending?.state ?? null);
  if (!callback.ok) throw new Error(callback.error);
  const { token_endpoint } = await discover(oidc.issuer);
  const res = await fetch(token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: tokenRequestBody({ code: callback.code, redirectUri: redirectUri(), clientId: oidc.clientId, verifier: pending!.verifier }),
  });
  if (!res.ok) throw new Error(`token endpoint answered ${res.status}`);
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error('no access token in the answer');
  return sessionFromToken(body.access_token, oidc);
}
