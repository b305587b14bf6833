import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata, UnauthorizedException } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, Matches } from 'class-validator';
import type { Request } from 'express';
import { ProblemException } from '@app/platform';
import type { Role } from '../local-tokens';
import { PSEUDONYM_PATTERN, type Pseudonymizer } from '../pseudonymizer';

export const ROLES_KEY = 'oversight:roles';
export const PUBLIC_KEY = 'oversight:public';
export const READS_ONLY_KEY = 'oversight:reads-only';

/** Roles allowed on a route; every route not marked @Public needs a valid bearer token. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
export const Public = () => SetMetadata(PUBLIC_KEY, true);
/** A POST that only reads (its parameters in the body to keep them out of URLs): not counted as a write. */
export const ReadsOnly = () => SetMetadata(READS_ONLY_KEY, true);

/** Who is acting, as the event metadata records it: the role is the one this route allowed. */
export interface Principal {
  subject: string;
  role: Role;
  roles: Role[];
  name?: string;
  /** For the `ai-system` role: the one AI system this client may post outputs for. */
  aiSystemId?: string;
}

export type AuthenticatedRequest = Request & { principal?: Principal };

/** Who acts, as an event's metadata records it. */
export function actorOf(p: Principal): { subject: string; role: Role } {
  return { subject: p.subject, role: p.role };
}

export function principalOf(req: AuthenticatedRequest): Principal {
  if (!req.principal) throw new UnauthorizedException();
  return req.principal;
}

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal =>
  principalOf(ctx.switchToHttp().getRequest<AuthenticatedRequest>()),
);

/** The pseudonym of a raw patient id from a request body, or 400 `invalid-patient-id` (never echoing the id). */
export function pseudonymOfPatientId(pseudonyms: Pseudonymizer, patientId: string): string {
  try {
    return pseudonyms.pseudonymise(patientId);
  } catch {
    throw new ProblemException(400, 'invalid-patient-id', 'Bad request', 'patientId is not a usable patient identifier', [
      { field: 'patientId', message: 'is empty or too long after normalisation' },
    ]);
  }
}

/** An optional list of at most `max` pseudonyms issued by this registry (`p-…`). */
export function OptionalPseudonymList(max: number, description: string, message: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: [String], description }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(max),
    Matches(PSEUDONYM_PATTERN, { each: true, message }),
  );
}
