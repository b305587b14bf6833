import { addDutchWorkingDays, endOfAmsterdamDayWeeksAfter } from './dutch-working-days';
import type { Classification, Deadline, DeadlineParty, DeadlinePolicy, Recipient, SeriousnessCriteria } from './incident.events';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Defaults documented in docs/adr/0005 and docs/incidents.md: "immediately" = 24 h, "onverwijld" =
 * 3 Dutch working days (the IGJ's reading), 5 May a holiday (Algemene termijnenwet art. 3(1)).
 */
export const DEFAULT_DEADLINE_POLICY: DeadlinePolicy = { providerInformHours: 24, igjWorkingDays: 3, liberationDayIsHoliday: true };

interface Rule {
  recipient: Recipient;
  obligation: string;
  rule: string;
  applies: (c: Classification) => boolean;
  due: (awareAt: string, policy: DeadlinePolicy) => string;
  basis: (policy: DeadlinePolicy) => string;
}

const after = (ms: number) => (awareAt: string) => new Date(Date.parse(awareAt) + ms).toISOString();
const days = (n: number) => after(n * DAY_MS);
const any = (c: SeriousnessCriteria, ...keys: (keyof SeriousnessCriteria)[]) => keys.some((k) => c[k]);

/**
 * AI Act Art. 73(10): for AI systems that are (safety components of) medical devices, only
 * infringements of fundamental rights (Art. 3(49)(c)) are reported under the AI Act; the rest
 * goes through MDR vigilance.
 */
const aiActReportable = (c: Classification) => c.serious && (!c.medicalDevice || c.criteria.fundamentalRightsInfringement);
const MSA_OBLIGATION = 'Report the serious incident to the market surveillance authority';
const MDR_OBLIGATION = 'Report the serious incident to the manufacturer';
const MDR_BASIS = 'MDR Art. 87 periods apply to the hospital\'s report to the manufacturer (hospital policy), so the manufacturer can meet them';

/** One row per rule; for each recipient the applicable rule with the earliest due time governs. */
export const DEADLINE_RULES: readonly Rule[] = [
  {
    recipient: 'provider',
    obligation: 'Inform the provider of the serious incident',
    rule: 'AI Act Art. 26(5)',
    applies: (c) => c.serious,
    due: (awareAt, p) => after(p.providerInformHours * HOUR_MS)(awareAt),
    basis: (p) => `Deployers inform the provider "immediately"; policy: within ${p.providerInformHours} h of awareness`,
  },
  {
    recipient: 'market-surveillance-authority',
    obligation: MSA_OBLIGATION,
    rule: 'AI Act Art. 73(2)',
    applies: aiActReportable,
    due: days(15),
    basis: () => 'Serious incident: not later than 15 days after awareness (Art. 26(5) makes Art. 73 apply to deployers)',
  },
  {
    recipient: 'market-surveillance-authority',
    obligation: MSA_OBLIGATION,
    rule: 'AI Act Art. 73(3)',
    applies: (c) => aiActReportable(c) && any(c.criteria, 'widespreadInfringement', 'criticalInfrastructureDisruption'),
    due: days(2),
    basis: () => 'Widespread infringement or serious and irreversible disruption of critical infrastructure: not later than 2 days after awareness',
  },
  {
    recipient: 'market-surveillance-authority',
    obligation: MSA_OBLIGATION,
    rule: 'AI Act Art. 73(4)',
    applies: (c) => aiActReportable(c) && c.criteria.death,
    due: days(10),
    basis: () => 'Death of a person: not later than 10 days after awareness',
  },
  {
    recipient: 'manufacturer',
    obligation: MDR_OBLIGATION,
    rule: 'MDR Art. 87(3)',
    applies: (c) => c.serious && c.medicalDevice,
    due: days(15),
    basis: () => `${MDR_BASIS}: serious incident, 15 days after awareness`,
  },
  {
    recipient: 'manufacturer',
    obligation: MDR_OBLIGATION,
    rule: 'MDR Art. 87(4)',
    applies: (c) => c.serious && c.medicalDevice && c.criteria.seriousPublicHealthThreat,
    due: days(2),
    basis: () => `${MDR_BASIS}: serious public health threat, 2 days after awareness`,
  },
  {
    recipient: 'manufacturer',
    obligation: MDR_OBLIGATION,
    rule: 'MDR Art. 87(5)',
    applies: (c) => c.serious && c.medicalDevice && any(c.criteria, 'death', 'seriousHarmToHealth'),
    due: days(10),
    basis: () => `${MDR_BASIS}: death or unanticipated serious deterioration of health, 10 days after awareness`,
  },
];

/** What the hospital decided about a possible calamity (Wkkgz art. 1); null while undecided. */
export interface CalamityDecision {
  status: 'established' | 'ruled-out';
  /** Business time of the decision: `establishedAt` or `decidedAt`. */
  at: string;
}

/** IGJ guidance: "vanaf de constatering van de gebeurtenis 6 weken" (docs/legal/sources.md § 11). */
export const IGJ_TRIAGE_WEEKS = 6;

/**
 * The Wkkgz clocks (docs/legal/sources.md § 11). Both periods are REGULATOR POLICY: the statute
 * (Wkkgz art. 11(1)(a)) says only "onverwijld"; the IGJ's guidance gives the numbers.
 * - `igj.calamity.triage`: a possible calamity (classification flag) or a decided one has a window
 *   to establish whether it is one, 6 calendar weeks from awareness (our "constatering").
 * - `igj.calamity.report`: an established calamity is reported within the policy's working days
 *   of its establishment, not of awareness.
 */
function wkkgzDeadlines(classification: Classification | null, awareAt: string, decision: CalamityDecision | null, policy: DeadlinePolicy): Deadline[] {
  const rows: Deadline[] = [];
  if (classification?.wkkgzCalamity || decision) {
    rows.push({
      obligation: 'Establish whether the event is a calamity (Wkkgz art. 1), or rule it out, with reasons',
      recipient: 'calamity-decision',
      dueAt: endOfAmsterdamDayWeeksAfter(awareAt, IGJ_TRIAGE_WEEKS),
      rule: 'IGJ guidance: calamity triage',
      basis:
        `REGULATOR POLICY (IGJ, not statute): "… dan heeft u vanaf de constatering van de gebeurtenis 6 weken de tijd om dat te onderzoeken." ` +
        `Counted ${IGJ_TRIAGE_WEEKS} calendar weeks from awareness on the Europe/Amsterdam date, to the end of that day`,
    });
  }
  if (decision?.status === 'established') {
    rows.push({
      obligation: 'Report the calamity to the Inspectie Gezondheidszorg en Jeugd',
      recipient: 'igj',
      dueAt: addDutchWorkingDays(decision.at, policy.igjWorkingDays, policy),
      rule: 'Wkkgz art. 11(1)(a)',
      basis:
        `LAW: calamities are reported "onverwijld" (Wkkgz art. 11(1)(a)); REGULATOR POLICY reading (IGJ): "Binnen 3 werkdagen nadat u heeft vastgesteld dat het om een calamiteit gaat." ` +
        `Policy: within ${policy.igjWorkingDays} working days of establishment (${decision.at}), to the end of the last day, ` +
        `counted in Dutch working days (Europe/Amsterdam; holidays of the Algemene termijnenwet art. 3 including Good Friday; ` +
        `5 May ${policy.liberationDayIsHoliday ? 'a holiday' : 'a working day'})`,
    });
  }
  return rows;
}

/**
 * Every reporting duty the classification and the calamity decision create, strictest rule per
 * recipient, earliest first.
 */
export function computeDeadlines(
  classification: Classification | null,
  awareAt: string,
  policy: DeadlinePolicy,
  calamity: CalamityDecision | null = null,
): Deadline[] {
  const governing = new Map<DeadlineParty, Deadline>();
  for (const d of wkkgzDeadlines(classification, awareAt, calamity, policy)) governing.set(d.recipient, d);
  for (const r of classification ? DEADLINE_RULES : []) {
    if (!r.applies(classification!)) continue;
    const row: Deadline = { obligation: r.obligation, recipient: r.recipient, dueAt: r.due(awareAt, policy), rule: r.rule, basis: r.basis(policy) };
    const current = governing.get(r.recipient);
    if (!current || row.dueAt < current.dueAt) governing.set(r.recipient, row);
  }
  return [...governing.values()].sort((a, b) => a.dueAt.localeCompare(b.dueAt));
}

export interface DeadlineStatus extends Deadline {
  /** When the duty was met (report delivered or recorded as made); null while open. */
  metAt: string | null;
  overdue: boolean;
}

/** Deadlines with their state at `now`: met (possibly late), open, or overdue. */
export function deadlineStatus(deadlines: readonly Deadline[], informedAt: Partial<Record<DeadlineParty, string>>, now: string): DeadlineStatus[] {
  return deadlines.map((d) => {
    const metAt = informedAt[d.recipient] ?? null;
    return { ...d, metAt, overdue: metAt === null && d.dueAt < now };
  });
}
