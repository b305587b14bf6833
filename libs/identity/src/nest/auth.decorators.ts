import { createParamDecorator, type ExecutionContext, SetMetadata, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import type { Role } from '../local-tokens';

export const ROLES_KEY = 'oversight:roles';
export const PUBLIC_KEY = 'oversight:public';

/** Roles allowed on a route; every route not marked @Public needs a valid bearer token. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** Who is acting, as the event metadata records it: the role is the one this route allowed. */
export interface Principal {
  subject: string;
  role: Role;
  roles: Role[];
  name?: string;
}

export type AuthenticatedRequest = Request & { principal?: Principal };

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new UnauthorizedException();
  return principal;
});
