import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import { routePattern } from '@app/platform';

/**
 * Request logs carry method, route pattern, status and time; never bodies (patient ids and free
 * text travel in bodies), never the values in a path or query (a wrong client may put a raw
 * patient id there) and never the Authorization header.
 */
export function loggerOptions(): Params {
  const level = process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');
  return {
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
    pinoHttp: {
      level,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.body', 'res.body'], remove: true },
      serializers: {
        // The route is only known once the request is routed: added to the completion line below.
        req: (req: { id: unknown; method: string }) => ({ id: req.id, method: req.method }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customSuccessObject: (req, _res, line: object) => ({ ...line, route: routePattern(req) }),
      customErrorObject: (req, _res, _err, line: object) => ({ ...line, route: routePattern(req) }),
      autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    },
  };
}
