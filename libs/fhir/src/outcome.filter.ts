import { type ArgumentsHost, Catch } from '@nestjs/common';
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { Response } from 'express';
import { PROBLEM_BASE, ProblemDetailsFilter, type ProblemDetails } from '@app/platform';

export const FHIR_JSON = 'application/fhir+json';

const ISSUE_CODES: Record<number, OperationOutcomeIssue['code']> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  413: 'too-costly',
  429: 'throttled',
  503: 'transient',
};

/**
 * A problem (RFC 9457) as a FHIR OperationOutcome: one issue per field, or one for the whole;
 * each issue carries the API's problem code (`details.coding`), so clients of both see the same codes.
 */
export function outcomeOf(p: ProblemDetails): OperationOutcome {
  const code = ISSUE_CODES[p.status] ?? (p.status >= 500 ? 'exception' : 'processing');
  const severity = p.status >= 500 ? 'fatal' : 'error';
  const text = p.detail ?? p.title;
  const coding = [{ system: PROBLEM_BASE, code: p.code }];
  const issue: OperationOutcomeIssue[] = p.errors?.length
    ? p.errors.map((e) => ({ severity, code, details: { coding, text: `${e.field}: ${e.message}` }, diagnostics: text, expression: [e.field] }))
    : [{ severity, code, details: { coding, text } }];
  return { resourceType: 'OperationOutcome', issue };
}

/**
 * Errors under /fhir leave as OperationOutcome with the same status: the API's problem mapping
 * (and its logging, Retry-After) is reused as is, and only the body it sends is rewritten.
 */
@Catch()
export class OperationOutcomeFilter extends ProblemDetailsFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const send = res.send.bind(res);
    res.send = ((body: string) => {
      res.type(FHIR_JSON);
      return send(JSON.stringify(outcomeOf(JSON.parse(body) as ProblemDetails)));
    }) as Response['send'];
    super.catch(exception, host);
  }
}
