import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { ProblemException } from '@app/platform';

const WINDOW_MS = 60_000;

/**
 * Slows down token guessing: a client (IP) that sends more than `AUTH_FAILURES_PER_MINUTE`
 * (default 30; 0 = off) invalid tokens a minute gets 429 for `AUTH_FAILURE_BLOCK_SECONDS`
 * (default 300), valid tokens included. Counting uses @nestjs/throttler's storage; our API has
 * no login endpoint of its own (the IdP has), so failed authentications are what is limited.
 */
@Injectable()
export class FailedAuthenticationLimiter implements OnApplicationShutdown {
  private readonly storage = new ThrottlerStorageService();
  private readonly blockedUntil = new Map<string, number>();
  private readonly limit: number;
  private readonly blockMs: number;

  constructor() {
    this.limit = Number(process.env.AUTH_FAILURES_PER_MINUTE ?? 30);
    this.blockMs = Number(process.env.AUTH_FAILURE_BLOCK_SECONDS ?? 300) * 1000;
  }

  /** Throws 429 problem+json while the client is blocked. */
  check(client: string): void {
    const until = this.blockedUntil.get(client);
    if (until === undefined) return;
    const left = until - Date.now();
    if (left <= 0) {
      this.blockedUntil.delete(client);
      return;
    }
    throw new ProblemException(429, 'too-many-failed-authentications', 'Too many requests', 'Too many invalid tokens from this client; wait and retry', undefined, {
      retryAfterSeconds: Math.ceil(left / 1000),
    });
  }

  failed(client: string): void {
    if (!(this.limit > 0)) return;
    void this.storage.increment(`failed-auth:${client}`, WINDOW_MS, this.limit, this.blockMs, 'failed-auth').then((r) => {
      if (r.isBlocked) this.blockedUntil.set(client, Date.now() + r.timeToBlockExpire * 1000);
    });
  }

  onApplicationShutdown(): void {
    this.storage.onApplicationShutdown();
  }
}
