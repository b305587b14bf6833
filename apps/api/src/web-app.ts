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

/** What the browser needs to sign in; no secrets (a public OIDC client uses PKCE, not a secret). */
export function webConfig(env: NodeJS.ProcessEnv = process.env) {
  const issuer = env.OIDC_ISSUER?.trim();
  return {
    localTokens: env.LOCAL_TOKENS !== 'false',
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
  const config = JSON.stringify(webConfig(env));
  const issuerOrigin = env.OIDC_ISSUER ? new URL(env.OIDC_ISSUER).origin : '';
  const csp = [
    "default-src 'self'",
    `connect-src 'self' ${issuerOrigin}`.trim(),
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
