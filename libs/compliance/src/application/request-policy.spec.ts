import { requestPolicyFromEnv } from './request-policy';

/**
 * The hospital's choices for request periods (ADR 0051 § 5, judgement J20): the registry's
 * documented default reading of Regulation 1182/71 Art. 3 unless the hospital chose another, with
 * who adopted it; a value the registry does not know stops the start.
 */
describe('request policy from the environment', () => {
  it("defaults to the registry's reading (Regulation 1182/71 Art. 3(1), 3(2)(c), 3(4), Dutch holidays), adopted by nobody yet", () => {
    expect(requestPolicyFromEnv({})).toEqual({ counting: 'reg-1182-71-nl', explanationMonths: 1, adoptedBy: null });
  });

  it('keeps the strict reading and the earlier one selectable, with who adopted the choice', () => {
    expect(requestPolicyFromEnv({ REQUEST_PERIOD_COUNTING: 'strict', REQUEST_POLICY_ADOPTED_BY: 'RvB 2026-12-01, besluit 14' })).toEqual({
      counting: 'strict',
      explanationMonths: 1,
      adoptedBy: 'RvB 2026-12-01, besluit 14',
    });
    expect(requestPolicyFromEnv({ REQUEST_PERIOD_COUNTING: 'reg-1182-71' }).counting).toBe('reg-1182-71');
  });

  it('refuses to start on a counting it does not know', () => {
    expect(() => requestPolicyFromEnv({ REQUEST_PERIOD_COUNTING: 'working-days' })).toThrow(
      /REQUEST_PERIOD_COUNTING must be one of strict, reg-1182-71, reg-1182-71-nl/,
    );
  });
});
