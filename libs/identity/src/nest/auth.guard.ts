import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemException } from '@app/platform';
import { HUMAN_ROLES, InvalidTokenError, type Role } from '../local-tokens';
import { IdentityProviderUnavailableError } from '../oidc-token-verifier';
import { type AuthenticatedRequest, PUBLIC_KEY, READS_ONLY_KEY, ROLES_KEY } from './auth.decorators';
import { TOKEN_VERIFIER, type TokenVerifier, type VerifiedToken } from './token-verifier';
import { FailedAuthenticationLimiter, WriteRateLimiter } from './rate-limits';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The roles a route admits: its @Roles, else every role of a person (a machine client only where named). */
export function allowedRoles(reflector: Reflector, targets: Parameters<Reflector['getAllAndOverride']>[1]): readonly Role[] {
  return reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets) ?? HUMAN_ROLES;
}

/**
 * The one place access is decided: no or invalid token → 401, a valid token without an allowed
 * role → 403 (also for an IdP user who has none of our roles: they are known, just not allowed).
 * A route without @Roles is open to every authenticated role. Failed tokens are rate limited
 * (never a valid one), and each user's writes too.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    private readonly failures: FailedAuthenticationLimiter,
    private readonly writes: WriteRateLimiter,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = req.header('authorization');
    const match = header ? /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(header) : null;
    if (!match) {
      throw new ProblemException(401, 'unauthenticated', 'Authentication required', 'Send a bearer token: Authorization: Bearer <token>', [], {});
    }
    let verified: VerifiedToken;
    try {
      verified = await this.verifier.verify(match[1]);
    } catch (err) {
      if (err instanceof IdentityProviderUnavailableError) {
        throw new ProblemException(
          503,
          'identity-provider-unavailable',
          'Service unavailable',
          'The identity provider cannot be reached right now; retry shortly',
        );
      }
      // Only failures are counted and refused: a valid token from the same address is still served.
      await this.failures.failed(req.ip ?? 'unknown', match[1]);
      const reason = err instanceof InvalidTokenError ? err.reason : 'invalid';
      throw new ProblemException(401, 'invalid-token', 'Authentication required', `The bearer token is not valid (${reason})`, undefined, { reason });
    }
    const allowed = allowedRoles(this.reflector, targets);
    const role = verified.roles.find((r) => allowed.includes(r));
    if (!role) {
      const detail = verified.roles.length
        ? `This needs one of the roles: ${allowed.join(', ')}`
        : 'Your account has no role in this registry; ask the identity provider administrator for one';
      throw new ProblemException(403, verified.roles.length ? 'forbidden' : 'no-role', 'Forbidden', detail, undefined, { requiredRoles: allowed });
    }
    req.principal = {
      subject: verified.sub,
      role,
      roles: verified.roles,
      name: verified.name,
      ...(verified.aiSystemId ? { aiSystemId: verified.aiSystemId } : {}),
    };
    const reads = READ_METHODS.has(req.method) || this.reflector.getAllAndOverride<boolean>(READS_ONLY_KEY, targets);
    if (!reads) await this.writes.written(verified.sub);
    return true;
  }
}
