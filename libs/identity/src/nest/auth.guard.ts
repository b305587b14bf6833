import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemException } from '@app/platform';
import { InvalidTokenError, type Role } from '../local-tokens';
import { type AuthenticatedRequest, PUBLIC_KEY, ROLES_KEY } from './auth.decorators';
import { TOKEN_VERIFIER, type TokenVerifier } from './token-verifier';

/**
 * The one place access is decided: no token → 401, a token without an allowed role → 403.
 * A route without @Roles is open to every authenticated role.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
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
    let verified;
    try {
      verified = await this.verifier.verify(match[1]);
    } catch (err) {
      const reason = err instanceof InvalidTokenError ? err.reason : 'invalid';
      throw new ProblemException(401, 'invalid-token', 'Authentication required', `The bearer token is not valid (${reason})`);
    }
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    const role = allowed ? verified.roles.find((r) => allowed.includes(r)) : verified.roles[0];
    if (!role) {
      throw new ProblemException(403, 'forbidden', 'Forbidden', `This needs one of the roles: ${allowed!.join(', ')}`, undefined, {
        requiredRoles: allowed,
      });
    }
    req.principal = { subject: verified.sub, role, roles: verified.roles, name: verified.name };
    return true;
  }
}
