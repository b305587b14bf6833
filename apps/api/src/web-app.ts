import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/** Paths the API owns: they never fall back to the web app's index.html. */
const API_PATHS = /^\/(api|docs|docs-json|fhir|health|metrics|\.well-known)(\/|$|\?|-)/;

/** The built web app (apps/web → dist/web): WEB_DIR, or dist/web above this file (source or dist). */
export function webRoot(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.WEB_DIR) return existsSync(join(env.WEB_DIR, 'index.html')) ? resolve(env.WEB_DIR) : undefined;
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'dist', 'web');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return undefined;
}

/** SMART App Launch scopes: the launch context, the user's identity, and read/search of the patient in context. */
export const DEFAULT_SMART_SCOPE = 'launch openid fhirUser patient/Patient.rs';

/**
 * The FHIR servers allowed to start an EHR launch (SMART App Launch 2.x): an `iss` not on this list
 * gets a refusal page and no redirect, so nobody can send a clinician through a look-alike server.
 * The EHR's access token becomes the registry session, so it must come from `OIDC_ISSUER`.
 */
export function smartConfig(env: NodeJS.ProcessEnv = process.env) {
  const list = env.SMART_FHIR_ISSUERS?.trim();
  if (!list) return null;
  if (!env.OIDC_ISSUER?.trim()) {
    throw new Error("SMART_FHIR_ISSUERS is set but OIDC_ISSUER is not: the registry accepts the EHR's access tokens only from its OIDC issuer");
  }
  const fhirIssuers = list
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  for (const iss of fhirIssuers) requireSecureUrl(iss, 'SMART_FHIR_ISSUERS');
  const clientId = env.SMART_CLIENT_ID?.trim() || env.OIDC_WEB_CLIENT_ID?.trim() || env.OIDC_AUDIENCE?.trim() || '';
  if (!clientId) throw new Error('SMART_FHIR_ISSUERS is set but SMART_CLIENT_ID is not');
  return { fhirIssuers, clientId, scope: env.SMART_SCOPE?.trim() || DEFAULT_SMART_SCOPE };
}

function requireSecureUrl(value: string, name: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name}: "${value}" is not a URL`);
  }
  // Plain http only to this machine (tests, a local EHR sandbox), as for OIDC_ISSUER.
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new Error(`${name}: "${value}" must use https`);
}

/** What the browser needs to sign in; no secrets (a public OIDC client uses PKCE, not a secret). */
export function webConfig(env: NodeJS.ProcessEnv = process.env) {
  const issuer = env.OIDC_ISSUER?.trim();
  return {
    localTokens: env.LOCAL_TOKENS !== 'false',
    smart: smartConfig(env),
    oidc: issuer
      ? {
          issuer,
          clientId: env.OIDC_WEB_CLIENT_ID?.trim() || env.OIDC_AUDIENCE?.trim() || '',
          scope: env.OIDC_WEB_SCOPE?.trim() || 'openid profile',
          rolesClaim: env.OIDC_ROLES_CLAIM?.trim() || 'roles',
          roleMap: env.OIDC_ROLE_MAP ? (JSON.parse(env.OIDC_ROLE_MAP) as Record<string, string | string[]>) : null,
        }
      : null,
  };
}

/**
 * Serves the web app at `/`: hashed assets with a long cache, `/web-config.json`, and index.html
 * for any other GET that is not an API path (the app routes in the browser). Registered before
 * Nest's routes, so it only answers paths the API does not own.
 */
export function serveWebApp(app: NestExpressApplication, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const root = webRoot(env);
  if (!root) return undefined;
  const settings = webConfig(env);
  const config = JSON.stringify(settings);
  // The browser talks to the identity provider (token endpoint) and, in a SMART launch, to the allowed FHIR servers.
  const origins = new Set([env.OIDC_ISSUER, ...(settings.smart?.fhirIssuers ?? [])].filter((u): u is string => !!u).map((u) => new URL(u).origin));
  const csp = [
    "default-src 'self'",
    ['connect-src', "'self'", ...origins].join(' '),
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || API_PATHS.test(req.path)) return next();
    if (req.path === '/web-config.json') return void res.type('application/json').setHeader('Cache-Control', 'no-store').send(config);
    if (req.path.startsWith('/assets/')) {
      return res.sendFile(req.path.slice(1), { root, maxAge: '365d', immutable: true, dotfiles: 'deny' }, (err) => err && next());
    }
    if (/\.[a-z0-9]+$/i.test(req.path) && req.path !== '/index.html') {
      return res.sendFile(req.path.slice(1), { root, maxAge: '1h', dotfiles: 'deny' }, (err) => err && next());
    }
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.sendFile('index.html', { root, headers: { 'Cache-Control': 'no-cache' } });
  });
  return root;
}
