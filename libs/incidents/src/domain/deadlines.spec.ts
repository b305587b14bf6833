import { computeDeadlines, deadlineStatus, DEFAULT_DEADLINE_POLICY } from './deadlines';
import { type Classification, type Deadline, NO_CRITERIA, type SeriousnessCriteria, type SystemScope } from './incident.events';
import { ART_73_1, type DeadlineFacts, RULEBOOK_VERSION, RULES } from './rulebook';
import { type HeldClassification, systemScope } from './system-scope';

// Sources and judgements (J…): docs/legal/sources.md. Each case quotes the text the rule implements.

/** High-risk through Annex III (not a notified-body device): the AI Act duties apply from 2 December 2027. */
const ANNEX_III: SystemScope = { aiActRiskClass: 'high', mdrClass: 'none', inHouseDevice: false };
/** High-risk AI in an MDR class IIa device (Annex I): from 2 August 2028. */
const ANNEX_I: SystemScope = { aiActRiskClass: 'high', mdrClass: 'IIa', inHouseDevice: false };
const MINIMAL: SystemScope = { aiActRiskClass: 'minimal', mdrClass: 'none', inHouseDevice: false };
const LIMITED: SystemScope = { ...MINIMAL, aiActRiskClass: 'limited' };

const before = '2026-11-23T10:00:00.000Z'; // a Monday, before any AI Act high-risk duty applies
const inForce = '2028-01-10T10:00:00.000Z'; // a Monday, after 2 December 2027 (Annex III)
const hoursAfter = (at: string, h: number) => new Date(Date.parse(at) + h * 3_600_000).toISOString();
const daysAfter = (at: string, d: number) => hoursAfter(at, 24 * d);

const serious = (criteria: Partial<SeriousnessCriteria>, more: Partial<Classification> = {}): Classification => ({
  serious: true,
  criteria: { ...NO_CRITERIA, ...criteria },
  medicalDevice: false,
  wkkgzCalamity: false,
  ...more,
});
const notSerious: Classification = { serious: false, criteria: NO_CRITERIA, medicalDevice: false, wkkgzCalamity: false };

/** Facts for a high-risk Annex III system, aware at `inForce`, classified serious at the moment of awareness. */
const facts = (more: Partial<DeadlineFacts> = {}): DeadlineFacts => ({
  classification: null,
  awareAt: inForce,
  identifiedAt: null,
  calamity: null,
  providerUnreachableAt: null,
  system: ANNEX_III,
  policy: DEFAULT_DEADLINE_POLICY,
  reports: {},
  investigationReport: null,
  ...more,
});
const identified = (c: Classification, more: Partial<DeadlineFacts> = {}) => facts({ classification: c, identifiedAt: more.awareAt ?? inForce, ...more });
const rows = (f: DeadlineFacts) => computeDeadlines(f).map(({ ruleId, recipient, dueAt, nature }) => ({ ruleId, recipient, dueAt, nature }));
const byRule = (f: DeadlineFacts, id: string): Deadline | undefined => computeDeadlines(f).find((d) => d.ruleId === id);

describe('the incident rulebook', () => {
  it('every rule has a unique id, a quote of its text, and an article that fits the board column (varchar(40))', () => {
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const r of RULES) {
      expect(r.quote.length).toBeGreaterThan(20);
      expect(r.article.length).toBeLessThanOrEqual(40);
      expect(r.family).toBeTruthy();
    }
  });

  it('every deadline records its rule id, the rulebook version, whether it is law or policy, the moment its clock runs from, and who adopted the policy', () => {
    const all = computeDeadlines(
      identified(serious({ death: true, fundamentalRightsInfringement: true }, { medicalDevice: true, wkkgzCalamity: true }), {
        calamity: { status: 'established', at: inForce },
        providerUnreachableAt: inForce,
        system: ANNEX_III,
      }),
    );
    expect(all.map((d) => d.ruleId).sort()).toEqual([
      'aiact.26-5.msa',
      'aiact.26-5.provider',
      'aiact.73-4',
      'igj.calamity.report',
      'igj.calamity.triage',
      'mdr.87-5.hospital',
    ]);
    expect(all.map((d) => d.dueAt)).toEqual([...all.map((d) => d.dueAt)].sort());
    for (const d of all) {
      expect(d.rulebookVersion).toBe(RULEBOOK_VERSION);
      expect(RULES.map((r) => r.id)).toContain(d.ruleId);
      expect(['law', 'regulator-policy', 'hospital-policy']).toContain(d.nature);
      expect(d.from?.at).toBe(inForce);
      expect(['awareness', 'identification', 'establishment']).toContain(d.from?.trigger);
      expect(d.basis.startsWith(d.nature === 'law' ? 'LAW.' : d.nature === 'regulator-policy' ? 'REGULATOR POLICY.' : 'HOSPITAL POLICY.')).toBe(true);
      expect(d.basis).toContain('adopted by nobody');
    }
    const adopted = computeDeadlines(facts({ policy: { ...DEFAULT_DEADLINE_POLICY, adoptedBy: 'Raad van Bestuur, besluit 2026-11-20' } }));
    expect(adopted[0].basis).toContain('Policy values adopted by Raad van Bestuur, besluit 2026-11-20');
  });
});

describe('AI Act scope: Art. 26 binds deployers of high-risk systems only, and only from its date of application', () => {
  // Art. 26 is headed "Obligations of deployers of high-risk AI systems"; Art. 73 concerns "providers of high-risk AI systems".

  it.each([
    ['minimal', MINIMAL],
    ['limited', LIMITED],
  ])('a %s-risk system gets no AI Act clock, even for a death', (_, system) => {
    expect(rows(identified(serious({ death: true }), { system, providerUnreachableAt: inForce }))).toEqual([]);
    expect(rows(facts({ system }))).toEqual([]);
  });

  it('Annex III high-risk system, incident after 2 December 2027: the Art. 26(5) duties are law', () => {
    // Art. 113 as amended by the Digital Omnibus (unverified, sources.md § 3): Annex III high-risk duties from 2 December 2027.
    const law = byRule(identified(serious({ seriousHarmToHealth: true })), 'aiact.26-5.provider')!;
    expect(law.nature).toBe('law');
    expect(law.basis).toContain('applies from 2 December 2027');
  });

  it('the same incident before 2 December 2027 → a hospital-policy clock, never shown as law (J9)', () => {
    const f = identified(serious({ seriousHarmToHealth: true }), { awareAt: before, identifiedAt: before });
    const all = computeDeadlines(f);
    expect(all.map((d) => d.ruleId)).toEqual(['aiact.26-5.msa', 'aiact.26-5.provider']);
    for (const d of all) {
      expect(d.nature).toBe('hospital-policy');
      expect(d.basis).toContain('kept before then as hospital policy (J9)');
    }
    // A hospital that chooses not to follow the AI Act early keeps no AI Act clock.
    expect(rows({ ...f, policy: { ...DEFAULT_DEADLINE_POLICY, aiActBeforeApplication: false } })).toEqual([]);
  });

  it('high-risk AI in an MDR class IIa device (Annex I) is in scope only from 2 August 2028', () => {
    const f = (at: string) =>
      identified(serious({ fundamentalRightsInfringement: true }, { medicalDevice: true }), { awareAt: at, identifiedAt: at, system: ANNEX_I });
    expect(byRule(f(inForce), 'aiact.26-5.provider')!.nature).toBe('hospital-policy');
    expect(byRule(f('2028-09-04T10:00:00.000Z'), 'aiact.26-5.provider')).toMatchObject({ nature: 'law' });
    expect(byRule(f('2028-09-04T10:00:00.000Z'), 'aiact.26-5.provider')!.basis).toContain('applies from 2 August 2028');
  });

  it('a system whose risk class the register does not hold gets the clocks as hospital policy, saying why', () => {
    const d = byRule(identified(serious({ death: true }), { system: { ...ANNEX_III, aiActRiskClass: 'unknown' } }), 'aiact.26-5.provider')!;
    expect(d.nature).toBe('hospital-policy');
    expect(d.basis).toContain('risk class is not recorded');
  });
});

describe('AI Act Art. 26(5): "immediately inform first the provider, and then the importer or distributor and the relevant market surveillance authorities"', () => {
  // "Where deployers have identified a serious incident, they shall also immediately inform first the provider, and then the
  // importer or distributor and the relevant market surveillance authorities of that incident."

  it('an unclassified incident on a high-risk system: a provider clock from awareness, as hospital policy (J12)', () => {
    expect(rows(facts())).toEqual([
      { ruleId: 'aiact.26-5.provider.on-awareness', recipient: 'provider', dueAt: hoursAfter(inForce, 24), nature: 'hospital-policy' },
    ]);
    expect(byRule(facts(), 'aiact.26-5.provider.on-awareness')!.basis).toContain('runs from awareness so that an unclassified incident cannot hide (J12)');
  });

  it('classified not serious → no clock at all', () => {
    expect(rows(facts({ classification: notSerious }))).toEqual([]);
  });

  it('identified as serious two days after awareness: the legal clocks run from identification, the policy clock from awareness stays beside them', () => {
    const identifiedAt = daysAfter(inForce, 2);
    expect(rows(facts({ classification: serious({ seriousHarmToHealth: true }), identifiedAt }))).toEqual([
      { ruleId: 'aiact.26-5.provider.on-awareness', recipient: 'provider', dueAt: hoursAfter(inForce, 24), nature: 'hospital-policy' },
      { ruleId: 'aiact.26-5.msa', recipient: 'market-surveillance-authority', dueAt: hoursAfter(identifiedAt, 24), nature: 'law' },
      { ruleId: 'aiact.26-5.provider', recipient: 'provider', dueAt: hoursAfter(identifiedAt, 24), nature: 'law' },
    ]);
  });

  it('"and then the importer or distributor": only when the register names one, after the provider (J1)', () => {
    expect(byRule(identified(serious({ death: true })), 'aiact.26-5.importer-distributor')).toBeUndefined();
    const f = identified(serious({ death: true }), { system: { ...ANNEX_III, importerOrDistributor: 'MedTech Distributie B.V.' } });
    expect(byRule(f, 'aiact.26-5.importer-distributor')).toMatchObject({ recipient: 'importer-distributor', dueAt: hoursAfter(inForce, 24), nature: 'law' });
  });

  it('"immediately" is the hospital\'s number, per recipient (J1), and the basis cites it', () => {
    const policy = { ...DEFAULT_DEADLINE_POLICY, providerInformHours: 4, authorityInformHours: 12 };
    const f = identified(serious({ death: true }), { policy });
    expect(byRule(f, 'aiact.26-5.provider')).toMatchObject({ dueAt: hoursAfter(inForce, 4) });
    expect(byRule(f, 'aiact.26-5.provider')!.basis).toContain('within 4 h of identification (J1)');
    expect(byRule(f, 'aiact.26-5.msa')).toMatchObject({ dueAt: hoursAfter(inForce, 12) });
  });

  it('AI that is a medical device informs the authority only of an infringement of fundamental rights (Art. 73(10), J11)', () => {
    // Art. 73(10): "the notification of serious incidents shall be limited to those referred to in Article 3, point (49)(c)".
    const device = (c: Partial<SeriousnessCriteria>) => rows(identified(serious(c, { medicalDevice: true }), { system: { ...ANNEX_III, mdrClass: 'I' } }));
    expect(device({ seriousHarmToHealth: true }).map((r) => r.recipient)).not.toContain('market-surveillance-authority');
    expect(device({ fundamentalRightsInfringement: true }).map((r) => r.recipient)).toContain('market-surveillance-authority');
  });
});

describe('AI Act Art. 73 for the hospital: "If the deployer is not able to reach the provider, Article 73 shall apply mutatis mutandis"', () => {
  const unreachable = (c: Partial<SeriousnessCriteria>) => identified(serious(c), { providerUnreachableAt: hoursAfter(inForce, 6) });

  it('not reached → no Art. 73 clock; unreachable → 15 days from awareness (Art. 73(2))', () => {
    // Art. 73(2): "not later than 15 days after the provider or, where applicable, the deployer, becomes aware of the serious incident."
    expect(byRule(identified(serious({ seriousHarmToHealth: true })), 'aiact.73-2')).toBeUndefined();
    expect(byRule(unreachable({ seriousHarmToHealth: true }), 'aiact.73-2')).toMatchObject({
      recipient: 'market-surveillance-authority',
      dueAt: daysAfter(inForce, 15),
      nature: 'law',
      from: { trigger: 'awareness', at: inForce },
    });
  });

  it('death → 10 days (Art. 73(4)), one Art. 73 row: the earliest governs', () => {
    // Art. 73(4): "not later than 10 days after the date on which the provider or, where applicable, the deployer becomes aware".
    const art73 = computeDeadlines(unreachable({ death: true })).filter((d) => d.ruleId?.startsWith('aiact.73'));
    expect(art73).toEqual([expect.objectContaining({ ruleId: 'aiact.73-4', dueAt: daysAfter(inForce, 10) })]);
  });

  it.each([
    ['a widespread infringement alone (Art. 3(61) needs no fundamental-rights criterion)', { widespreadInfringement: true }],
    ['a serious and irreversible disruption of critical infrastructure (Art. 3(49)(b))', { criticalInfrastructureDisruption: true }],
  ])('%s → 2 days (Art. 73(3))', (_, criteria) => {
    // Art. 73(3): "in the event of a widespread infringement or a serious incident as defined in Article 3, point (49)(b) … not later than two days".
    expect(byRule(unreachable({ ...criteria, death: true }), 'aiact.73-3')).toMatchObject({ dueAt: daysAfter(inForce, 2) });
  });

  it('an in-house high-risk system makes the hospital the provider: Art. 73 runs without Art. 26(5), to the authority (J18)', () => {
    const inHouse = identified(serious({ seriousHarmToHealth: true }), { system: { ...ANNEX_III, inHouseDevice: true } });
    expect(rows(inHouse)).toEqual([{ ruleId: 'aiact.73-2', recipient: 'market-surveillance-authority', dueAt: daysAfter(inForce, 15), nature: 'law' }]);
  });
});

describe("the compliance file's classification as the rulebook's scope (issue 23 item 1, ADR 0041)", () => {
  // The registration said minimal risk; the compliance file classified the system later, with its reasons.
  const registeredMinimal = { aiActRiskClass: 'minimal' as const, mdrClass: 'none', inHouseDevice: false, supplier: { importerOrDistributor: null } };
  const held = (more: Partial<HeldClassification['classification']> = {}, role: HeldClassification['role'] = 'deployer'): HeldClassification => ({
    classification: {
      aiActRiskClass: 'high',
      mdrClass: 'none',
      inHouseDevice: false,
      legalGround: 'annex-iii',
      legalGroundPoint: 'Annex III point 5(d)',
      dutiesApplyFrom: '2027-12-02',
      dutiesApplyFromBasis: 'Digital Omnibus on AI (unverified): Annex III high-risk duties from 2 December 2027',
      decidedOn: '2026-12-01',
      decidedBy: { subject: 'qm-1' },
      ...more,
    },
    role,
  });
  const death = (system: SystemScope, awareAt = inForce) => identified(serious({ death: true }), { system, awareAt });

  it('given a system registered minimal-risk, when the file classified it high-risk, then the AI Act clocks appear (Art. 26(5))', () => {
    expect(computeDeadlines(death(systemScope(registeredMinimal, null))).filter((d) => d.ruleId?.startsWith('aiact'))).toEqual([]);
    const scope = systemScope(registeredMinimal, held());
    expect(scope).toMatchObject({ aiActRiskClass: 'high', classification: { role: 'deployer', decidedOn: '2026-12-01', decidedBy: 'qm-1' } });
    expect(rows(death(scope)).filter((r) => r.ruleId?.startsWith('aiact'))).toEqual([
      { ruleId: 'aiact.26-5.msa', recipient: 'market-surveillance-authority', dueAt: hoursAfter(inForce, 24), nature: 'law' },
      { ruleId: 'aiact.26-5.provider', recipient: 'provider', dueAt: hoursAfter(inForce, 24), nature: 'law' },
    ]);
  });

  it("given no classification, then the scope is the registration's, as before (unknown class when it records none)", () => {
    expect(systemScope({ aiActRiskClass: 'high', mdrClass: 'IIa', inHouseDevice: false, supplier: { importerOrDistributor: 'MedTech B.V.' } }, null)).toEqual({
      aiActRiskClass: 'high',
      mdrClass: 'IIa',
      inHouseDevice: false,
      importerOrDistributor: 'MedTech B.V.',
    });
    expect(systemScope({}, null)).toEqual({ aiActRiskClass: 'unknown', mdrClass: 'none', inHouseDevice: false, importerOrDistributor: null });
    const registered = systemScope({ ...registeredMinimal, aiActRiskClass: 'high' }, null);
    expect(computeDeadlines(death(registered))).toEqual(computeDeadlines(death(ANNEX_III)));
  });

  it('given the role provider in the file, then the hospital reports under Art. 73 itself, without Art. 26(5) rows', () => {
    // Art. 73(1): "Providers of high-risk AI systems placed on the Union market shall report any serious incident to the market surveillance authorities …"
    const provider = computeDeadlines(identified(serious({ seriousHarmToHealth: true }), { system: systemScope(registeredMinimal, held({}, 'provider')) }));
    expect(provider.map(({ ruleId, recipient, dueAt, nature }) => ({ ruleId, recipient, dueAt, nature }))).toEqual([
      { ruleId: 'aiact.73-2', recipient: 'market-surveillance-authority', dueAt: daysAfter(inForce, 15), nature: 'law' },
    ]);
    expect(provider[0].basis).toContain(ART_73_1);
    // A deployer of the same system informs the provider instead.
    expect(byRule(identified(serious({ seriousHarmToHealth: true }), { system: systemScope(registeredMinimal, held()) }), 'aiact.73-2')).toBeUndefined();
  });

  it("given the date the file records, then it replaces the rulebook's date of application (J9), and each AI Act row names its source", () => {
    // Registration path: the rulebook's date for Annex III, 2 December 2027; before it, hospital policy.
    const byRulebook = byRule(death(ANNEX_III, before), 'aiact.26-5.provider')!;
    expect(byRulebook).toMatchObject({ nature: 'hospital-policy', dutiesApplyFrom: { at: '2027-12-01T23:00:00.000Z', source: 'rulebook' } });
    // Counsel recorded 2 August 2026 on the classification (Art. 113 as published): law on 23 November 2026.
    const counsel = held({ dutiesApplyFrom: '2026-08-02', dutiesApplyFromBasis: 'date set by the person classifying' });
    const byFile = byRule(death(systemScope(registeredMinimal, counsel), before), 'aiact.26-5.provider')!;
    expect(byFile).toMatchObject({ nature: 'law', dutiesApplyFrom: { at: '2026-08-01T22:00:00.000Z', source: 'compliance-file' } });
    expect(byFile.dutiesApplyFrom!.basis).toBe("the compliance file's classification decided on 2026-12-01 by qm-1: date set by the person classifying");
    expect(byFile.basis).toContain('the duty applies from 2026-08-02');
    // Rules outside the AI Act carry no such date.
    expect(byRule(identified(serious({ death: true }, { wkkgzCalamity: true })), 'igj.calamity.triage')!.dutiesApplyFrom).toBeUndefined();
  });

  it('given the file classified it prohibited (Art. 5), then no Art. 26(5) or 73 clock: those bind high-risk systems', () => {
    const prohibited = systemScope({ ...registeredMinimal, aiActRiskClass: 'high' }, held({ aiActRiskClass: 'prohibited', legalGround: 'art-5' }));
    expect(computeDeadlines(death(prohibited)).filter((d) => d.ruleId?.startsWith('aiact'))).toEqual([]);
  });
});

describe("MDR Art. 87: the manufacturer's clocks, mirrored as the hospital's policy towards the manufacturer (J17)", () => {
  const device = (c: Partial<SeriousnessCriteria>, system: SystemScope = MINIMAL) =>
    computeDeadlines(identified(serious(c, { medicalDevice: true }), { system: { ...system, mdrClass: 'IIa' } })).filter((d) => d.recipient === 'manufacturer');

  it('serious deterioration of health → 10 days (Art. 87(5)), hospital policy, whatever the AI Act class', () => {
    // Art. 87(5): "not later than 10 days after the date on which the manufacturer becomes aware of the serious incident."
    expect(device({ seriousHarmToHealth: true })).toEqual([
      expect.objectContaining({ ruleId: 'mdr.87-5.hospital', dueAt: daysAfter(inForce, 10), nature: 'hospital-policy' }),
    ]);
    expect(device({ seriousHarmToHealth: true })[0].basis).toContain('the MDR sets no period for the hospital (J17)');
  });

  it('a near miss ("might have led") is an MDR serious incident without asserting harm: 15 days (Art. 87(3)), and no AI Act clock', () => {
    // Art. 2(65): "any incident that directly or indirectly led, might have led or might lead to" death, serious deterioration, public health threat.
    // Art. 87(3): "not later than 15 days after they become aware of the incident."
    expect(device({ couldHaveLedToSeriousHarm: true })).toEqual([expect.objectContaining({ ruleId: 'mdr.87-3.hospital', dueAt: daysAfter(inForce, 15) })]);
    const all = computeDeadlines(identified(serious({ couldHaveLedToSeriousHarm: true }, { medicalDevice: true }), { system: ANNEX_I }));
    expect(all.filter((d) => d.ruleId?.startsWith('aiact.26-5.provider') && d.ruleId !== 'aiact.26-5.provider.on-awareness')).toEqual([]);
  });

  it('a serious public health threat → 2 days (Art. 87(4))', () => {
    // Art. 87(4): "immediately, and not later than 2 days after the manufacturer becomes aware of that threat."
    expect(device({ seriousPublicHealthThreat: true })[0]).toMatchObject({ ruleId: 'mdr.87-4.hospital', dueAt: daysAfter(inForce, 2) });
  });

  it('harm to property or the environment is not an MDR criterion (Art. 2(65) names death, health and public health only)', () => {
    expect(device({ propertyOrEnvironmentHarm: true })).toEqual([]);
  });

  it('an in-house device (Art. 5(5)) has no manufacturer to report to', () => {
    expect(device({ death: true }, { ...MINIMAL, inHouseDevice: true })).toEqual([]);
  });
});

describe('GDPR Art. 33(1) and 34(1): personal data breaches (LAW; the hospital is the controller)', () => {
  const breach = (personalDataBreach: Classification['personalDataBreach']) =>
    computeDeadlines(facts({ classification: { ...notSerious, personalDataBreach }, system: MINIMAL, awareAt: before }));

  it('a breach that is a risk → the Autoriteit Persoonsgegevens within 72 hours of awareness, on any AI system', () => {
    // Art. 33(1): "without undue delay and, where feasible, not later than 72 hours after having become aware of it, notify … to the supervisory authority".
    expect(breach('risk').map(({ ruleId, recipient, dueAt, nature }) => ({ ruleId, recipient, dueAt, nature }))).toEqual([
      { ruleId: 'gdpr.33-1', recipient: 'supervisory-authority', dueAt: hoursAfter(before, 72), nature: 'law' },
    ]);
    expect(breach('risk')[0].basis).toContain('"where feasible"');
  });

  it('a high-risk breach → also the data subjects, "without undue delay" read as the hospital\'s hours (J14)', () => {
    // Art. 34(1): "When the personal data breach is likely to result in a high risk … communicate the personal data breach to the data subject without undue delay."
    expect(
      breach('high-risk')
        .map((d) => d.ruleId)
        .sort(),
    ).toEqual(['gdpr.33-1', 'gdpr.34-1']);
    const policy = { ...DEFAULT_DEADLINE_POLICY, dataSubjectInformHours: 24 };
    const subjects = computeDeadlines(facts({ classification: { ...notSerious, personalDataBreach: 'high-risk' }, system: MINIMAL, policy })).find(
      (d) => d.recipient === 'data-subjects',
    )!;
    expect(subjects).toMatchObject({ dueAt: hoursAfter(inForce, 24) });
    expect(subjects.basis).toContain('within 24 h of awareness (J14)');
  });

  it('"unlikely to result in a risk" (or no breach) → no notification clock', () => {
    // Art. 33(1): "… unless the personal data breach is unlikely to result in a risk to the rights and freedoms of natural persons."
    expect(breach('unlikely-risk')).toEqual([]);
    expect(breach('none')).toEqual([]);
    expect(breach(undefined)).toEqual([]);
  });
});

describe('Wkkgz art. 10(3): telling the patient (LAW, "onverwijld" read as the hospital\'s hours, J2)', () => {
  it('an incident with (possible) noticeable consequences for the patient → tell the patient within the policy hours of awareness', () => {
    // Wkkgz art. 10(3): "De zorgaanbieder doet aan een cliënt … onverwijld mededeling van de aard en toedracht van incidenten … die voor de cliënt merkbare gevolgen hebben of kunnen hebben".
    const f = facts({ classification: { ...notSerious, patientConsequences: true }, system: MINIMAL });
    expect(rows(f)).toEqual([{ ruleId: 'wkkgz.10-3', recipient: 'patient', dueAt: hoursAfter(inForce, 72), nature: 'law' }]);
    expect(computeDeadlines({ ...f, policy: { ...DEFAULT_DEADLINE_POLICY, patientInformHours: 24 } })[0].dueAt).toBe(hoursAfter(inForce, 24));
    expect(rows(facts({ classification: notSerious, system: MINIMAL }))).toEqual([]);
  });
});

describe('NIS2 Art. 23(4) through the Cyberbeveiligingswet: early warning, notification, final report to the CSIRT', () => {
  const cyber = (more: Partial<DeadlineFacts> = {}) => facts({ classification: { ...notSerious, significantCyberIncident: true }, system: MINIMAL, ...more });

  it('24 h early warning and 72 h notification from awareness; no final report before the notification is submitted', () => {
    // Art. 23(4)(a): "within 24 hours of becoming aware of the significant incident, an early warning"; (b): "within 72 hours …, an incident notification".
    expect(rows(cyber()).map(({ ruleId, dueAt }) => ({ ruleId, dueAt }))).toEqual([
      { ruleId: 'nis2.23-4-a', dueAt: hoursAfter(inForce, 24) },
      { ruleId: 'nis2.23-4-b', dueAt: hoursAfter(inForce, 72) },
    ]);
    expect(byRule(cyber(), 'nis2.23-4-b')).toMatchObject({ reportKind: 'incident-notification' });
  });

  it('the final report is due one calendar month after the notification was submitted, not after awareness', () => {
    // Art. 23(4)(d): "a final report not later than one month after the submission of the incident notification under point (b)".
    const submitted = '2028-01-31T15:00:00.000Z';
    const f = cyber({ reports: { csirt: '2028-01-10T20:00:00.000Z', 'csirt#incident-notification': submitted } });
    expect(byRule(f, 'nis2.23-4-d')).toMatchObject({
      reportKind: 'final-report',
      dueAt: '2028-02-29T15:00:00.000Z',
      from: { trigger: 'incident-notification', at: submitted },
    });
  });

  it('hospital policy until the hospital records from when the Cyberbeveiligingswet binds it (J15), law after', () => {
    expect(byRule(cyber(), 'nis2.23-4-a')).toMatchObject({ nature: 'hospital-policy' });
    expect(byRule(cyber(), 'nis2.23-4-a')!.basis).toContain('entry into force is not verified');
    const inForceCbw = { ...DEFAULT_DEADLINE_POLICY, nis2AppliesFrom: '2027-06-01T00:00:00.000Z' };
    expect(byRule(cyber({ policy: inForceCbw }), 'nis2.23-4-a')).toMatchObject({ nature: 'law' });
    expect(byRule(cyber({ policy: inForceCbw, awareAt: before }), 'nis2.23-4-a')).toMatchObject({ nature: 'hospital-policy' });
  });

  it('a deadline that asks for a kind of report is met only by that kind; one without a kind by the first report', () => {
    const all = computeDeadlines(cyber());
    const early = deadlineStatus(all, { csirt: hoursAfter(inForce, 10) }, daysAfter(inForce, 5));
    expect(early.map((d) => [d.ruleId, d.metAt !== null, d.overdue])).toEqual([
      ['nis2.23-4-a', true, false],
      ['nis2.23-4-b', false, true],
    ]);
  });
});

describe("the IGJ's investigation-report term (regulator policy, set per incident, J8)", () => {
  it('no term, no clock (the product assumes no 8 weeks); a term set → due then, met by an investigation report', () => {
    expect(rows(facts({ system: MINIMAL, calamity: { status: 'established', at: inForce } })).map((d) => d.ruleId)).not.toContain('igj.investigation-report');
    const f = facts({
      system: MINIMAL,
      calamity: { status: 'established', at: inForce },
      investigationReport: { dueAt: '2028-03-20T23:00:00.000Z', setAt: daysAfter(inForce, 5) },
    });
    expect(byRule(f, 'igj.investigation-report')).toMatchObject({
      recipient: 'igj',
      reportKind: 'investigation-report',
      dueAt: '2028-03-20T23:00:00.000Z',
      nature: 'regulator-policy',
      from: { trigger: 'term-set', at: daysAfter(inForce, 5) },
    });
  });
});

describe('Wkkgz calamity clocks (IGJ guidance: REGULATOR POLICY, not statute; docs/legal/sources.md § 11)', () => {
  // Awareness (our "constatering van de gebeurtenis", judgement J3) Wednesday 14 April 2027, 09:00 in Amsterdam.
  const aware = '2027-04-14T07:00:00.000Z';
  const suspected = serious({ death: true }, { wkkgzCalamity: true });
  const wkkgz = (more: Partial<DeadlineFacts> = {}) => facts({ classification: suspected, awareAt: aware, identifiedAt: aware, system: MINIMAL, ...more });
  const find = (f: DeadlineFacts, party: string) => computeDeadlines(f).find((d) => d.recipient === party);

  it('a possible calamity gets a triage window of 6 calendar weeks from awareness, to the end of that day in Amsterdam, and no IGJ report yet', () => {
    // IGJ: "… dan heeft u vanaf de constatering van de gebeurtenis 6 weken de tijd om dat te onderzoeken."
    expect(find(wkkgz(), 'calamity-decision')).toMatchObject({
      ruleId: 'igj.calamity.triage',
      nature: 'regulator-policy',
      dueAt: '2027-05-26T21:59:59.999Z',
      rule: 'IGJ guidance: calamity triage',
    });
    expect(find(wkkgz(), 'calamity-decision')!.basis).toMatch(
      /^REGULATOR POLICY\. IGJ guidance: calamity triage: "… dan heeft u vanaf de constatering van de gebeurtenis 6 weken/,
    );
    expect(find(wkkgz(), 'igj')).toBeUndefined();
  });

  it('established on day 20 → the IGJ report is due 3 Dutch working days later, across Liberation Day and Ascension Day 2027', () => {
    // IGJ: "Binnen 3 werkdagen nadat u heeft vastgesteld dat het om een calamiteit gaat." Atw art. 3(1): "de Hemelvaartsdag … en de vijfde mei".
    // Tuesday 4 May; Wed 5 May (Liberation Day) and Thu 6 May (Ascension Day) are no working days: Fri 7, Mon 10, Tue 11 May.
    const established = { status: 'established', at: '2027-05-04T08:00:00.000Z' } as const;
    const igj = find(wkkgz({ calamity: established }), 'igj')!;
    expect(igj).toMatchObject({
      ruleId: 'igj.calamity.report',
      rule: 'Wkkgz art. 11(1)(a)',
      dueAt: '2027-05-11T21:59:59.999Z',
      from: { trigger: 'establishment', at: established.at },
    });
    expect(igj.basis).toMatch(/^REGULATOR POLICY\. Wkkgz art\. 11\(1\)\(a\): "Binnen 3 werkdagen nadat u heeft vastgesteld/);
    expect(igj.basis).toContain('the statute says "onverwijld"');
    expect(igj.basis).toContain('5 May a holiday; J4');
    // The triage window stays, from awareness: the decision meets it.
    expect(find(wkkgz({ calamity: established }), 'calamity-decision')!.dueAt).toBe('2027-05-26T21:59:59.999Z');
    // With 5 May a working day (hospital policy), only Ascension Day is skipped.
    const stricter = find(wkkgz({ calamity: established, policy: { ...DEFAULT_DEADLINE_POLICY, liberationDayIsHoliday: false } }), 'igj')!;
    expect(stricter.dueAt).toBe('2027-05-10T21:59:59.999Z');
    expect(stricter.basis).toContain('5 May a working day');
  });

  it.each([
    ['skips the weekend', '2026-11-27T16:00:00.000Z', '2026-12-02T22:59:59.999Z'],
    // Atw art. 3(1) "de Christelijke tweede Paasdag"; art. 3(2) "Goede Vrijdag" gelijkgesteld.
    ['skips Good Friday and Easter Monday 2026', '2026-04-01T08:00:00.000Z', '2026-04-08T21:59:59.999Z'],
    ['counts a Friday 23:30 establishment in Amsterdam from that Friday', '2026-11-27T22:30:00.000Z', '2026-12-02T22:59:59.999Z'],
  ])('IGJ report %s (Algemene termijnenwet art. 3 as the working-day calendar, J4)', (_, at, due) => {
    expect(find(wkkgz({ awareAt: at, calamity: { status: 'established', at } }), 'igj')!.dueAt).toBe(due);
  });

  it('ruled out → no IGJ report; the triage window is listed and met by the decision', () => {
    const f = wkkgz({ calamity: { status: 'ruled-out', at: '2027-04-20T10:00:00.000Z' } });
    expect(find(f, 'igj')).toBeUndefined();
    const [triage] = deadlineStatus([find(f, 'calamity-decision')!], { 'calamity-decision': '2027-04-20T10:00:00.000Z' }, '2027-06-30T00:00:00.000Z');
    expect(triage).toMatchObject({ metAt: '2027-04-20T10:00:00.000Z', overdue: false });
  });

  it('not decided after 6 weeks → the triage window is overdue', () => {
    const triage = [find(wkkgz(), 'calamity-decision')!];
    expect(deadlineStatus(triage, {}, '2027-05-26T21:59:59.000Z')[0].overdue).toBe(false);
    expect(deadlineStatus(triage, {}, '2027-05-26T22:00:00.000Z')[0].overdue).toBe(true);
  });

  it('a calamity established without the classification flag (or before classification) still gets both clocks', () => {
    expect(rows(wkkgz({ classification: null, calamity: { status: 'established', at: aware } })).map((d) => d.recipient)).toEqual(['igj', 'calamity-decision']);
  });

  it('an incident neither flagged nor decided has no Wkkgz clock', () => {
    expect(rows(wkkgz({ classification: serious({ seriousHarmToHealth: true }) })).map((d) => d.recipient)).not.toContain('calamity-decision');
  });
});

describe('deadlineStatus', () => {
  const deadlines = computeDeadlines(identified(serious({ death: true })));

  it('is overdue once past due and not met; met duties are never overdue', () => {
    const later = daysAfter(inForce, 2);
    const provider = deadlineStatus(deadlines, {}, later).find((d) => d.ruleId === 'aiact.26-5.provider')!;
    expect(provider).toMatchObject({ metAt: null, overdue: true });
    const met = deadlineStatus(deadlines, { provider: hoursAfter(inForce, 3) }, later).filter((d) => d.recipient === 'provider');
    expect(met.map((d) => d.overdue)).toEqual([false]);
    expect(met[0].metAt).toBe(hoursAfter(inForce, 3));
  });
});
