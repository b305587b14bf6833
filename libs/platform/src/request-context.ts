import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { ProblemException } from './problem';

const KEY = /^[A-Za-z0-9._:-]{8,200}$/;

/** The `Idempotency-Key` header, checked for shape; undefined when the client sent none. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const raw = req.header('idempotency-key');
  if (raw === undefined) return undefined;
  if (!KEY.test(raw)) {
    throw new ProblemException(400, 'invalid-idempotency-key', 'Bad request', 'Idempotency-Key must be 8–200 characters of A–Z, a–z, 0–9, . _ : -', [
      { field: 'Idempotency-Key', message: 'must be 8–200 characters of A–Z, a–z, 0–9, . _ : -' },
    ]);
  }
  return raw;
}

/** `If-Match: "3"` (or `3`) → 3: the stream revision the client last saw. */
export function ifMatchRevisionOf(req: Request): number | undefined {
  const raw = req.header('if-match');
  if (raw === undefined) return undefined;
  const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(raw.trim());
  if (!m) {
    throw new ProblemException(400, 'invalid-if-match', 'Bad request', 'If-Match must be a revision such as "3"', [
      { field: 'If-Match', message: 'must be a revision such as "3"' },
    ]);
  }
  return Number(m[1]);
}

/** Fingerprint of a request for idempotency: method, path and body. */
export function requestHashOf(req: Request): string {
  return requestHash(req.method, req.originalUrl.split('?')[0], req.body);
}

/** The request's fingerprint alone: a write without an idempotency key (a supplier's acknowledgement). */
export const RequestHash = createParamDecorator((_: unknown, ctx: ExecutionContext) => requestHashOf(ctx.switchToHttp().getRequest<Request>()));

/** What a write takes from its request: idempotency (key and fingerprint) and, for changes, If-Match. */
export interface WriteRequestOptions {
  idempotencyKey?: string;
  requestHash: string;
  ifMatch?: number;
}

export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${stableStringify(body ?? null)}`)
    .digest('hex');
}

function stableStringify(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
    .join(',')}}`;
}

/** ETag for a stream revision, used with If-Match. */
export function revisionETag(revision: number | null): string {
  return `"${revision ?? -1}"`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** Path parameter pipe: a UUID, or a 400 problem naming the parameter. */
export class ParseIdPipe {
  transform(value: unknown, meta: { data?: string }): string {
    if (typeof value === 'string' && UUID.test(value)) return value.toLowerCase();
    const field = meta.data ?? 'id';
    throw new ProblemException(400, 'invalid-id', 'Bad request', `${field} must be a UUID`, [{ field, message: 'must be a UUID' }]);
  }
}
