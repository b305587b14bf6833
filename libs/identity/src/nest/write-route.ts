import { applyDecorators, createParamDecorator, type ExecutionContext, HttpCode, Post } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import type { Response } from 'express';
import { idempotencyKeyOf, ifMatchRevisionOf, requestHashOf, revisionETag, type WriteRequestOptions } from '@app/platform';
import type { Role } from '../local-tokens';
import { actorOf, type AuthenticatedRequest, type Principal, principalOf, Roles } from './auth.decorators';

/**
 * A change to something that exists: `POST <path>` answering 200 (not 201: nothing new is
 * addressed), open to `roles`, with its OpenAPI summary. The decorator stack every such route
 * carried by hand.
 */
export function ChangeRoute(path: string, roles: Role | readonly Role[], summary: string, description?: string): MethodDecorator {
  const operation = description === undefined ? { summary } : { summary, description };
  return applyDecorators(Post(path), HttpCode(200), Roles(...(typeof roles === 'string' ? [roles] : roles)), ApiOperation(operation));
}

/** What a write route takes from its request, in one parameter. */
export interface Write {
  who: Principal;
  /** Who acts, as an event's metadata records it (the role is the one this route allowed). */
  actor: { subject: string; role: Role };
  options: WriteRequestOptions;
  /** For the ETag and Location headers; the handler's return value is still the body. */
  res: Response;
}

/**
 * `@Writing()`: the principal, the checked `Idempotency-Key` and the request's fingerprint;
 * `@Writing('if-match')` also the `If-Match` revision (a change to an existing stream). Checked in
 * the order the separate decorators used: no principal 401, then the key, then If-Match (400s).
 */
export const Writing = createParamDecorator((data: 'if-match' | undefined, ctx: ExecutionContext): Write => {
  const http = ctx.switchToHttp();
  const req = http.getRequest<AuthenticatedRequest>();
  const who = principalOf(req);
  const options: WriteRequestOptions = { idempotencyKey: idempotencyKeyOf(req), requestHash: requestHashOf(req) };
  if (data === 'if-match') options.ifMatch = ifMatchRevisionOf(req);
  return { who, actor: actorOf(who), options, res: http.getResponse<Response>() };
});

/** The answer to a write: its result, with the ETag of the revision it produced. */
export function withETag<R extends { revision: number | null }>(w: Write, result: R): R {
  w.res.setHeader('ETag', revisionETag(result.revision));
  return result;
}
