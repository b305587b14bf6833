import { DateTime } from 'luxon';
import { addDutchWorkingDays, endOfAmsterdamDayWeeksAfter } from './dutch-working-days';
import { type Deadline, type DeadlinePolicy, reportKey, type RuleNature } from './incident.events';
import { AI_ACT_HIGH_RISK_APPLICATION, aiActRoute, type DeadlineFacts, type Period, type Rule, RULEBOOK_VERSION, RULES } from './rulebook';

/**
 * The product's defaults for the judgements the law leaves open (docs/legal/sources.md J1, J4, J9):
 * "immediately" = 24 h, the IGJ's 3 working days, 5 May a holiday (Algemene termijnenwet art. 3(1)),
 * AI Act clocks kept as hospital policy before they apply, the patient (J2) and the data subjects
 * of a high-risk breach (J14) told within 72 h of awareness. Adopted by nobody until the hospital
 * says who did (INCIDENT_POLICY_ADOPTED_BY).
 */
export const DEFAULT_DEADLINE_POLICY: DeadlinePolicy = {
  providerInformHours: 24,
  authorityInformHours: 24,
  igjWorkingDays: 3,
  liberationDayIsHoliday: true,
  aiActBeforeApplication: true,
  patientInformHours: 72,
  dataSubjectInformHours: 72,
  nis2AppliesFrom: null,
  adoptedBy: null,
};

const HOUR_MS = 3_600_000;

const NATURE_TEXT: Record<RuleNature, string> = {
  law: 'LAW',
  'regulator-policy': 'REGULATOR POLICY',
  'hospital-policy': 'HOSPITAL POLICY',
};

function dueAt(period: Period, at: string, policy: DeadlinePolicy): string {
  if ('hours' in period) return new Date(Date.parse(at) + period.hours * HOUR_MS).toISOString();
  if ('days' in period) return new Date(Date.parse(at) + period.days * 24 * HOUR_MS).toISOString();
  if ('weeks' in period) return endOfAmsterdamDayWeeksAfter(at, period.weeks);
  // A calendar month: the same day next month, or its last day when it has none (31 Jan → 28/29 Feb).
  if ('months' in period) return DateTime.fromISO(at, { zone: 'utc' }).plus({ months: period.months }).toISO()!;
  if ('until' in period) return period.until;
  return addDutchWorkingDays(at, period.workingDays, policy);
}

function clockStart(rule: Rule, f: DeadlineFacts): string | null {
  if (rule.trigger === 'awareness') return f.awareAt;
  if (rule.trigger === 'identification') return f.identifiedAt;
  if (rule.trigger === 'incident-notification') return f.reports[reportKey('csirt', 'incident-notification')] ?? null;
  if (rule.trigger === 'term-set') return f.investigationReport?.setAt ?? null;
  return f.calamity?.status === 'established' ? f.calamity.at : null;
}

type DutiesApplyFrom = NonNullable<Deadline['dutiesApplyFrom']>;
/** What a rule is for this incident, and why; for AI Act rules of a high-risk system, from when they apply. */
type RuleScope = { nature: RuleNature; note: string; dutiesApplyFrom?: DutiesApplyFrom };

/**
 * From when a high-risk system's AI Act duties apply (J9): the date the compliance file's
 * classification records (counsel's date, or the default of its legal ground), at midnight in
 * Amsterdam; without a classification the rulebook's date for the route (Annex I or III, J10).
 */
function highRiskDuties(f: DeadlineFacts): { where: string; date: string; from: DutiesApplyFrom } {
  const c = f.system.classification;
  if (c) {
    const at = DateTime.fromISO(c.dutiesApplyFrom, { zone: 'Europe/Amsterdam' }).startOf('day').toUTC().toISO()!;
    const basis = `the compliance file's classification decided on ${c.decidedOn} by ${c.decidedBy}: ${c.dutiesApplyFromBasis}`;
    return {
      where: `system (${c.legalGroundPoint ?? c.legalGround}, compliance file)`,
      date: c.dutiesApplyFrom,
      from: { at, source: 'compliance-file', basis },
    };
  }
  const route = aiActRoute(f.system);
  const applies = AI_ACT_HIGH_RISK_APPLICATION[route];
  const where = route === 'annex-i' ? `Annex I product (MDR class ${f.system.mdrClass}, J10)` : 'Annex III system (J10)';
  return { where, date: applies.date, from: { at: applies.from, source: 'rulebook', basis: AI_ACT_HIGH_RISK_APPLICATION.source } };
}

/**
 * What an AI Act rule is for this system at this moment: nothing for a system that is not high-risk
 * (Art. 26 and 73 bind high-risk systems only); hospital policy before the high-risk duties apply
 * (J9) or when neither the compliance file nor the register says; the rule's own nature otherwise.
 */
function aiActScope(rule: Rule, f: DeadlineFacts, at: string): RuleScope | null {
  const riskClass = f.system.aiActRiskClass;
  if (riskClass === 'unknown') {
    return { nature: 'hospital-policy', note: "The AI system's risk class is not recorded: kept as hospital policy until it is" };
  }
  if (riskClass !== 'high') return null;
  const { where, date, from } = highRiskDuties(f);
  if (at >= from.at) return { nature: rule.nature, note: `High-risk ${where}; the duty applies from ${date} (${from.basis})`, dutiesApplyFrom: from };
  if (!f.policy.aiActBeforeApplication) return null;
  return {
    nature: 'hospital-policy',
    note: `High-risk ${where}; the duty applies only from ${date} (${from.basis}): kept before then as hospital policy (J9)`,
    dutiesApplyFrom: from,
  };
}

/**
 * NIS2 binds Member States; the hospital's duty comes from the Dutch Cyberbeveiligingswet, whose
 * entry into force was not verified (docs/legal/sources.md § 13): law only from the date the
 * hospital's counsel recorded (J15), hospital policy before.
 */
function cbwScope(rule: Rule, f: DeadlineFacts, at: string): { nature: RuleNature; note: string } {
  const from = f.policy.nis2AppliesFrom ?? null;
  if (from !== null && at >= from)
    return { nature: rule.nature, note: `Cyberbeveiligingswet in force for the hospital from ${from} (INCIDENT_NIS2_APPLIES_FROM, J15)` };
  return {
    nature: 'hospital-policy',
    note:
      from === null
        ? "the Cyberbeveiligingswet's entry into force is not verified (INCIDENT_NIS2_APPLIES_FROM unset, J15): kept as hospital policy"
        : `the Cyberbeveiligingswet binds the hospital only from ${from} (J15): kept before then as hospital policy`,
  };
}

function adoption(policy: DeadlinePolicy): string {
  return policy.adoptedBy
    ? `Policy values adopted by ${policy.adoptedBy}`
    : "Policy values are the product's defaults, adopted by nobody (INCIDENT_POLICY_ADOPTED_BY)";
}

/**
 * Every duty the current rulebook gives the incident: the earliest of each rule family, earliest
 * first. Each row names its rule id, the rulebook version, whether it is law or policy, and the
 * moment its clock runs from.
 */
export function computeDeadlines(f: DeadlineFacts): Deadline[] {
  const governing = new Map<string, Deadline>();
  for (const rule of RULES) {
    if (!rule.applies(f)) continue;
    const at = clockStart(rule, f);
    if (at === null) continue;
    const scope: RuleScope | null = rule.aiAct ? aiActScope(rule, f, at) : rule.cbw ? cbwScope(rule, f, at) : { nature: rule.nature, note: '' };
    if (!scope) continue;
    const basis = `${NATURE_TEXT[scope.nature]}. ${rule.article}: "${rule.quote}" — ${[rule.reading(f.policy), scope.note, adoption(f.policy)].filter(Boolean).join('; ')}.`;
    const row: Deadline = {
      obligation: rule.obligation,
      recipient: rule.recipient,
      dueAt: dueAt(rule.period(f.policy, f), at, f.policy),
      rule: rule.article,
      basis,
      ruleId: rule.id,
      rulebookVersion: RULEBOOK_VERSION,
      nature: scope.nature,
      from: { trigger: rule.trigger, at },
      ...(rule.reportKind ? { reportKind: rule.reportKind } : {}),
      ...(scope.dutiesApplyFrom ? { dutiesApplyFrom: scope.dutiesApplyFrom } : {}),
    };
    const current = governing.get(rule.family);
    if (!current || row.dueAt < current.dueAt) governing.set(rule.family, row);
  }
  return [...governing.values()].sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.recipient.localeCompare(b.recipient));
}

export interface DeadlineStatus extends Deadline {
  /** When the duty was met (report delivered or recorded as made); null while open. */
  metAt: string | null;
  overdue: boolean;
}

/** When a deadline was met: by the first report to its recipient, or of its kind when it asks for one; null while open. */
export const metAt = (d: Deadline, informedAt: Partial<Record<string, string>>): string | null => informedAt[reportKey(d.recipient, d.reportKind)] ?? null;

/** Deadlines with their state at `now`: met (possibly late), open, or overdue. */
export function deadlineStatus(deadlines: readonly Deadline[], informedAt: Partial<Record<string, string>>, now: string): DeadlineStatus[] {
  return deadlines.map((d) => {
    const met = metAt(d, informedAt);
    return { ...d, metAt: met, overdue: met === null && d.dueAt < now };
  });
}
