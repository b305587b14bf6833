import { addWorkingDays, computeDeadlines, deadlineStatus, DEFAULT_DEADLINE_POLICY } from './deadlines';
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

  it('Wkkgz art. 11: a calamity goes to the IGJ within 3 working days, skipping the weekend', () => {
    const friday = '2026-11-27T16:00:00.000Z';
    expect(rows(serious({ death: true }, { wkkgzCalamity: true }), friday).find((d) => d.recipient === 'igj')).toEqual({
      recipient: 'igj',
      rule: 'Wkkgz art. 11(1)(a)',
      dueAt: '2026-12-02T16:00:00.000Z',
    });
  });

  it('takes the policy values as parameters and cites them', () => {
    const policy = { providerInformHours: 4, igjWorkingDays: 1 };
    const [provider, igj] = computeDeadlines(serious({ death: true }, { wkkgzCalamity: true }), awareAt, policy);
    expect(provider).toMatchObject({ recipient: 'provider', dueAt: '2026-11-23T14:00:00.000Z' });
    expect(provider.basis).toMatch(/within 4 h/);
    expect(igj).toMatchObject({ recipient: 'igj', dueAt: '2026-11-24T10:00:00.000Z' });
    expect(igj.basis).toMatch(/1 working days/);
  });

  it('sorts duties by due time and gives every row an obligation, rule and basis', () => {
    const all = computeDeadlines(serious({ death: true }, { medicalDevice: true, wkkgzCalamity: true }), awareAt, DEFAULT_DEADLINE_POLICY);
    expect(all.map((d) => d.dueAt)).toEqual([...all.map((d) => d.dueAt)].sort());
    for (const d of all) expect(d.obligation && d.rule && d.basis).toBeTruthy();
  });
});

describe('addWorkingDays', () => {
  it.each([
    ['2026-11-23T09:00:00.000Z', 3, '2026-11-26T09:00:00.000Z'], // Mon → Thu
    ['2026-11-28T09:00:00.000Z', 1, '2026-11-30T09:00:00.000Z'], // Sat → Mon
    ['2026-11-26T09:00:00.000Z', 2, '2026-11-30T09:00:00.000Z'], // Thu → Mon
  ])('%s + %i working days = %s', (from, n, expected) => {
    expect(addWorkingDays(from, n)).toBe(expected);
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
