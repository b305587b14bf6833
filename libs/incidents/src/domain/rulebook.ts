import {
  type Classification,
  type ClockTrigger,
  type DeadlineParty,
  type DeadlinePolicy,
  type ReportKind,
  type RuleNature,
  type SeriousnessCriteria,
  type SystemScope,
} from './incident.events';

/**
 * The incident rulebook: every clock the registry computes, as data, with the legal text it
 * implements. Sources, verification status and the judgements (J1–J18) are in
 * docs/legal/sources.md; docs/incidents.md shows this table (a test keeps the two in step).
 *
 * A change to any rule, period or date is a new version: deadlines carry the version that computed
 * them, and `registry incidents recompute-deadlines` appends `DeadlinesRecomputed` to open incidents
 * computed with an older one. History is never rewritten.
 */
export const RULEBOOK_VERSION = '2026-12-07.1';
// 2026-12-06.1: AI Act scope and dates, Art. 26(5) as written, Art. 73 for the hospital, MDR near misses, Wkkgz triage and IGJ report.
// 2026-12-06.2: GDPR Art. 33(1) and 34(1) for personal data breaches; Wkkgz art. 10(3), telling the patient.
// 2026-12-06.3: NIS2 Art. 23(4)(a), (b), (d) via the Cyberbeveiligingswet; the IGJ's investigation-report term.
// 2026-12-06.4: Art. 26(5) "and then the importer or distributor", when the register names one.
// 2026-12-07.1: the scope from the compliance file's classification as of awareness; the hospital as provider by its role (Art. 73(1)); the classification's date of application (J9).

/** What a decision about a possible calamity (Wkkgz art. 1) was, and when; null while undecided. */
export interface CalamityDecision {
  status: 'established' | 'ruled-out';
  /** Business time of the decision: `establishedAt` or `decidedAt`. */
  at: string;
}

/** Everything a rule may read. Pure data: the decider assembles it from the incident's state. */
export interface DeadlineFacts {
  classification: Classification | null;
  /** The hospital's awareness of the incident (`awareAt`). */
  awareAt: string;
  /** AI Act Art. 26(5) "have identified a serious incident": when it was first classified serious under the AI Act. */
  identifiedAt: string | null;
  calamity: CalamityDecision | null;
  /** Recorded `ProviderUnreachable` (Art. 26(5), 4th sentence); null when the provider was reached or not tried. */
  providerUnreachableAt: string | null;
  system: SystemScope;
  policy: DeadlinePolicy;
  /** First report per recipient, and per recipient and kind (`reportKey`): some clocks run from a report. */
  reports: Partial<Record<string, string>>;
  /** The IGJ's investigation-report term, when it set one (J8). */
  investigationReport: { dueAt: string; setAt: string } | null;
}

export type Period = { hours: number } | { days: number } | { weeks: number } | { months: number } | { workingDays: number } | { until: string };

export interface Rule {
  id: string;
  /** Rules of one family owe the same thing to the same party; the earliest due of a family governs. */
  family: string;
  /** The article shown with the deadline. */
  article: string;
  /** When the rule applies, in words (docs/incidents.md shows it; `applies` is the rule itself). */
  when: string;
  /** The words of the text the rule implements (quoted from the sources in docs/legal/sources.md). */
  quote: string;
  /** What the rule is when it applies in full; AI Act rules become hospital policy before their date (J9). */
  nature: RuleNature;
  /** Subject to the AI Act's scope (high-risk systems) and dates of application. */
  aiAct: boolean;
  /** Law only once the Cyberbeveiligingswet binds the hospital (`nis2AppliesFrom`, J15); hospital policy before. */
  cbw?: boolean;
  /** The kind of report that meets it, when the recipient is owed several. */
  reportKind?: ReportKind;
  recipient: DeadlineParty;
  obligation: string;
  trigger: ClockTrigger;
  /** The period; `facts` absent when the docs render the table. */
  period: (policy: DeadlinePolicy, facts?: DeadlineFacts) => Period;
  /** How the period reads the text, naming the judgement where the text sets no number. */
  reading: (policy: DeadlinePolicy) => string;
  applies: (facts: DeadlineFacts) => boolean;
}

/**
 * AI Act Art. 113 as amended by the Digital Omnibus on AI: Chapter III (incl. the deployer's duties
 * in Art. 26) applies to Annex III systems from 2 December 2027 and to high-risk AI in Annex I
 * products (e.g. MDR devices needing a notified body) from 2 August 2028. UNVERIFIED against the
 * Official Journal (docs/legal/sources.md § 3): data with its source, corrected by a new version.
 * The instants are midnight Europe/Amsterdam.
 */
export const AI_ACT_HIGH_RISK_APPLICATION = {
  'annex-iii': { from: '2027-12-01T23:00:00.000Z', date: '2 December 2027' },
  'annex-i': { from: '2028-08-01T22:00:00.000Z', date: '2 August 2028' },
  source: 'AI Act Art. 113 as amended by the Digital Omnibus on AI (reported as Regulation (EU) 2026/1744); not verified against the Official Journal',
} as const;

/** MDR classes whose conformity assessment involves a notified body: high-risk through Art. 6(1), Annex I (J10). */
const NOTIFIED_BODY_CLASSES = new Set(['IIa', 'IIb', 'III']);
export const aiActRoute = (s: SystemScope): 'annex-i' | 'annex-iii' => (NOTIFIED_BODY_CLASSES.has(s.mdrClass) ? 'annex-i' : 'annex-iii');

const met = (c: Classification, ...keys: (keyof SeriousnessCriteria)[]) => keys.some((k) => c.criteria[k] === true);
/** AI Act Art. 3(49)(a)–(d): "leads to" — harm that happened. */
export const AI_ACT_3_49: readonly (keyof SeriousnessCriteria)[] = [
  'death',
  'seriousHarmToHealth',
  'criticalInfrastructureDisruption',
  'fundamentalRightsInfringement',
  'propertyOrEnvironmentHarm',
];
/** A serious incident under the AI Act (Art. 3(49)), or a widespread infringement (Art. 73(3) reports it as well). */
export const aiActSerious = (c: Classification | null): boolean => !!c && c.serious && met(c, ...AI_ACT_3_49, 'widespreadInfringement');
/** MDR Art. 2(65): led, might have led or might lead to death, serious deterioration of health, or a serious public health threat. */
export const mdrSerious = (c: Classification | null): boolean =>
  !!c && c.serious && met(c, 'death', 'seriousHarmToHealth', 'seriousPublicHealthThreat', 'couldHaveLedToSeriousHarm');

/**
 * AI Act Art. 73(1), which binds providers, so the hospital when it is one (docs/legal/sources.md § 5, § 8).
 */
export const ART_73_1 =
  'Providers of high-risk AI systems placed on the Union market shall report any serious incident to the market surveillance authorities of the Member States where that incident occurred.';
/**
 * The hospital is itself the provider of a high-risk system: an in-house system (J18), or the role
 * `provider` in the compliance file's classification at awareness (its own system, or after an
 * Art. 25(1) assessment).
 */
export const hospitalIsProvider = (f: Pick<DeadlineFacts, 'system'>) =>
  f.system.aiActRiskClass === 'high' && (f.system.inHouseDevice || f.system.classification?.role === 'provider');
/**
 * AI Act Art. 73(10): for AI that is (a safety component of) an MDR/IVDR device, AI-Act
 * notifications are limited to Art. 3(49)(c); the rest goes through MDR vigilance. J11 reads the
 * Art. 26(5) authority duty the same way.
 */
const aiActNotifiable = (c: Classification) => !c.medicalDevice || met(c, 'fundamentalRightsInfringement');
/** Art. 73 binds the hospital: it is the provider, or it could not reach the provider (Art. 26(5), 4th sentence). */
const art73ForHospital = (f: DeadlineFacts) =>
  aiActSerious(f.classification) && aiActNotifiable(f.classification!) && (hospitalIsProvider(f) || f.providerUnreachableAt !== null);

const hours = (n: number): Period => ({ hours: n });
const days = (n: number) => (): Period => ({ days: n });
const EU_DAYS = 'counted as calendar days from the instant of awareness, never extended past a weekend or holiday (J16, the conservative reading)';
const MSA = 'Report the serious incident to the market surveillance authority';
const MANUFACTURER = 'Report the serious incident to the manufacturer';
const MDR_MIRROR =
  'HOSPITAL POLICY: the MDR sets no period for the hospital (J17); these clocks bind the manufacturer from ITS awareness, so the hospital reports within them';
const ART_26_5 =
  'Where deployers have identified a serious incident, they shall also immediately inform first the provider, and then the importer or distributor and the relevant market surveillance authorities of that incident. If the deployer is not able to reach the provider, Article 73 shall apply mutatis mutandis.';

export const RULES: readonly Rule[] = [
  {
    id: 'aiact.26-5.provider.on-awareness',
    when: 'High-risk system, incident not yet classified or classified serious under the AI Act later than awareness; not when the hospital is the provider',
    family: 'provider-on-awareness',
    article: 'AI Act Art. 26(5)',
    quote: ART_26_5,
    nature: 'hospital-policy',
    aiAct: true,
    recipient: 'provider',
    obligation: 'Inform the provider of the suspected serious incident (or rule it out by classifying the incident)',
    trigger: 'awareness',
    period: (p) => hours(p.providerInformHours),
    reading: (p) =>
      `The legal duty runs from identification; this clock runs from awareness so that an unclassified incident cannot hide (J12): within ${p.providerInformHours} h`,
    // Once identified at the moment of awareness, the legal clock says the same: no second row.
    applies: (f) =>
      !hospitalIsProvider(f) && (f.classification === null || aiActSerious(f.classification)) && (f.identifiedAt === null || f.identifiedAt > f.awareAt),
  },
  {
    id: 'aiact.26-5.provider',
    when: 'High-risk system; serious incident under the AI Act (Art. 3(49), or a widespread infringement); not when the hospital is the provider',
    family: 'provider',
    article: 'AI Act Art. 26(5)',
    quote: ART_26_5,
    nature: 'law',
    aiAct: true,
    recipient: 'provider',
    obligation: 'Inform the provider of the serious incident, first',
    trigger: 'identification',
    period: (p) => hours(p.providerInformHours),
    reading: (p) => `"immediately" sets no number: within ${p.providerInformHours} h of identification (J1)`,
    applies: (f) => !hospitalIsProvider(f) && aiActSerious(f.classification),
  },
  {
    id: 'aiact.26-5.msa',
    when: 'As `aiact.26-5.provider`; for AI that is a medical device only an infringement of fundamental rights (Art. 73(10), J11)',
    family: 'msa-informed',
    article: 'AI Act Art. 26(5)',
    quote: ART_26_5,
    nature: 'law',
    aiAct: true,
    recipient: 'market-surveillance-authority',
    obligation: 'Inform the market surveillance authority of the serious incident, after the provider',
    trigger: 'identification',
    period: (p) => hours(p.authorityInformHours),
    reading: (p) =>
      `"immediately", after the provider, sets no number: within ${p.authorityInformHours} h of identification (J1); for AI that is a medical device only infringements of fundamental rights (Art. 73(10), J11)`,
    applies: (f) => !hospitalIsProvider(f) && aiActSerious(f.classification) && aiActNotifiable(f.classification!),
  },
  {
    id: 'aiact.26-5.importer-distributor',
    when: 'As `aiact.26-5.provider`, when the register names the importer or distributor the system was obtained through',
    family: 'importer-distributor',
    article: 'AI Act Art. 26(5)',
    quote: ART_26_5,
    nature: 'law',
    aiAct: true,
    recipient: 'importer-distributor',
    obligation: 'Inform the importer or distributor of the serious incident, after the provider',
    trigger: 'identification',
    period: (p) => hours(p.authorityInformHours),
    reading: (p) => `"immediately", after the provider, sets no number: within ${p.authorityInformHours} h of identification (J1)`,
    applies: (f) => !hospitalIsProvider(f) && aiActSerious(f.classification) && !!f.system.importerOrDistributor,
  },
  {
    id: 'aiact.73-2',
    when: 'High-risk system; serious incident under the AI Act; the provider recorded as unreachable, or the hospital is the provider (an in-house system, or role `provider` in the compliance file)',
    family: 'msa-art73',
    article: 'AI Act Art. 73(2)',
    quote:
      'immediately after the provider has established a causal link between the AI system and the serious incident or the reasonable likelihood of such a link, and, in any event, not later than 15 days after the provider or, where applicable, the deployer, becomes aware of the serious incident.',
    nature: 'law',
    aiAct: true,
    recipient: 'market-surveillance-authority',
    obligation: MSA,
    trigger: 'awareness',
    period: days(15),
    reading: () =>
      `the hospital reports as provider (in-house, J18, or its role in the compliance file: Art. 73(1) "${ART_73_1}") or because it could not reach the provider (Art. 26(5)); 15 days ${EU_DAYS}`,
    applies: art73ForHospital,
  },
  {
    id: 'aiact.73-3',
    when: 'As `aiact.73-2`, with a widespread infringement or a critical-infrastructure disruption',
    family: 'msa-art73',
    article: 'AI Act Art. 73(3)',
    quote:
      'in the event of a widespread infringement or a serious incident as defined in Article 3, point (49)(b), the report … shall be provided immediately, and not later than two days after the provider or, where applicable, the deployer becomes aware of that incident.',
    nature: 'law',
    aiAct: true,
    recipient: 'market-surveillance-authority',
    obligation: MSA,
    trigger: 'awareness',
    period: days(2),
    reading: () => `widespread infringement (Art. 3(61)) or critical infrastructure (Art. 3(49)(b)): 2 days ${EU_DAYS}`,
    applies: (f) => art73ForHospital(f) && met(f.classification!, 'widespreadInfringement', 'criticalInfrastructureDisruption'),
  },
  {
    id: 'aiact.73-4',
    when: 'As `aiact.73-2`, with a death',
    family: 'msa-art73',
    article: 'AI Act Art. 73(4)',
    quote: 'not later than 10 days after the date on which the provider or, where applicable, the deployer becomes aware of the serious incident',
    nature: 'law',
    aiAct: true,
    recipient: 'market-surveillance-authority',
    obligation: MSA,
    trigger: 'awareness',
    period: days(10),
    reading: () => `death of a person: 10 days ${EU_DAYS}`,
    applies: (f) => art73ForHospital(f) && met(f.classification!, 'death'),
  },
  {
    id: 'mdr.87-3.hospital',
    when: 'Medical device, not in-house; MDR serious incident (death, serious deterioration, public health threat, or a near miss)',
    family: 'manufacturer',
    article: 'MDR Art. 87(3)',
    quote:
      'immediately after they have established the causal relationship between that incident and their device or that such causal relationship is reasonably possible and not later than 15 days after they become aware of the incident.',
    nature: 'hospital-policy',
    aiAct: false,
    recipient: 'manufacturer',
    obligation: MANUFACTURER,
    trigger: 'awareness',
    period: days(15),
    reading: () => `${MDR_MIRROR}: serious incident, including one that might have led to harm (Art. 2(65)), 15 days`,
    applies: (f) => !!f.classification?.medicalDevice && !f.system.inHouseDevice && mdrSerious(f.classification),
  },
  {
    id: 'mdr.87-4.hospital',
    when: 'As `mdr.87-3.hospital`, with a serious public health threat',
    family: 'manufacturer',
    article: 'MDR Art. 87(4)',
    quote: 'immediately, and not later than 2 days after the manufacturer becomes aware of that threat.',
    nature: 'hospital-policy',
    aiAct: false,
    recipient: 'manufacturer',
    obligation: MANUFACTURER,
    trigger: 'awareness',
    period: days(2),
    reading: () => `${MDR_MIRROR}: serious public health threat, 2 days`,
    applies: (f) =>
      !!f.classification?.medicalDevice && !f.system.inHouseDevice && mdrSerious(f.classification) && met(f.classification, 'seriousPublicHealthThreat'),
  },
  {
    id: 'mdr.87-5.hospital',
    when: 'As `mdr.87-3.hospital`, with a death or serious deterioration of health',
    family: 'manufacturer',
    article: 'MDR Art. 87(5)',
    quote: 'not later than 10 days after the date on which the manufacturer becomes aware of the serious incident.',
    nature: 'hospital-policy',
    aiAct: false,
    recipient: 'manufacturer',
    obligation: MANUFACTURER,
    trigger: 'awareness',
    period: days(10),
    reading: () => `${MDR_MIRROR}: death or unanticipated serious deterioration of health, 10 days`,
    applies: (f) =>
      !!f.classification?.medicalDevice && !f.system.inHouseDevice && mdrSerious(f.classification) && met(f.classification, 'death', 'seriousHarmToHealth'),
  },
  {
    id: 'gdpr.33-1',
    when: 'A personal data breach assessed as a risk or a high risk (`personalDataBreach`); none when unlikely to result in a risk (reasons in the rationale)',
    family: 'supervisory-authority',
    article: 'GDPR Art. 33(1)',
    quote:
      'In the case of a personal data breach, the controller shall without undue delay and, where feasible, not later than 72 hours after having become aware of it, notify the personal data breach to the supervisory authority competent in accordance with Article 55, unless the personal data breach is unlikely to result in a risk to the rights and freedoms of natural persons.',
    nature: 'law',
    aiAct: false,
    recipient: 'supervisory-authority',
    obligation: 'Notify the personal data breach to the Autoriteit Persoonsgegevens',
    trigger: 'awareness',
    period: () => hours(72),
    reading: () =>
      '72 hours from awareness, "where feasible": a later notification is allowed with the reasons for the delay (same paragraph), so past due it shows overdue and the reasons must be given',
    applies: (f) => f.classification?.personalDataBreach === 'risk' || f.classification?.personalDataBreach === 'high-risk',
  },
  {
    id: 'gdpr.34-1',
    when: 'A personal data breach assessed as likely to result in a high risk; Art. 34(3) exceptions are for the rationale',
    family: 'data-subjects',
    article: 'GDPR Art. 34(1)',
    quote:
      'When the personal data breach is likely to result in a high risk to the rights and freedoms of natural persons, the controller shall communicate the personal data breach to the data subject without undue delay.',
    nature: 'law',
    aiAct: false,
    recipient: 'data-subjects',
    obligation: 'Communicate the personal data breach to the data subjects',
    trigger: 'awareness',
    period: (p) => hours(p.dataSubjectInformHours),
    reading: (p) => `"without undue delay" sets no number: within ${p.dataSubjectInformHours} h of awareness (J14)`,
    applies: (f) => f.classification?.personalDataBreach === 'high-risk',
  },
  {
    id: 'wkkgz.10-3',
    when: 'The incident has or may have noticeable consequences for the patient (`patientConsequences`)',
    family: 'patient',
    article: 'Wkkgz art. 10(3)',
    quote:
      'De zorgaanbieder doet aan een cliënt, alsmede een vertegenwoordiger van de cliënt dan wel een nabestaande van de overleden cliënt, onverwijld mededeling van de aard en toedracht van incidenten bij de zorgverlening aan de cliënt die voor de cliënt merkbare gevolgen hebben of kunnen hebben',
    nature: 'law',
    aiAct: false,
    recipient: 'patient',
    obligation: "Tell the patient (or representative, or surviving relative) what happened and how; note it in the patient's file",
    trigger: 'awareness',
    period: (p) => hours(p.patientInformHours),
    reading: (p) =>
      `"onverwijld" sets no number: within ${p.patientInformHours} h of awareness (J2); met by recording the conversation (recipient patient, channel recorded, the file note as reference)`,
    applies: (f) => f.classification?.patientConsequences === true,
  },
  {
    id: 'nis2.23-4-a',
    when: 'A significant cybersecurity incident (`significantCyberIncident`, NIS2 Art. 23(3), J15)',
    family: 'csirt-early-warning',
    article: 'NIS2 Art. 23(4)(a)',
    quote: 'without undue delay and in any event within 24 hours of becoming aware of the significant incident, an early warning',
    nature: 'law',
    aiAct: false,
    cbw: true,
    recipient: 'csirt',
    obligation: 'Send the CSIRT (Z-CERT for care) an early warning of the significant incident',
    trigger: 'awareness',
    period: () => hours(24),
    reading: () => '24 hours from awareness; met by the first report to the CSIRT (a full notification within 24 h meets it too)',
    applies: (f) => f.classification?.significantCyberIncident === true,
  },
  {
    id: 'nis2.23-4-b',
    when: 'As `nis2.23-4-a`',
    family: 'csirt-notification',
    article: 'NIS2 Art. 23(4)(b)',
    quote: 'without undue delay and in any event within 72 hours of becoming aware of the significant incident, an incident notification',
    nature: 'law',
    aiAct: false,
    cbw: true,
    reportKind: 'incident-notification',
    recipient: 'csirt',
    obligation: 'Send the CSIRT the incident notification (severity, impact, indicators of compromise)',
    trigger: 'awareness',
    period: () => hours(72),
    reading: () => '72 hours from awareness; met by a report of kind incident-notification',
    applies: (f) => f.classification?.significantCyberIncident === true,
  },
  {
    id: 'nis2.23-4-d',
    when: 'As `nis2.23-4-a`, once the incident notification was submitted',
    family: 'csirt-final-report',
    article: 'NIS2 Art. 23(4)(d)',
    quote: 'a final report not later than one month after the submission of the incident notification under point (b)',
    nature: 'law',
    aiAct: false,
    cbw: true,
    reportKind: 'final-report',
    recipient: 'csirt',
    obligation: 'Send the CSIRT the final report',
    trigger: 'incident-notification',
    period: () => ({ months: 1 }),
    reading: () =>
      'one calendar month from the submission of the incident notification, not from awareness; an incident still ongoing then gets a progress report and a final report within a month of its handling (Art. 23(4)(e), not computed)',
    applies: (f) => f.classification?.significantCyberIncident === true,
  },
  {
    id: 'igj.investigation-report',
    when: 'The IGJ asked for an investigation report and set its term (`POST …/investigation-report-term`)',
    family: 'igj-investigation-report',
    article: 'IGJ: investigation report term',
    quote:
      'No written rule to quote (paraphrase of IGJ practice, docs/legal/sources.md § 11, J8): the IGJ names the term in its acknowledgement of the report; it can be extended on a motivated request made within it',
    nature: 'regulator-policy',
    aiAct: false,
    reportKind: 'investigation-report',
    recipient: 'igj',
    obligation: 'Send the IGJ the calamity investigation report',
    trigger: 'term-set',
    period: (_, f) => ({ until: f?.investigationReport?.dueAt ?? '' }),
    reading: () => 'the term the IGJ set (no default: the product does not assume 8 weeks, J8); an extension is a new term on record',
    applies: (f) => f.investigationReport !== null,
  },
  {
    id: 'igj.calamity.triage',
    when: 'Classified as a possible calamity (`wkkgzCalamity`), or a calamity decision recorded',
    family: 'calamity-triage',
    article: 'IGJ guidance: calamity triage',
    quote: '… dan heeft u vanaf de constatering van de gebeurtenis 6 weken de tijd om dat te onderzoeken.',
    nature: 'regulator-policy',
    aiAct: false,
    recipient: 'calamity-decision',
    obligation: 'Establish whether the event is a calamity (Wkkgz art. 1), or rule it out, with reasons',
    trigger: 'awareness',
    period: () => ({ weeks: 6 }),
    reading: () =>
      'the IGJ\'s reading, not statute: 6 calendar weeks from awareness (our "constatering", J3) on the Europe/Amsterdam date, to the end of that day',
    applies: (f) => !!f.classification?.wkkgzCalamity || f.calamity !== null,
  },
  {
    id: 'igj.calamity.report',
    when: 'Calamity established (`CalamityEstablished`)',
    family: 'igj-report',
    article: 'Wkkgz art. 11(1)(a)',
    quote: 'Binnen 3 werkdagen nadat u heeft vastgesteld dat het om een calamiteit gaat.',
    nature: 'regulator-policy',
    aiAct: false,
    recipient: 'igj',
    obligation: 'Report the calamity to the Inspectie Gezondheidszorg en Jeugd',
    trigger: 'establishment',
    period: (p) => ({ workingDays: p.igjWorkingDays }),
    reading: (p) =>
      `the statute says "onverwijld"; the IGJ reads it as 3 working days from establishment. Policy: ${p.igjWorkingDays} Dutch working days ` +
      `(Europe/Amsterdam; holidays of the Algemene termijnenwet art. 3 including Good Friday; 5 May ${p.liberationDayIsHoliday === false ? 'a working day' : 'a holiday'}; J4), to the end of the last day`,
    applies: (f) => f.calamity?.status === 'established',
  },
];
