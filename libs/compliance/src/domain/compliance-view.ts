import { DateTime } from 'luxon';
import type { CompetenceRecord, ComplianceDocument, ComplianceFileState } from './compliance-file.decider';
import { type DocumentStatus, documentsOn, hospitalDay } from './documents';
import type {
  AssessmentRecordedData,
  CompetencePolicy,
  HospitalRole,
  InformationDutyRecordedData,
  ModificationAssessedData,
  RiskClass,
  SystemClassifiedData,
} from './compliance-file.events';

/** What the oversight context needs from the compliance file before it records a review. */
export interface ReviewGate {
  /** Why use of the system is a prohibited practice (AI Act Art. 5); null when it is not. */
  prohibited: string | null;
  competencePolicy: CompetencePolicy;
  /** When the reviewer was authorised to oversee this system: intervals of instants, `until` null = open. */
  reviewerAuthorisations: Authorisation[];
}

/** An interval of authority: `until` included, unless it is the instant of a withdrawal. */
export interface Authorisation {
  from: string;
  until: string | null;
  endsAtWithdrawal: boolean;
}

/** The inventory's facts the file is read against: the registered class and the listed overseers. */
export interface RegisteredFacts {
  aiActRiskClass: RiskClass | null;
  oversightPersons: readonly string[];
  currentVersion: string | null;
}

/**
 * A classification as prohibited blocks the system; before any classification, so does a
 * registration that stated a prohibited practice (recorded before such registrations were refused).
 */
export function prohibitedBecause(file: ComplianceFileState, registered: RegisteredFacts): string | null {
  const current = file.classifications.at(-1);
  if (current) {
    return current.aiActRiskClass === 'prohibited'
      ? `classified as a prohibited AI practice (${current.legalGroundPoint ?? 'AI Act Art. 5'}) on ${current.decidedOn} by ${current.decidedBy.subject}`
      : null;
  }
  return registered.aiActRiskClass === 'prohibited' ? 'registered as a prohibited AI practice (AI Act Art. 5)' : null;
}

/** The classification that held at a moment, with the hospital's role then. */
export interface ClassificationHeld {
  classification: SystemClassifiedData;
  /** The classification's role, or `provider` after an Art. 25(1) assessment since it, by that moment. */
  role: HospitalRole;
}

/**
 * The classification that held at `at` in business time (what the incident rulebook reads, as of
 * the incident's awareness): the latest decided on or before that day in Europe/Amsterdam. A
 * decision recorded later still counts for the days after it was taken; one taken after `at` does
 * not. Of two decided the same day, the later recorded holds. Null: nothing decided by then.
 */
export function classificationAt(file: ComplianceFileState, at: string): ClassificationHeld | null {
  const day = DateTime.fromISO(at, { zone: 'Europe/Amsterdam' }).toISODate();
  if (!day) return null;
  let held: SystemClassifiedData | null = null;
  for (const c of file.classifications) if (c.decidedOn <= day && (held === null || c.decidedOn >= held.decidedOn)) held = c;
  if (!held) return null;
  const since = held.decidedOn;
  // Art. 25(1): an assessment on or after the classification that made the hospital the provider.
  const becameProvider = file.modifications.some((m) => m.becomesProvider && m.assessedOn >= since && m.assessedOn <= day);
  return { classification: held, role: becameProvider ? 'provider' : held.role };
}

/**
 * From when until when a record let its person oversee the system, as `statusAt` says: a
 * withdrawal ends authority at its own instant, an expiry only after it; the earlier end (by
 * time, not by text: instants with another precision or offset still order right) holds.
 */
function interval(r: CompetenceRecord): Authorisation {
  const withdrawn = r.withdrawnAt === null ? null : Date.parse(r.withdrawnAt);
  const expires = r.validUntil === null ? null : Date.parse(r.validUntil);
  if (withdrawn !== null && (expires === null || withdrawn <= expires)) return { from: r.validFrom, until: r.withdrawnAt, endsAtWithdrawal: true };
  return { from: r.validFrom, until: r.validUntil, endsAtWithdrawal: false };
}

export function reviewGate(file: ComplianceFileState, registered: RegisteredFacts, reviewer: string): ReviewGate {
  return {
    prohibited: prohibitedBecause(file, registered),
    competencePolicy: file.competencePolicy?.policy ?? 'not-checked',
    reviewerAuthorisations: file.competence.filter((r) => r.person === reviewer).map(interval),
  };
}

/** Whether intervals of authority cover an instant (ISO 8601 instants compare by time, not text). */
export function authorisedAt(authorisations: ReviewGate['reviewerAuthorisations'], at: string): boolean {
  const t = Date.parse(at);
  return authorisations.some((a) => Date.parse(a.from) <= t && (a.until === null || (a.endsAtWithdrawal ? t < Date.parse(a.until) : t <= Date.parse(a.until))));
}

export type CompetenceStatus = 'current' | 'lapsed' | 'not-yet-valid' | 'withdrawn';

export interface ComplianceView {
  aiSystemId: string;
  asOf: string;
  classification: SystemClassifiedData | null;
  classificationHistory: SystemClassifiedData[];
  /** The hospital's role now: the classification's, or provider after an Art. 25(1) assessment. */
  role: HospitalRole | null;
  modifications: ModificationAssessedData[];
  /** Why reviews are refused as a prohibited practice; null when they are not. */
  prohibited: string | null;
  competence: {
    policy: CompetencePolicy;
    /** False while no policy is set: reviews are recorded without the check (the default). */
    checked: boolean;
    policySetBy: string | null;
    records: Array<CompetenceRecord & { status: CompetenceStatus }>;
    /** Every person listed for oversight at registration or holding a record, with whether they may oversee now. */
    overseers: Array<{ person: string; listedAtRegistration: boolean; authorised: boolean }>;
  };
  /** The latest assessment of each kind, with whether its review date has passed at `asOf`. */
  assessments: Array<AssessmentRecordedData & { overdue: boolean }>;
  /** Every document recorded by `asOf`, with where it stood on that day (Europe/Amsterdam). */
  documents: Array<ComplianceDocument & { status: DocumentStatus; lastValidDay: string | null }>;
  /** How and when each audience is informed: the latest statement of each basis (AI Act Art. 26(7), 26(11), 50; GDPR Art. 13, 14). */
  informationDuties: InformationDutyRecordedData[];
  /** What the file lacks as of `asOf`, each with the article that asks for it. */
  missing: string[];
}

function statusAt(r: CompetenceRecord, at: string): CompetenceStatus {
  const t = Date.parse(at);
  if (r.withdrawnAt !== null && Date.parse(r.withdrawnAt) <= t) return 'withdrawn';
  if (t < Date.parse(r.validFrom)) return 'not-yet-valid';
  if (r.validUntil !== null && t > Date.parse(r.validUntil)) return 'lapsed';
  return 'current';
}

/** The file as it stood at `asOf` (the state folded from the events recorded by then). */
export function complianceView(aiSystemId: string, file: ComplianceFileState, registered: RegisteredFacts, asOf: string): ComplianceView {
  const policy = file.competencePolicy?.policy ?? 'not-checked';
  const persons = [...new Set([...registered.oversightPersons, ...file.competence.map((r) => r.person)])];
  const records = file.competence.map((r) => ({ ...r, status: statusAt(r, asOf) }));
  // Authorised: holding a record that is current at asOf, so the file never shows a person
  // authorised by a record it shows withdrawn (at the withdrawal's very instant, VERIFY.md B.18).
  const overseers = persons.map((person) => ({
    person,
    listedAtRegistration: registered.oversightPersons.includes(person),
    authorised: records.some((r) => r.person === person && r.status === 'current'),
  }));
  const classification = file.classifications.at(-1) ?? null;
  const missing: string[] = [];
  if (!classification) missing.push('No classification recorded: role and risk class (AI Act Art. 6, Art. 25)');
  const version = registered.currentVersion;
  if (classification && version && classification.fromVersion !== version && !file.modifications.some((m) => m.version === version)) {
    missing.push(
      `Version ${version} is in use since the classification (of ${classification.fromVersion}): assess it as a possible substantial modification (AI Act Art. 25(1)(b))`,
    );
  }
  if (policy === 'not-checked') missing.push('Competence not checked: no competence policy set for reviews (AI Act Art. 26(2))');
  for (const o of overseers.filter((o) => o.listedAtRegistration && !o.authorised)) {
    missing.push(`${o.person} is listed for human oversight but holds no current competence record (AI Act Art. 4, Art. 26(2))`);
  }
  if (overseers.every((o) => !o.authorised)) missing.push('Nobody holds a current competence record for this system (AI Act Art. 26(2))');
  const assessments = Object.values(file.assessments).map((a) => ({ ...a, overdue: assessmentOverdue(a, asOf) }));
  for (const a of assessments.filter((a) => a.overdue)) missing.push(overdueLine(a));
  if (classification?.aiActRiskClass === 'high') {
    for (const kind of ['fria', 'dpia'] as const) {
      if (!file.assessments[kind]) missing.push(`${ASSESSMENT_NAMES[kind]}: not recorded for a high-risk system (record it, or that it is not required)`);
    }
  }
  const documents = documentsOn(file.documents, hospitalDay(asOf));
  if (classification?.aiActRiskClass === 'high') {
    const valid = documents.filter((d) => d.status === 'valid');
    if (version && !valid.some((d) => d.kind === 'instructions-for-use' && d.modelVersion === version)) {
      missing.push(`No instructions for use in force for version ${version} (AI Act Art. 26(1))`);
    }
    if (!valid.some((d) => d.kind === 'eu-declaration-of-conformity')) missing.push('No EU declaration of conformity in force (AI Act Art. 47)');
  }
  missing.push(...missingInformation(file, classification));
  return {
    aiSystemId,
    asOf,
    classification,
    classificationHistory: file.classifications,
    role: file.role,
    modifications: file.modifications,
    prohibited: prohibitedBecause(file, registered),
    competence: {
      policy,
      checked: policy !== 'not-checked',
      policySetBy: file.competencePolicy?.setBy.subject ?? null,
      records,
      overseers,
    },
    assessments,
    documents,
    informationDuties: Object.values(file.informationDuties),
    missing,
  };
}

/**
 * Which statements of how people are informed a system's class asks for (judgement ADR 0051 § 3, to
 * be confirmed by legal counsel and the DPO): a high-risk system used in the hospital informs its
 * workers before use (Art. 26(7): the hospital is their employer and the ward their workplace) and
 * the patients whose data it processes (GDPR Art. 13 or 14); an Annex III one also the persons its
 * decisions concern (Art. 26(11)); a system in the Art. 50 tier the persons it interacts with.
 *
 * AI Act Art. 26(7): "Before putting into service or using a high-risk AI system at the workplace,
 * deployers who are employers shall inform workers' representatives and the affected workers that
 * they will be subject to the use of the high-risk AI system." Art. 26(11): "Without prejudice to
 * Article 50 of this Regulation, deployers of high-risk AI systems referred to in Annex III that make
 * decisions or assist in making decisions related to natural persons shall inform the natural persons
 * that they are subject to the use of the high-risk AI system." (Regulation (EU) 2024/1689 as
 * reproduced in github.com/CommonAccord/Cmacc-Org, Doc/G/EU/Artificial_Intelligence_Act/Sec/Article.md;
 * docs/compliance.md.) That every Annex III system a hospital deploys makes or assists decisions
 * related to natural persons (its patients) is this helper's reading, for counsel to confirm.
 */
function missingInformation(file: ComplianceFileState, classification: SystemClassifiedData | null): string[] {
  if (!classification) return [];
  const has = (basis: keyof ComplianceFileState['informationDuties']) => file.informationDuties[basis] !== undefined;
  const missing: string[] = [];
  if (classification.aiActRiskClass === 'high') {
    if (!has('aiact-26-7')) missing.push('Workers not informed before use: no statement recorded (AI Act Art. 26(7))');
    if (classification.legalGround === 'annex-iii' && !has('aiact-26-11')) {
      missing.push('Persons subject to its decisions not informed: no statement recorded (AI Act Art. 26(11))');
    }
    if (!has('gdpr-13') && !has('gdpr-14')) missing.push('Patients not informed of the processing: no statement recorded (GDPR Art. 13 or 14)');
  }
  if (classification.legalGround === 'art-50' && !has('aiact-50')) missing.push('Persons concerned not informed: no statement recorded (AI Act Art. 50)');
  return missing;
}

/** The line an overdue assessment adds to `missing` (the dashboard counts it as overdue, not missing). */
export const overdueLine = (a: Pick<AssessmentRecordedData, 'kind' | 'nextReviewOn'>): string =>
  `${ASSESSMENT_NAMES[a.kind]}: review was due on ${a.nextReviewOn}`;

export const ASSESSMENT_NAMES = {
  fria: 'Fundamental rights impact assessment (AI Act Art. 27, where it applies)',
  dpia: 'Data protection impact assessment (GDPR Art. 35)',
  'risk-analysis': 'Risk analysis of the medical technology',
} as const;

/** Overdue: the review date has passed, for an assessment that applies. */
export function assessmentOverdue(a: Pick<AssessmentRecordedData, 'status' | 'nextReviewAt'>, at: string): boolean {
  return a.status !== 'not-required' && a.nextReviewAt !== null && Date.parse(a.nextReviewAt) < Date.parse(at);
}
