import { DEFAULT_PERIOD_COUNTING, PERIOD_COUNTINGS, type PeriodCounting, type RequestPolicy } from '../domain';

/**
 * The hospital's choices for request deadlines (ADR 0051), from the environment:
 * `REQUEST_PERIOD_COUNTING` (`reg-1182-71-nl`, the registry's documented default for counsel to
 * confirm; `strict`, the conservative reading; or `reg-1182-71`, the earlier reading without Art. 3(4):
 * judgement J20),
 * `EXPLANATION_REQUEST_MONTHS` (1 to 3, default 1: the period for an AI Act Art. 86 explanation,
 * which the Act does not set: J19) and `REQUEST_POLICY_ADOPTED_BY` (who adopted them, and where).
 * Each deadline records the values it used. A bad value stops the start rather than guessing.
 */
export function requestPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): RequestPolicy {
  const counting = (env.REQUEST_PERIOD_COUNTING?.trim() || DEFAULT_PERIOD_COUNTING) as PeriodCounting;
  if (!PERIOD_COUNTINGS.includes(counting)) throw new Error(`REQUEST_PERIOD_COUNTING must be one of ${PERIOD_COUNTINGS.join(', ')}`);
  const monthsText = env.EXPLANATION_REQUEST_MONTHS?.trim() || '1';
  const explanationMonths = Number(monthsText);
  if (!/^[1-3]$/.test(monthsText)) throw new Error('EXPLANATION_REQUEST_MONTHS must be a whole number of months from 1 to 3');
  const adoptedBy = env.REQUEST_POLICY_ADOPTED_BY?.trim() || null;
  if (adoptedBy !== null && adoptedBy.length > 200)
    throw new Error('REQUEST_POLICY_ADOPTED_BY must be at most 200 characters: who adopted the policy, and where');
  return { counting, explanationMonths, adoptedBy };
}
