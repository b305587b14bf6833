import { HttpException } from '@nestjs/common';

export interface FieldProblem {
  field: string;
  message: string;
}

/** RFC 9457 problem details as the API sends them (`application/problem+json`). */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

export const PROBLEM_BASE = 'https://oversight-registry.eu/problems/';

/** An HTTP error that already knows its problem code and the fields it is about. */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    readonly title: string,
    detail?: string,
    readonly errors?: FieldProblem[],
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? title, status);
  }
}
