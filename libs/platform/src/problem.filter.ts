import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  ConcurrencyError,
  DomainError,
  DuplicateEventIdError,
  UnstorableTextError,
  ReadModelsBehindError,
  IdempotencyConflictError,
  StoreUnavailableError,
} from '@app/event-store';
import { PROBLEM_BASE, ProblemException, type ProblemDetails } from './problem';
import { routePattern } from './route-pattern';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Authentication required',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Request body too large',
  415: 'Unsupported media type',
  422: 'Unprocessable request',
  428: 'Precondition required',
  429: 'Too many requests',
  500: 'Internal error',
  503: 'Service unavailable',
  507: 'Insufficient storage',
};

/** Every error leaves the API as RFC 9457 problem+json; internals are logged, never sent. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problems');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const problem = this.toProblem(exception);
    // No route matched: the path is the client's own text (it may hold a patient id); not echoed.
    if (!(problem.status === 404 && routePattern(req) === null)) problem.instance = req.originalUrl?.split('?')[0];
    if (exception instanceof StoreUnavailableError && exception.fault !== 'unreachable') {
      this.logStoreFault(exception);
    } else if (problem.status >= 500 && problem.status !== 503) {
      // The route pattern, not the path: a path may hold a patient id.
      this.logger.error(`${req.method} ${routePattern(req) ?? '(no route)'}: ${(exception as Error)?.stack ?? String(exception)}`);
    }
    if (problem.status === 503 || problem.status === 507) res.setHeader('Retry-After', '5');
    // Every 429 says when to come back (RFC 9110 §10.2.3); limiters put the wait in `retryAfterSeconds`.
    if (problem.status === 429) res.setHeader('Retry-After', String(typeof problem.retryAfterSeconds === 'number' ? problem.retryAfterSeconds : 60));
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }

  private lastFaultLog = 0;

  /** One plain line (no stack) at most every 10 s: a full disk fails every write until fixed. */
  private logStoreFault(e: StoreUnavailableError): void {
    if (Date.now() - this.lastFaultLog < 10_000) return;
    this.lastFaultLog = Date.now();
    this.logger.error(`Writes refused, the store is ${e.fault === 'disk-full' ? 'out of disk space' : 'read-only'}: ${e.message}`);
  }

  private toProblem(e: unknown): ProblemDetails {
    if (e instanceof ProblemException) {
      return this.problem(e.getStatus(), e.code, e.title, e.message, { errors: e.errors, ...e.extensions });
    }
    if (e instanceof DomainError) {
      return this.problem(e.status, e.code, TITLES[e.status] ?? 'Error', e.message, {
        errors: e.field ? [{ field: e.field, message: e.message }] : undefined,
      });
    }
    if (e instanceof ConcurrencyError) {
      return this.problem(409, 'revision-conflict', 'Conflict', 'The resource was changed by someone else; reload it and try again', {
        currentRevision: e.actual,
      });
    }
    if (e instanceof IdempotencyConflictError) {
      return this.problem(422, 'idempotency-key-reused', 'Unprocessable request', 'This Idempotency-Key was already used for a different request', {
        errors: [{ field: 'Idempotency-Key', message: 'already used for a different request' }],
      });
    }
    if (e instanceof ReadModelsBehindError) {
      return this.problem(
        503,
        'read-models-behind',
        'Service unavailable',
        `Read models ${e.projections.join(', ')} are behind the event log; nothing was decided. Retry shortly`,
      );
    }
    if (e instanceof UnstorableTextError) {
      // The request boundary refuses such text first; this is the store's own refusal (nothing written).
      return this.problem(
        400,
        'validation-failed',
        'The request is not valid',
        `${e.field}: must not contain control characters (but tab, line feed, carriage return) or lone surrogates`,
        {
          errors: [{ field: e.field, message: 'must not contain control characters (but tab, line feed, carriage return) or lone surrogates' }],
        },
      );
    }
    if (e instanceof DuplicateEventIdError) {
      return this.problem(409, 'duplicate-event', 'Conflict', 'An event with this id exists already');
    }
    if (e instanceof StoreUnavailableError) {
      if (e.fault === 'disk-full') {
        return this.problem(
          507,
          'storage-full',
          'Insufficient storage',
          'The database disk is full; nothing was written. An administrator must free space, then retry',
        );
      }
      if (e.fault === 'read-only') {
        return this.problem(
          503,
          'store-read-only',
          'Service unavailable',
          'The database is read-only; nothing was written. An administrator must restore write access, then retry',
        );
      }
      return this.problem(503, 'store-unavailable', 'Service unavailable', 'The database cannot be reached right now; retry shortly');
    }
    if (e instanceof HttpException) {
      const status = e.getStatus();
      const body = e.getResponse();
      const type = (e as { type?: string }).type ?? (body as { type?: string })?.type;
      // body-parser errors arrive as HttpException-like objects from Nest's express adapter.
      const detail = messageText(typeof body === 'string' ? body : ((body as { message?: unknown })?.message ?? e.message));
      // Nest turns body-parser's SyntaxError into a bare BadRequestException carrying its message.
      if (status === 400 && /JSON/.test(detail)) {
        return this.problem(400, 'malformed-json', 'Bad request', 'The request body is not valid JSON', {
          errors: [{ field: 'body', message: 'not valid JSON' }],
        });
      }
      // Express's "Cannot GET /path?query" would echo the whole URL, query values included.
      if (status === 404 && /^Cannot [A-Z]+ /.test(detail)) return this.problem(404, 'not-found', 'Not found', 'No route matches this method and path');
      // @nestjs/terminus: keep each check's status, so /health says what is down and why.
      const checks = (body as { details?: unknown })?.details;
      if (status === 503 && checks) return this.problem(503, 'unhealthy', 'Service unavailable', 'A health check failed', { checks });
      return this.problem(status, codeFor(status, type), TITLES[status] ?? 'Error', detail);
    }
    const bodyParser = e as { type?: string; status?: number; statusCode?: number; expose?: boolean; message?: string };
    if (bodyParser?.expose && (bodyParser.status ?? bodyParser.statusCode)) {
      const status = (bodyParser.status ?? bodyParser.statusCode)!;
      const code =
        bodyParser.type === 'entity.too.large'
          ? 'body-too-large'
          : bodyParser.type === 'entity.parse.failed'
            ? 'malformed-json'
            : bodyParser.type === 'entity.too.deep'
              ? 'body-too-deep'
              : codeFor(status);
      const detail = code === 'malformed-json' ? 'The request body is not valid JSON' : (bodyParser.message ?? '');
      return this.problem(status, code, TITLES[status] ?? 'Error', detail, {
        errors:
          code === 'malformed-json'
            ? [{ field: 'body', message: 'not valid JSON' }]
            : code === 'body-too-deep'
              ? [{ field: 'body', message: 'nested too deeply' }]
              : undefined,
      });
    }
    return this.problem(500, 'internal-error', 'Internal error', 'Something went wrong on our side; it has been logged');
  }

  private problem(status: number, code: string, title: string, detail?: string, ext: Record<string, unknown> = {}): ProblemDetails {
    const p: ProblemDetails = { type: PROBLEM_BASE + code, title, status, code };
    if (detail) p.detail = detail;
    for (const [k, v] of Object.entries(ext)) if (v !== undefined) p[k] = v;
    return p;
  }
}

/** An exception's message as text: class-validator's list joined as String() joins it, an object as JSON. */
function messageText(message: unknown): string {
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join(',');
  if (typeof message === 'number' || typeof message === 'boolean' || typeof message === 'bigint') return String(message);
  return JSON.stringify(message) ?? '';
}

function codeFor(status: number, type?: string): string {
  if (type === 'entity.too.large' || status === 413) return 'body-too-large';
  if (type === 'entity.parse.failed') return 'malformed-json';
  return (
    {
      400: 'bad-request',
      401: 'unauthenticated',
      403: 'forbidden',
      404: 'not-found',
      405: 'method-not-allowed',
      409: 'conflict',
      415: 'unsupported-media-type',
      422: 'unprocessable',
      428: 'precondition-required',
      429: 'too-many-requests',
    }[status] ?? 'error'
  );
}
