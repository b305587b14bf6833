import type { IncomingMessage } from 'node:http';

/**
 * The route a request matched, as declared (`/api/v1/patients/:pseudonym/timeline`), never the
 * values in it: a wrong client may put a raw patient id in a path or a query. `null` when no
 * route matched (unknown paths, web-app files), since such a path may hold the same; Nest's
 * not-found handler is itself a wildcard route (`/api/v1/{*path}`), so a wildcard counts as none.
 */
export function routePattern(req: IncomingMessage): string | null {
  const { route, baseUrl } = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
  return typeof route?.path === 'string' && !route.path.includes('*') ? `${baseUrl ?? ''}${route.path}` : null;
}
