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

  describe('Wkkgz art. 11: a calamity goes to the IGJ within 3 Dutch working days', () => {
    // IGJ, "Melding doen van een calamiteit": onverwijld = "binnen 3 werkdagen"; a term runs "tot en met" its last day (Atw art. 1).
    const calamity = serious({ death: true }, { wkkgzCalamity: true });
    const igj = (at: string, policy = DEFAULT_DEADLINE_POLICY) => computeDeadlines(calamity, at, policy).find((d) => d.recipient === 'igj')!;

    it('skips the weekend and falls due at the end of the third working day in Amsterdam', () => {
      expect(igj('2026-11-27T16:00:00.000Z')).toMatchObject({ rule: 'Wkkgz art. 11(1)(a)', dueAt: '2026-12-02T22:59:59.999Z' });
    });

    it('skips Good Friday and Easter Monday 2026 (Algemene termijnenwet art. 3)', () => {
      // Atw art. 3(1) "de Christelijke tweede Paasdag"; art. 3(2) "Goede Vrijdag" gelijkgesteld.
      expect(igj('2026-04-01T08:00:00.000Z').dueAt).toBe('2026-04-08T21:59:59.999Z');
    });

    it('awareness at 23:30 on a Friday in Amsterdam (22:30 UTC) counts from that Friday', () => {
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
    const [provider, igj] = computeDeadlines(serious({ death: true }, { wkkgzCalamity: true }), awareAt, policy);
    expect(provider).toMatchObject({ recipient: 'provider', dueAt: '2026-11-23T14:00:00.000Z' });
    expect(provider.basis).toMatch(/within 4 h/);
    expect(igj).toMatchObject({ recipient: 'igj', dueAt: '2026-11-24T22:59:59.999Z' });
    expect(igj.basis).toMatch(/1 working days/);
  });

  it('sorts duties by due time and gives every row an obligation, rule and basis', () => {
    const all = computeDeadlines(serious({ death: true }, { medicalDevice: true, wkkgzCalamity: true }), awareAt, DEFAULT_DEADLINE_POLICY);
    expect(all.map((d) => d.dueAt)).toEqual([...all.map((d) => d.dueAt)].sort());
    for (const d of all) expect(d.obligation && d.rule && d.basis).toBeTruthy();
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
