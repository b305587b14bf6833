import { type CallHandler, type ExecutionContext, Injectable, Logger, type NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { from, mergeMap, type Observable } from 'rxjs';
import { ProblemException } from '@app/platform';
import type { AuthenticatedRequest } from '../nest/auth.decorators';
import { isPseudonym } from '../pseudonymizer';
import { AccessLog, type AccessAction } from './access-log';

export const ACCESS_LOGGED_KEY = 'oversight:access-logged';
export const ACCESS_LOG_EXEMPT_KEY = 'oversight:access-log-exempt';

/**
 * The data subject of an access to content that is not indexed by patient (an AI system's log
 * file may name any patient): the entry is kept, and found by action or resource, not by subject.
 */
export const ANY_DATA_SUBJECT = '*';

/** Which data subjects (pseudonyms) a response discloses; undefined and duplicates are dropped. */
export type SubjectsOf = (result: any, req: AuthenticatedRequest) => Iterable<string | null | undefined>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface AccessLoggedMeta {
  action: AccessAction;
  subjects: SubjectsOf;
}

/**
 * Records every successful call of the route in the NEN 7513 access log, one entry per data
 * subject the response discloses. The entry is written before the response leaves: if it cannot
 * be written the caller gets 503 and no data (no access without a trace).
 *
 *     @AccessLogged('read-review', (review) => [review.patientPseudonym])
 */
export const AccessLogged = (action: AccessAction, subjects: SubjectsOf) => SetMetadata(ACCESS_LOGGED_KEY, { action, subjects } satisfies AccessLoggedMeta);

/**
 * A GET route whose response may name patients but is not an access to their data, e.g. the
 * access log itself. Every other GET response is scanned for pseudonyms (see the interceptor).
 */
export const AccessLogExempt = (why: string) => SetMetadata(ACCESS_LOG_EXEMPT_KEY, why);

/** Every pseudonym anywhere in a JSON-like value (keys and strings), each once. */
export function pseudonymsIn(value: unknown, found = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    if (isPseudonym(value)) found.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) pseudonymsIn(v, found);
  } else if (value && typeof value === 'object' && !Buffer.isBuffer(value) && !(value instanceof Uint8Array)) {
    for (const [k, v] of Object.entries(value)) {
      if (isPseudonym(k)) found.add(k);
      pseudonymsIn(v, found);
    }
  }
  return found;
}

/** Pseudonyms of a page of items: `{ items: [{ patientPseudonym }] }`. */
export const pseudonymsOfItems = (page: { items?: Array<{ patientPseudonym?: string }> }) => (page.items ?? []).map((i) => i.patientPseudonym);

/** Global interceptor behind @AccessLogged. */
@Injectable()
export class AccessLogInterceptor implements NestInterceptor {
  private readonly logger = new Logger('AccessLog');

  constructor(
    private readonly reflector: Reflector,
    private readonly log: AccessLog,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const meta = this.reflector.get<AccessLoggedMeta | undefined>(ACCESS_LOGGED_KEY, ctx.getHandler()) ?? this.readOf(ctx, req);
    if (!meta) return next.handle();
    return next.handle().pipe(mergeMap((result: unknown) => from(this.write(meta, req, result).then(() => result))));
  }

  /**
   * Any other authenticated GET whose answer names a patient pseudonym is a read of patient-related
   * data (NEN 7513) and is logged as `read`: a route added later is covered without remembering
   * to. Writes are recorded as events with their actor; streamed answers declare @AccessLogged.
   */
  private readOf(ctx: ExecutionContext, req: AuthenticatedRequest): AccessLoggedMeta | undefined {
    if (req.method !== 'GET' || !req.principal) return undefined;
    if (this.reflector.get<string | undefined>(ACCESS_LOG_EXEMPT_KEY, ctx.getHandler())) return undefined;
    return { action: 'read', subjects: (result) => pseudonymsIn(result) };
  }

  private async write(meta: AccessLoggedMeta, req: AuthenticatedRequest, result: unknown): Promise<void> {
    const who = req.principal;
    // @Public routes carry no personal data; a logged route without a principal is a programming error.
    if (!who) throw new Error(`@AccessLogged route ${req.method} ${req.path} has no authenticated principal`);
    const subjects = [...new Set([...meta.subjects(result, req)].filter((s): s is string => typeof s === 'string' && s.length > 0))];
    if (subjects.length === 0) return;
    const requestId = String(req.header('x-request-id') ?? '').slice(0, 64) || randomUUID();
    try {
      await this.log.record(
        subjects.map((dataSubject) => ({
          requestId,
          actor: { subject: who.subject, role: who.role },
          action: meta.action,
          dataSubject,
          resource: `${req.method} ${req.originalUrl.split('?')[0]}`,
          ip: req.ip,
          userAgent: req.header('user-agent'),
        })),
      );
    } catch (err) {
      this.logger.error(`Access log write failed for ${req.method} ${req.path}: ${(err as Error)?.message}`);
      throw new ProblemException(503, 'access-log-unavailable', 'Service unavailable', 'The access could not be logged, so no data is returned; retry shortly');
    }
  }
}
