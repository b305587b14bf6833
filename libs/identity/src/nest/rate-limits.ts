import { createHash } from 'node:crypto';
import { type ExecutionContext, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, ThrottlerStorageService } from '@nestjs/throttler';
import { ProblemException } from '@app/platform';

const MINUTE_MS = 60_000;

/** 429 problem+json; the filter turns `retryAfterSeconds` into the `Retry-After` header. */
export function tooManyRequests(code: string, detail: string, retryAfterSeconds: number): ProblemException {
  return new ProblemException(429, code, 'Too many requests', detail, undefined, { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)) });
}

/** A per-minute limit from the environment: a whole number, 0 = off; anything else stops the start. */
export function limitFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, 0 or more (0 turns the limit off)`);
  return n;
}

/**
 * Hits per key in a one-minute window on @nestjs/throttler's storage; past `limit` the key is
 * blocked for `blockMs`. `hit` answers the seconds to wait while blocked.
 */
class RateLimit {
  private readonly storage = new ThrottlerStorageService();

  constructor(
    private readonly name: string,
    private readonly limit: number,
    private readonly blockMs: number,
  ) {}

  async hit(key: string): Promise<number | undefined> {
    if (this.limit === 0) return undefined;
    const r = await this.storage.increment(`${this.name}:${key}`, MINUTE_MS, this.limit, this.blockMs, this.name);
    return r.isBlocked ? r.timeToBlockExpire : undefined;
  }

  close(): void {
    this.storage.onApplicationShutdown();
  }
}

/**
 * Slows down token guessing without locking out the ward: only requests whose token FAILS are
 * counted and refused, per presented credential (a hash of the token) and per address. More
 * than `AUTH_FAILURES_PER_MINUTE` (default 30; 0 = off) failures a minute → the next failures
 * get 429 instead of 401 for `AUTH_FAILURE_BLOCK_SECONDS` (default 300). A valid token is
 * verified and served whatever its address or other tokens did: behind a proxy (without
 * `TRUST_PROXY`) every user shares one address, and one broken client must not stop them.
 */
@Injectable()
export class FailedAuthenticationLimiter implements OnApplicationShutdown {
  private readonly byAddress: RateLimit;
  private readonly byCredential: RateLimit;

  constructor() {
    const limit = limitFromEnv('AUTH_FAILURES_PER_MINUTE', 30);
    const blockMs = limitFromEnv('AUTH_FAILURE_BLOCK_SECONDS', 300) * 1000;
    this.byAddress = new RateLimit('failed-auth-address', limit, blockMs);
    this.byCredential = new RateLimit('failed-auth-credential', limit, blockMs);
  }

  /** Counts one failed token; throws 429 (with the wait) when its address or credential is over the limit. */
  async failed(address: string, token: string): Promise<void> {
    const credential = createHash('sha256').update(token).digest('base64url');
    const waits = await Promise.all([this.byAddress.hit(address), this.byCredential.hit(credential)]);
    const wait = Math.max(...waits.map((w) => w ?? 0));
    if (wait > 0) throw tooManyRequests('too-many-failed-authentications', 'Too many invalid tokens from this client; wait and retry', wait);
  }

  onApplicationShutdown(): void {
    this.byAddress.close();
    this.byCredential.close();
  }
}

/**
 * One client cannot flood the event log: at most `WRITES_PER_MINUTE` (default 600; 0 = off)
 * writes a minute per user (the token's subject), then 429 until the minute has room again.
 * A busy ward's clinician records a review every few seconds at most; reads are never limited.
 */
@Injectable()
export class WriteRateLimiter implements OnApplicationShutdown {
  private readonly writes = new RateLimit('writes', limitFromEnv('WRITES_PER_MINUTE', 600), MINUTE_MS);

  async written(subject: string): Promise<void> {
    const wait = await this.writes.hit(subject);
    if (wait) throw tooManyRequests('too-many-writes', 'Too many writes by this user in the last minute; wait and retry', wait);
  }

  onApplicationShutdown(): void {
    this.writes.close();
  }
}

/** @nestjs/throttler's guard (erasure), answering like every other 429: problem+json with Retry-After. */
@Injectable()
export class ProblemThrottlerGuard extends ThrottlerGuard {
  protected override throwThrottlingException(_ctx: ExecutionContext, limit: ThrottlerLimitDetail): Promise<void> {
    throw tooManyRequests('too-many-requests', 'Too many requests of this kind from this client; wait and retry', limit.timeToBlockExpire);
  }
}
