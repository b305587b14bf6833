import { type DeadlineStatus, NO_CRITERIA } from '@app/incidents';
import { aiSystemBody, startTestApp, type TestApp } from '../support/test-app';

/**
 * The incident rulebook reads the compliance file (issue 23 item 1, ADR 0035 amendment, ADR 0041),
 * over real HTTP on the store this run targets: a system registered minimal-risk and then
 * classified high-risk gets the AI Act clocks for incidents the hospital became aware of after the
 * classification, not for one it knew of before; a hospital classified as provider reports under
 * Art. 73 itself; each AI Act deadline names the compliance file as the source of its date.
 */
describe('incident clocks from the compliance file’s classification (HTTP)', () => {
  let t: TestApp;
  let admin: string;
  let qm: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const view = async (id: string) => (await t.http.get(`/api/v1/incidents/${id}`).set(auth(qm)).expect(200)).body;
  const aiAct = (v: { deadlines: DeadlineStatus[] }): DeadlineStatus[] => v.deadlines.filter((d) => d.ruleId?.startsWith('aiact'));
  const register = async () =>
    (
      await t.http
        .post('/api/v1/ai-systems')
        .set(auth(admin))
        .send(aiSystemBody({ aiActRiskClass: 'minimal', mdrClass: 'none' }))
        .expect(201)
    ).body.aiSystemId as string;
  const classify = (systemId: string, more: Record<string, unknown> = {}) =>
    t.http
      .post(`/api/v1/ai-systems/${systemId}/classification`)
      .set(auth(qm))
      .send({
        role: 'deployer',
        aiActRiskClass: 'high',
        legalGround: 'annex-iii',
        legalGroundPoint: 'Annex III point 5(d)',
        mdrClass: 'none',
        inHouseDevice: false,
        rationale: 'Triage of emergency patients: Annex III point 5(d)',
        ...more,
      })
      .expect(200);
  const report = async (systemId: string, awareAt?: string) =>
    (
      await t.http
        .post('/api/v1/incidents')
        .set(auth(qm))
        .send({ aiSystemId: systemId, narrative: 'Triage score missed a sepsis', ...(awareAt ? { awareAt, awarenessReason: 'Found in the audit' } : {}) })
        .expect(201)
    ).body.incidentId as string;
  const seriousDeath = (id: string) =>
    t.http
      .post(`/api/v1/incidents/${id}/classification`)
      .set(auth(qm))
      .send({ serious: true, criteria: { ...NO_CRITERIA, death: true }, wkkgzCalamity: false, rationale: 'Patient died' })
      .expect(200);

  beforeAll(async () => {
    t = await startTestApp();
    [admin, qm] = await Promise.all([t.token('admin', 'admin-1'), t.token('quality-manager', 'qm-1')]);
  });
  afterAll(async () => t?.close());

  it('registered minimal-risk, classified high-risk: AI Act clocks for an incident known after the classification, none for one known before', async () => {
    const systemId = await register();
    const knownBefore = await report(systemId, new Date(Date.now() - 2 * 86_400_000).toISOString());
    expect((await view(knownBefore)).deadlines).toEqual([]);

    await classify(systemId);
    const knownAfter = await report(systemId);
    await Promise.all([seriousDeath(knownBefore), seriousDeath(knownAfter)]);

    // Awareness two days before the classification was decided: the registration's minimal risk still governs.
    expect(aiAct(await view(knownBefore))).toEqual([]);
    const after = aiAct(await view(knownAfter));
    // Identified (classified) after awareness: the policy clock from awareness stays beside the legal one (J12).
    expect(after.map((d) => d.ruleId).sort()).toEqual(['aiact.26-5.msa', 'aiact.26-5.provider', 'aiact.26-5.provider.on-awareness']);
    for (const d of after) {
      // Before 2 December 2027 (the default date of an Annex III classification), hospital policy, saying why.
      expect(d).toMatchObject({ nature: 'hospital-policy', dutiesApplyFrom: { at: '2027-12-01T23:00:00.000Z', source: 'compliance-file' } });
      expect(d.basis).toContain("the compliance file's classification decided on");
    }
    const computed = (await t.store.readStream(`incident-${knownAfter}`)).filter((e) => e.type === 'incidents.DeadlinesComputed').at(-1)!;
    expect(computed.data.scope).toMatchObject({ aiActRiskClass: 'high', classification: { role: 'deployer', legalGround: 'annex-iii', decidedBy: 'qm-1' } });
  });

  it('the date counsel records on the classification replaces the default (J9): the clocks are law from it', async () => {
    const systemId = await register();
    await classify(systemId, { dutiesApplyFrom: '2026-08-02' });
    const id = await report(systemId);
    await seriousDeath(id);
    const provider = aiAct(await view(id)).find((d) => d.ruleId === 'aiact.26-5.provider');
    expect(provider).toMatchObject({ nature: 'law', dutiesApplyFrom: { at: '2026-08-01T22:00:00.000Z', source: 'compliance-file' } });
    expect(provider?.dutiesApplyFrom?.basis).toContain('date set by the person classifying');
  });

  it('the hospital classified as provider reports under Art. 73 itself: 10 days for a death, no Art. 26(5) rows', async () => {
    const systemId = await register();
    await classify(systemId, { role: 'provider' }); // its own system, not a medical device: the role alone makes it the provider
    const id = await report(systemId);
    await seriousDeath(id);
    const v = await view(id);
    // Art. 73(1): "Providers of high-risk AI systems placed on the Union market shall report any serious incident to the market surveillance authorities".
    expect(aiAct(v).map((d) => [d.ruleId, d.recipient])).toEqual([['aiact.73-4', 'market-surveillance-authority']]);
  });
});
