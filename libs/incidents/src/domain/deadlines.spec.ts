import { computeDeadlines, deadlineStatus, DEFAULT_DEADLINE_POLICY } from './deadlines';
import { type Classification, NO_CRITERIA, type SeriousnessCriteria } from './incident.events';

const awareAt = '2026-11-23T10:00:00.000Z'; // a Monday
const none = NO_CRITERIA;
const serious = (criteria: Partial<SeriousnessCriteria>, more: Partial<Classification> = {}): Classification => ({
  serious: true,
  criteria: { ...none, ...criteria },
  medicalDevice: false,
  wkkgzCalamity: false,
  ...more,
});
const rows = (c: Classification | null, at = awareAt, policy = DEFAULT_DEADLINE_POLICY) =>
  computeDeadlines(c, at, policy).map(({ recipient, rule, dueAt }) => ({ recipient, rule, dueAt }));

describe('computeDeadlines', () => {
  it('has no duties before classification or for an incident that is not serious', () => {
    expect(rows(null)).toEqual([]);
    expect(rows({ serious: false, criteria: none, medicalDevice: false, wkkgzCalamity: false })).toEqual([]);
  });

  it('AI Act Art. 26(5) + 73(2): provider within 24 h, authority within 15 days', () => {
    expect(rows(serious({ seriousHarmToHealth: true }))).toEqual([
      { recipient: 'provider', rule: 'AI Act Art. 26(5)', dueAt: '2026-11-24T10:00:00.000Z' },
      { recipient: 'market-surveillance-authority', rule: 'AI Act Art. 73(2)', dueAt: '2026-12-08T10:00:00.000Z' },
    ]);
  });

  it('AI Act Art. 73(4): death shortens the authority deadline to 10 days', () => {
    expect(rows(serious({ death: true }))[1]).toEqual({
      recipient: 'market-surveillance-authority',
      rule: 'AI Act Art. 73(4)',
      dueAt: '2026-12-03T10:00:00.000Z',
    });
  });

  it.each([
    ['critical infrastructure', { criticalInfrastructureDisruption: true }],
    ['a widespread infringement', { fundamentalRightsInfringement: true, widespreadInfringement: true }],
  ])('AI Act Art. 73(3): %s gives 2 days, stricter even than death', (_, criteria) => {
    const msa = computeDeadlines(serious({ ...criteria, death: true }), awareAt, DEFAULT_DEADLINE_POLICY).find(
      (d) => d.recipient === 'market-surveillance-authority',
    );
    expect(msa).toMatchObject({ rule: 'AI Act Art. 73(3)', dueAt: '2026-11-25T10:00:00.000Z' });
    expect(msa!.basis).toMatch(/2 days/);
  });

  it('MDR Art. 87(3)/(5): a medical device reports to the manufacturer, 10 days for serious deterioration; AI Act Art. 73(10) leaves the authority out', () => {
    expect(rows(serious({ seriousHarmToHealth: true }, { medicalDevice: true }))).toEqual([
      { recipient: 'provider', rule: 'AI Act Art. 26(5)', dueAt: '2026-11-24T10:00:00.000Z' },
      { recipient: 'manufacturer', rule: 'MDR Art. 87(5)', dueAt: '2026-12-03T10:00:00.000Z' },
    ]);
    expect(rows(serious({ propertyOrEnvironmentHarm: true }, { medicalDevice: true }))[1]).toEqual({
      recipient: 'manufacturer',
      rule: 'MDR Art. 87(3)',
      dueAt: '2026-12-08T10:00:00.000Z',
    });
  });

  it('MDR Art. 87(4): a serious public health threat gives the manufacturer 2 days', () => {
    const c = serious({ seriousHarmToHealth: true, seriousPublicHealthThreat: true }, { medicalDevice: true });
    expect(rows(c).find((d) => d.recipient === 'manufacturer')).toEqual({
      recipient: 'manufacturer',
      rule: 'MDR Art. 87(4)',
      dueAt: '2026-11-25T10:00:00.000Z',
    });
  });

  it('AI Act Art. 73(10): a device infringing fundamental rights is still reported to the authority', () => {
    const c = serious({ fundamentalRightsInfringement: true }, { medicalDevice: true });
    expect(rows(c).map((d) => d.recipient).sort()).toEqual(['manufacturer', 'market-surveillance-authority', 'provider']);
  });

  describe('Wkkgz art. 11: an established calamity goes to the IGJ within 3 Dutch working days of its establishment', () => {
    // IGJ, "Melding doen van een calamiteit": "Binnen 3 werkdagen nadat u heeft vastgesteld dat het om een calamiteit gaat";
    // a term runs "tot en met" its last day (Atw art. 1). `at` is the establishment; awareness lies a week before.
    const calamity = serious({ death: true }, { wkkgzCalamity: true });
    const igj = (at: string, policy = DEFAULT_DEADLINE_POLICY) =>
      computeDeadlines(calamity, new Date(Date.parse(at) - 7 * 86_400_000).toISOString(), policy, { status: 'established', at }).find((d) => d.recipient === 'igj')!;

    it('skips the weekend and falls due at the end of the third working day in Amsterdam', () => {
      expect(igj('2026-11-27T16:00:00.000Z')).toMatchObject({ rule: 'Wkkgz art. 11(1)(a)', dueAt: '2026-12-02T22:59:59.999Z' });
    });

    it('skips Good Friday and Easter Monday 2026 (Algemene termijnenwet art. 3)', () => {
      // Atw art. 3(1) "de Christelijke tweede Paasdag"; art. 3(2) "Goede Vrijdag" gelijkgesteld.
      expect(igj('2026-04-01T08:00:00.000Z').dueAt).toBe('2026-04-08T21:59:59.999Z');
    });

    it('establishment at 23:30 on a Friday in Amsterdam (22:30 UTC) counts from that Friday', () => {
      expect(igj('2026-11-27T22:30:00.000Z').dueAt).toBe('2026-12-02T22:59:59.999Z');
    });

    it('counts 5 May as the setting says and records the calendar in the basis', () => {
      // Atw art. 3(1): "… en de vijfde mei".
      const withHoliday = igj('2026-05-04T08:00:00.000Z');
      const without = igj('2026-05-04T08:00:00.000Z', { ...DEFAULT_DEADLINE_POLICY, liberationDayIsHoliday: false });
      expect(withHoliday.dueAt).toBe('2026-05-08T21:59:59.999Z');
      expect(without.dueAt).toBe('2026-05-07T21:59:59.999Z');
      expect(withHoliday.basis).toMatch(/Dutch working days \(Europe\/Amsterdam; holidays of the Algemene termijnenwet art\. 3 including Good Friday; 5 May a holiday\)/);
      expect(without.basis).toMatch(/5 May a working day/);
    });
  });

  it('takes the policy values as parameters and cites them', () => {
    const policy = { providerInformHours: 4, igjWorkingDays: 1, liberationDayIsHoliday: true };
    const [provider, igj] = computeDeadlines(serious({ death: true }, { wkkgzCalamity: true }), awareAt, policy, { status: 'established', at: awareAt });
    expect(provider).toMatchObject({ recipient: 'provider', dueAt: '2026-11-23T14:00:00.000Z' });
    expect(provider.basis).toMatch(/within 4 h/);
    expect(igj).toMatchObject({ recipient: 'igj', dueAt: '2026-11-24T22:59:59.999Z' });
    expect(igj.basis).toMatch(/1 working days/);
  });

  it('sorts duties by due time and gives every row an obligation, rule and basis', () => {
    const all = computeDeadlines(serious({ death: true }, { medicalDevice: true, wkkgzCalamity: true }), awareAt, DEFAULT_DEADLINE_POLICY, { status: 'established', at: awareAt });
    expect(all.map((d) => d.dueAt)).toEqual([...all.map((d) => d.dueAt)].sort());
    for (const d of all) expect(d.obligation && d.rule && d.basis).toBeTruthy();
  });
});

describe('Wkkgz calamity clocks (IGJ guidance: REGULATOR POLICY, not statute; docs/legal/sources.md § 11)', () => {
  // Awareness (our "constatering van de gebeurtenis", judgement J3) Wednesday 14 April 2027, 09:00 in Amsterdam.
  const aware = '2027-04-14T07:00:00.000Z';
  const suspected = serious({ death: true }, { wkkgzCalamity: true });
  const find = (rows: ReturnType<typeof computeDeadlines>, party: string) => rows.find((d) => d.recipient === party);

  it('a possible calamity gets a triage window of 6 calendar weeks from awareness, to the end of that day in Amsterdam, and no IGJ report yet', () => {
    // IGJ: "… dan heeft u vanaf de constatering van de gebeurtenis 6 weken de tijd om dat te onderzoeken."
    const rows = computeDeadlines(suspected, aware, DEFAULT_DEADLINE_POLICY);
    expect(find(rows, 'calamity-decision')).toMatchObject({ dueAt: '2027-05-26T21:59:59.999Z', rule: 'IGJ guidance: calamity triage' });
    expect(find(rows, 'calamity-decision')!.basis).toMatch(/^REGULATOR POLICY \(IGJ, not statute\): "… dan heeft u vanaf de constatering van de gebeurtenis 6 weken/);
    expect(find(rows, 'igj')).toBeUndefined();
  });

  it('established on day 20 → the IGJ report is due 3 Dutch working days later, across Liberation Day and Ascension Day 2027', () => {
    // IGJ: "Binnen 3 werkdagen nadat u heeft vastgesteld dat het om een calamiteit gaat." Atw art. 3(1): "de Hemelvaartsdag … en de vijfde mei".
    // Tuesday 4 May; Wed 5 May (Liberation Day) and Thu 6 May (Ascension Day) are no working days: Fri 7, Mon 10, Tue 11 May.
    const established = { status: 'established', at: '2027-05-04T08:00:00.000Z' } as const;
    const rows = computeDeadlines(suspected, aware, DEFAULT_DEADLINE_POLICY, established);
    expect(find(rows, 'igj')).toMatchObject({ rule: 'Wkkgz art. 11(1)(a)', dueAt: '2027-05-11T21:59:59.999Z' });
    expect(find(rows, 'igj')!.basis).toMatch(/^LAW: calamities are reported "onverwijld" \(Wkkgz art\. 11\(1\)\(a\)\); REGULATOR POLICY reading \(IGJ\): "Binnen 3 werkdagen nadat u heeft vastgesteld/);
    expect(find(rows, 'igj')!.basis).toContain('within 3 working days of establishment (2027-05-04T08:00:00.000Z)');
    // The triage window stays, from awareness: the decision meets it.
    expect(find(rows, 'calamity-decision')!.dueAt).toBe('2027-05-26T21:59:59.999Z');
    // With 5 May a working day (hospital policy), only Ascension Day is skipped.
    const stricter = computeDeadlines(suspected, aware, { ...DEFAULT_DEADLINE_POLICY, liberationDayIsHoliday: false }, established);
    expect(find(stricter, 'igj')!.dueAt).toBe('2027-05-10T21:59:59.999Z');
  });

  it('ruled out → no IGJ report; the triage window is listed and met by the decision', () => {
    const rows = computeDeadlines(suspected, aware, DEFAULT_DEADLINE_POLICY, { status: 'ruled-out', at: '2027-04-20T10:00:00.000Z' });
    expect(find(rows, 'igj')).toBeUndefined();
    const [triage] = deadlineStatus(rows.filter((d) => d.recipient === 'calamity-decision'), { 'calamity-decision': '2027-04-20T10:00:00.000Z' }, '2027-06-30T00:00:00.000Z');
    expect(triage).toMatchObject({ metAt: '2027-04-20T10:00:00.000Z', overdue: false });
  });

  it('not decided after 6 weeks → the triage window is overdue', () => {
    const rows = computeDeadlines(suspected, aware, DEFAULT_DEADLINE_POLICY).filter((d) => d.recipient === 'calamity-decision');
    expect(deadlineStatus(rows, {}, '2027-05-26T21:59:59.000Z')[0].overdue).toBe(false);
    expect(deadlineStatus(rows, {}, '2027-05-26T22:00:00.000Z')[0].overdue).toBe(true);
  });

  it('a calamity established without the classification flag (or before classification) still gets both clocks', () => {
    const rows = computeDeadlines(null, aware, DEFAULT_DEADLINE_POLICY, { status: 'established', at: aware });
    expect(rows.map((d) => d.recipient)).toEqual(['igj', 'calamity-decision']);
  });

  it('every rule name fits the board\'s nextRule column (varchar(40); PostgreSQL refuses longer)', () => {
    const all = computeDeadlines(serious({ death: true }, { medicalDevice: true, wkkgzCalamity: true }), aware, DEFAULT_DEADLINE_POLICY, { status: 'established', at: aware });
    for (const d of all) expect(d.rule.length).toBeLessThanOrEqual(40);
  });

  it('an incident neither flagged nor decided has no Wkkgz clock', () => {
    expect(computeDeadlines(serious({ seriousHarmToHealth: true }), aware, DEFAULT_DEADLINE_POLICY).map((d) => d.recipient)).not.toContain('calamity-decision');
  });
});

describe('deadlineStatus', () => {
  const deadlines = computeDeadlines(serious({ death: true }), awareAt, DEFAULT_DEADLINE_POLICY);

  it('is overdue once past due and not met; met duties are never overdue', () => {
    const later = '2026-11-25T00:00:00.000Z';
    const [provider, msa] = deadlineStatus(deadlines, {}, later);
    expect(provider).toMatchObject({ recipient: 'provider', metAt: null, overdue: true });
    expect(msa).toMatchObject({ overdue: false });
    const [met] = deadlineStatus(deadlines, { provider: '2026-11-24T12:00:00.000Z' }, later);
    expect(met).toMatchObject({ metAt: '2026-11-24T12:00:00.000Z', overdue: false });
  });
});
