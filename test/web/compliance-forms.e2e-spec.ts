/// <reference lib="dom" />
// Issue 23 items 1, 2, 4 and 5 in a real Chromium against the real API (on the suite's store): a
// quality manager records on the compliance file screen, through its forms, a classification, an
// Art. 25 assessment of a change, an assessment with its review date, the competence policy, a
// competence record and its withdrawal, and an information-duty statement, in English and in
// Dutch, and sees the file change after each; a refusal is shown at the field the API names and
// writes nothing; a prohibited practice shows the API's reason; a change made meanwhile by someone
// else is refused (409) with a clear message and the file read again; each role sees only the
// forms the API lets it use.
import { createHash } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import type { Role } from '@app/identity';
import { aiSystemBody, type TestApp } from '../support/test-app';
import { type Browser, screenshot, seriousViolations, signInWithToken, startWebSuite, type WebSuite } from './browser';

jest.setTimeout(300_000);

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Europe/Amsterdam' });
const daysAhead = (n: number) => daysAgo(-n);
const OVERSEER = 'dr. A. de Vries';

describe('Compliance file forms in Chromium (issue 23 items 1, 2, 4, 5), English and Dutch', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let web: WebSuite | undefined;
  let admin: string;
  const untranslated: string[] = [];

  beforeAll(async () => {
    web = await startWebSuite();
    ({ t, base, browser } = web);
    admin = await t.token('admin', 'boss');
  });

  afterAll(async () => {
    await web?.close();
  });

  afterEach(() => {
    expect(untranslated.splice(0)).toEqual([]);
  });

  const register = async (name: string): Promise<string> =>
    (await t.http.post('/api/v1/ai-systems').set(auth(admin)).send(aiSystemBody({ name })).expect(201)).body.aiSystemId as string;
  const signIn = async (role: Role, sub: string): Promise<Page> => signInWithToken(browser, base, await t.token(role, sub), untranslated);
  const fileOf = async (id: string) => (await t.http.get(`/api/v1/ai-systems/${id}/compliance`).set(auth(admin)).expect(200)).body;

  /** Every write the page sends to the file, with its Idempotency-Key and If-Match. */
  const recordWrites = (page: Page) => {
    const writes: Array<{ path: string; key: string | undefined; ifMatch: string | undefined }> = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && /\/api\/v1\/ai-systems\/[^/]+\/(classification|modification|assessments|competence|information)/.test(r.url())) {
        const h = r.headers();
        writes.push({ path: new URL(r.url()).pathname, key: h['idempotency-key'], ifMatch: h['if-match'] });
      }
    });
    return writes;
  };

  /** Opens the form behind its button and answers the form (its heading names it). */
  const open = async (page: Page, button: string): Promise<Locator> => {
    await page.getByRole('button', { name: button, exact: true }).click();
    return page.locator('form', { has: page.getByRole('heading', { name: button, exact: true }) });
  };

  it('records each kind through the forms in English, the file changing after each; a refusal is named at its field and writes nothing', async () => {
    const id = await register('ChestXR Triage');
    const page = await signIn('quality-manager', 'qm-1');
    const writes = recordWrites(page);
    await page.goto(`${base}/compliance/${id}`);
    await page.getByRole('heading', { name: 'Compliance file' }).waitFor();
    const missing = page.locator('#compliance-missing');
    await expect(missing.textContent()).resolves.toContain('No classification recorded');

    // Item 1: the classification. Without the point of the ground the API refuses, at that field.
    const classify = await open(page, 'Record a classification');
    await classify.getByLabel("Hospital's role").selectOption('deployer');
    await classify.getByLabel('AI Act risk class').selectOption('high');
    // Only the grounds a high-risk class rests on (AI Act Art. 6(1) with Annex I, Art. 6(2) with Annex III).
    await expect(classify.locator('#classify-ground option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).resolves.toEqual([
      'art-6-1',
      'annex-iii',
    ]);
    await classify.getByLabel('Legal ground').selectOption('annex-iii');
    await expect(classify.locator('#classify-ground option:checked').textContent()).resolves.toBe('AI Act Art. 6(2) with Annex III');
    await classify.getByLabel('MDR class').selectOption('IIa');
    await classify.getByLabel('Rationale').fill('Triage of emergency patients: Annex III point 5(d) as counsel advised');
    await classify.getByRole('button', { name: 'Record classification' }).click();
    const pointError = classify.locator('#classify-point-error');
    await pointError.waitFor();
    await expect(pointError.textContent()).resolves.toContain('Name the point of annex-iii');
    await expect(classify.getByLabel('Point of the ground').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(classify.getByRole('alert').textContent()).resolves.toContain('legalGroundPoint');
    expect((await fileOf(id)).classification).toBeNull();
    await expect(page.getByText('Not classified yet.').count()).resolves.toBe(1);

    await classify.getByLabel('Point of the ground').fill('Annex III point 5(d)');
    await classify.getByRole('button', { name: 'Record classification' }).click();
    await classify.getByText('Classification recorded.').waitFor();
    await expect(page.locator('dl.facts').textContent()).resolves.toContain('high risk (annex-iii, Annex III point 5(d))');
    await expect(page.locator('dl.facts').textContent()).resolves.toContain('deployer');
    await expect(pointError.count()).resolves.toBe(0);
    await expect(missing.textContent()).resolves.not.toContain('No classification recorded');

    // Item 1: a change assessed against Art. 25(1) that makes the hospital the provider.
    const change = await open(page, 'Assess a change (AI Act Art. 25)');
    await change.getByLabel(/^Change/).selectOption('substantial-modification');
    await change.getByLabel('What changed').fill('Retrained on our own emergency department data');
    await change.getByLabel('The hospital becomes the provider').check();
    await change.getByLabel('Rationale').fill('The retraining changes the performance the conformity assessment covered');
    await change.getByRole('button', { name: 'Record assessment of the change' }).click();
    await change.getByText('Assessment of the change recorded.').waitFor();
    await expect(page.locator('#compliance-modifications tr[data-change="substantial-modification"]').textContent()).resolves.toContain(
      'Retrained on our own emergency department data',
    );
    await expect(page.locator('dl.facts').textContent()).resolves.toContain('provider');

    // Item 2: the DPIA with its next review.
    await expect(missing.textContent()).resolves.toContain('Data protection impact assessment (GDPR Art. 35): not recorded');
    const assessment = await open(page, 'Record an assessment');
    await assessment.getByLabel('Kind').selectOption('dpia');
    await assessment.getByLabel('Status').selectOption('approved');
    await assessment.getByLabel('Outcome').fill('Residual risks acceptable with a second reading of urgent studies');
    await assessment.getByLabel('Approved by').fill('Data protection officer');
    await assessment.getByLabel('Next review').fill(daysAhead(365));
    await assessment.getByRole('button', { name: 'Record assessment' }).click();
    await assessment.getByText('Assessment recorded.').waitFor();
    const dpia = page.locator('#compliance-assessments tr[data-kind="dpia"]');
    await expect(dpia.getAttribute('data-overdue')).resolves.toBe('false');
    await expect(dpia.textContent()).resolves.toContain('Data protection officer');
    await expect(missing.textContent()).resolves.not.toContain('Data protection impact assessment');

    // Item 4: the competence policy, then a record for the listed overseer.
    await expect(missing.textContent()).resolves.toContain('Competence not checked');
    const policy = await open(page, 'Set the competence policy (AI Act Art. 26(2))');
    await policy.getByLabel('Reviews by someone without a current competence record').selectOption('refuse');
    await policy.getByLabel('Reason').fill('All radiologists trained by 1 December');
    await policy.getByRole('button', { name: 'Set policy' }).click();
    await policy.getByText('Competence policy set.').waitFor();
    await expect(page.locator('#compliance-policy').textContent()).resolves.toBe('Competence is checked at every review: reviews by others are refused.');

    const overseer = page.locator(`#compliance-overseers tr[data-person="${OVERSEER}"]`);
    await expect(overseer.getAttribute('data-authorised')).resolves.toBe('false');
    const competence = await open(page, 'Record training and authority');
    await competence.getByLabel('Person').fill(OVERSEER);
    await competence.getByLabel('Course').fill('ChestXR Triage: limits, failure modes and override (v2.3)');
    await competence.getByLabel('Completed on').fill(daysAgo(10));
    await competence.getByLabel('Expires on').fill(daysAhead(355));
    await competence.getByRole('button', { name: 'Record competence' }).click();
    await competence.getByText('Competence recorded.').waitFor();
    await expect(overseer.getAttribute('data-authorised')).resolves.toBe('true');
    await expect(page.locator(`#compliance-competence-records tr[data-person="${OVERSEER}"]`).getAttribute('data-status')).resolves.toBe('current');
    await expect(missing.textContent()).resolves.not.toContain('holds no current competence record');

    // Item 5: patients informed (GDPR Art. 13), the text named by its SHA-256.
    await expect(missing.textContent()).resolves.toContain('Patients not informed');
    const information = await open(page, 'Record how people are informed');
    await information.getByLabel('Duty').selectOption('gdpr-13');
    await expect(information.locator('#information-basis option:checked').textContent()).resolves.toBe('patients, data collected from them (GDPR Art. 13)');
    await information.getByLabel(/^How/).fill('leaflet at admission');
    await information.getByLabel(/^When/).fill('at admission, before the first examination');
    await information.getByLabel('Text version').fill('v2.1 (2026-11)');
    await information.getByLabel("The text's SHA-256").fill(createHash('sha256').update('Leaflet: AI reads your X-ray').digest('hex'));
    await information.getByLabel('Approved by').fill('J. Smit, quality manager');
    await information.getByRole('button', { name: 'Record statement' }).click();
    await information.getByText('Statement recorded.').waitFor();
    await expect(page.locator('#compliance-information tr[data-basis="gdpr-13"]').textContent()).resolves.toContain('leaflet at admission');
    await expect(missing.textContent()).resolves.not.toContain('Patients not informed');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'quality-manager-compliance-forms');

    // Item 4: the authority withdrawn.
    await page.getByRole('button', { name: `Withdraw authority: ${OVERSEER}` }).click();
    const withdraw = page.locator('form', { has: page.getByRole('heading', { name: `Withdraw the authority of ${OVERSEER}` }) });
    await withdraw.getByLabel('Reason').fill('Moved to another department');
    await withdraw.getByRole('button', { name: 'Withdraw authority' }).click();
    await page.getByText('Authority withdrawn.').waitFor();
    await expect(overseer.getAttribute('data-authorised')).resolves.toBe('false');
    await expect(page.locator(`#compliance-competence-records tr[data-person="${OVERSEER}"]`).getAttribute('data-status')).resolves.toBe('withdrawn');

    // The API holds what the screen shows.
    const file = await fileOf(id);
    expect(file.classification).toMatchObject({
      aiActRiskClass: 'high',
      legalGround: 'annex-iii',
      legalGroundPoint: 'Annex III point 5(d)',
      decidedBy: { subject: 'qm-1' },
    });
    expect(file.role).toBe('provider');
    expect(file.competence.policy).toBe('refuse');
    expect(file.informationDuties.map((d: { basis: string }) => d.basis)).toEqual(['gdpr-13']);
    // Each submit carried its own Idempotency-Key; each after the first the file's revision as read.
    expect(writes.map((w) => w.path.split('/').pop())).toEqual([
      'classification',
      'classification',
      'modification-assessments',
      'assessments',
      'competence-policy',
      'competence-records',
      'information-duties',
      'competence-withdrawals',
    ]);
    expect(new Set(writes.map((w) => w.key)).size).toBe(writes.length);
    expect(writes.every((w) => typeof w.key === 'string' && w.key.length > 0)).toBe(true);
    expect(writes.slice(2).map((w) => w.ifMatch)).toEqual(['"0"', '"1"', '"2"', '"3"', '"4"', '"5"']);
    await page.close();
  });

  it('records each kind in Dutch; a prohibited practice shows the reason the API gives', async () => {
    const id = await register('Sepsis Alert');
    const page = await signIn('quality-manager', 'qm-2');
    await page.goto(`${base}/compliance/${id}`);
    await page.getByRole('heading', { name: 'Compliance file' }).waitFor();
    await page.getByRole('button', { name: 'Schakel naar Nederlands' }).click();
    await page.getByRole('heading', { name: 'Nalevingsdossier' }).waitFor();

    const classify = await open(page, 'Classificatie vastleggen');
    await classify.getByLabel('Rol van het ziekenhuis').selectOption('deployer');
    await classify.getByLabel('Risicoklasse AI-verordening').selectOption('prohibited');
    await expect(classify.locator('#classify-class-help').textContent()).resolves.toContain('blokkeert elke beoordeling');
    await expect(classify.locator('#classify-ground option').allTextContents()).resolves.toEqual(['AI-verordening art. 5, lid 1: een verboden praktijk']);
    await classify.getByLabel('Onderdeel van de grond').fill('Art. 5(1)(f)');
    await classify.getByLabel('Onderbouwing').fill('Infers emotions of staff at the workplace');
    await classify.getByRole('button', { name: 'Classificatie vastleggen' }).click();
    await classify.getByText('Classificatie vastgelegd.').waitFor();
    const prohibited = page.locator('#compliance-prohibited');
    await prohibited.waitFor();
    const reason = (await fileOf(id)).prohibited as string;
    expect(reason).toBe(`classified as a prohibited AI practice (Art. 5(1)(f)) on ${daysAgo(0)} by qm-2`);
    await expect(prohibited.textContent()).resolves.toBe(`Beoordelingen van dit systeem worden geweigerd: ${reason}`);
    await expect(page.locator('dl.facts').textContent()).resolves.toContain('verboden praktijk');

    const change = await open(page, 'Wijziging beoordelen (AI-verordening art. 25)');
    await change.getByLabel(/^Wijziging/).selectOption('intended-purpose-change');
    await change.getByLabel('Wat is gewijzigd').fill('Used for staffing decisions');
    await change.getByLabel('Onderbouwing').fill('Not a change that makes us the provider');
    await change.getByRole('button', { name: 'Beoordeling van de wijziging vastleggen' }).click();
    await change.getByText('Beoordeling van de wijziging vastgelegd.').waitFor();
    await expect(page.locator('#compliance-modifications tr[data-change="intended-purpose-change"]').textContent()).resolves.toContain('nee');

    const assessment = await open(page, 'Beoordeling vastleggen');
    await assessment.getByLabel('Soort').selectOption('fria');
    await assessment.getByLabel('Status').selectOption('not-required');
    await assessment.getByLabel('Uitkomst').fill('Art. 27 does not apply to this deployer');
    await assessment.getByRole('button', { name: 'Beoordeling vastleggen' }).click();
    await assessment.getByText('Beoordeling vastgelegd.').waitFor();
    await expect(page.locator('#compliance-assessments tr[data-kind="fria"]').textContent()).resolves.toContain('niet vereist');

    const policy = await open(page, 'Bekwaamheidsbeleid instellen (AI-verordening art. 26, lid 2)');
    await policy.getByLabel('Beoordelingen door iemand zonder geldig bekwaamheidsrecord').selectOption('flag');
    await policy.getByLabel('Reden').fill('Eerst markeren, weigeren na de training');
    await policy.getByRole('button', { name: 'Beleid instellen' }).click();
    await policy.getByText('Bekwaamheidsbeleid ingesteld.').waitFor();
    await expect(page.locator('#compliance-policy').textContent()).resolves.toContain('beoordelingen door anderen worden gemarkeerd');

    const competence = await open(page, 'Opleiding en bevoegdheid vastleggen');
    await competence.getByLabel('Persoon').fill('dr-jansen');
    await competence.getByLabel('Opleiding').fill('Sepsis Alert: grenzen en overrulen');
    await competence.getByLabel('Afgerond op').fill(daysAgo(2));
    await expect(competence.locator('#competence-completed-echo').textContent()).resolves.toMatch(/\d{4}$/);
    await competence.getByRole('button', { name: 'Bekwaamheid vastleggen' }).click();
    await competence.getByText('Bekwaamheid vastgelegd.').waitFor();
    const record = page.locator('#compliance-competence-records tr[data-person="dr-jansen"]');
    await expect(record.textContent()).resolves.toContain('geldig');

    await page.getByRole('button', { name: 'Bevoegdheid intrekken: dr-jansen' }).click();
    const withdraw = page.locator('form', { has: page.getByRole('heading', { name: 'De bevoegdheid van dr-jansen intrekken' }) });
    await withdraw.getByLabel('Reden').fill('Andere afdeling');
    await withdraw.getByRole('button', { name: 'Bevoegdheid intrekken' }).click();
    await page.getByText('Bevoegdheid ingetrokken.').waitFor();
    await expect(record.getAttribute('data-status')).resolves.toBe('withdrawn');
    await expect(record.textContent()).resolves.toContain('ingetrokken');

    const information = await open(page, 'Vastleggen hoe mensen worden geïnformeerd');
    await information.getByLabel(/^Plicht/).selectOption('aiact-26-7');
    await information.getByLabel(/^Hoe/).fill('intranetpagina en teamoverleg');
    await information.getByLabel(/^Wanneer/).fill('vóór het eerste gebruik');
    await information.getByLabel('Versie van de tekst').fill('v1');
    await information.getByLabel('SHA-256 van de tekst').fill(createHash('sha256').update('Intranet: Sepsis Alert').digest('hex'));
    await information.getByLabel('Goedgekeurd door').fill('J. Smit, kwaliteitsmanager');
    await information.getByRole('button', { name: 'Verklaring vastleggen' }).click();
    await information.getByText('Verklaring vastgelegd.').waitFor();
    await expect(page.locator('#compliance-information tr[data-basis="aiact-26-7"]').textContent()).resolves.toContain(
      'werknemers, vóór gebruik (AI-verordening art. 26, lid 7)',
    );
    expect(await seriousViolations(page)).toEqual([]);

    const file = await fileOf(id);
    expect(file.modifications).toHaveLength(1);
    expect(file.assessments.map((a: { kind: string }) => a.kind)).toEqual(['fria']);
    expect(file.competence.policy).toBe('flag');
    expect(file.competence.records[0]).toMatchObject({ person: 'dr-jansen', status: 'withdrawn' });
    expect(file.informationDuties.map((d: { basis: string }) => d.basis)).toEqual(['aiact-26-7']);
    await page.getByRole('button', { name: 'Switch to English' }).click();
    await page.close();
  });

  it('a change made meanwhile by someone else is refused (409): the message says so and the file is read again', async () => {
    const id = await register('Stroke Detect');
    const qm = await t.token('quality-manager', 'qm-other');
    const classification = {
      role: 'deployer',
      aiActRiskClass: 'minimal',
      legalGround: 'none',
      mdrClass: 'none',
      inHouseDevice: false,
      rationale: 'Scheduling aid',
    };
    await t.http.post(`/api/v1/ai-systems/${id}/classification`).set(auth(qm)).send(classification).expect(200);
    const page = await signIn('quality-manager', 'qm-1');
    await page.goto(`${base}/compliance/${id}`);
    await page.getByRole('heading', { name: 'Compliance file' }).waitFor();
    const assessment = await open(page, 'Record an assessment');
    await assessment.getByLabel('Kind').selectOption('risk-analysis');
    await assessment.getByLabel('Outcome').fill('Acceptable');
    await assessment.getByLabel('Approved by').fill('Medical technology committee');
    await assessment.getByLabel('Next review').fill(daysAhead(180));

    // Someone else records a competence record while the form is open.
    await t.http
      .post(`/api/v1/ai-systems/${id}/competence-records`)
      .set(auth(qm))
      .send({ person: 'dr-elsewhere', course: 'Stroke Detect basics', completedOn: daysAgo(1) })
      .expect(200);
    await assessment.getByRole('button', { name: 'Record assessment' }).click();
    await assessment.getByText('Someone else changed this in the meantime. The page has been reloaded; check and try again.').waitFor();
    // Read again: the other person's record is there; nothing of this form was written.
    await page.locator('#compliance-competence-records tr[data-person="dr-elsewhere"]').waitFor();
    expect((await fileOf(id)).assessments).toEqual([]);
    // The form keeps what was typed; sent again, it names the revision now read and is recorded.
    await assessment.getByRole('button', { name: 'Record assessment' }).click();
    await assessment.getByText('Assessment recorded.').waitFor();
    await page.locator('#compliance-assessments tr[data-kind="risk-analysis"]').waitFor();
    expect((await fileOf(id)).assessments.map((a: { kind: string }) => a.kind)).toEqual(['risk-analysis']);
    await page.close();
  });

  it('each role sees the forms the API lets it use: legal the information duties and documents only, an auditor none', async () => {
    const id = await register('Dermatology Helper');
    const formButtons = [
      'Record a classification',
      'Assess a change (AI Act Art. 25)',
      'Record an assessment',
      'Set the competence policy (AI Act Art. 26(2))',
      'Record training and authority',
    ];
    const legal = await signIn('legal', 'lawyer-1');
    await legal.goto(`${base}/compliance/${id}`);
    await legal.getByRole('heading', { name: 'Information duties' }).waitFor();
    await legal.getByRole('button', { name: 'Record how people are informed' }).waitFor();
    await legal.getByRole('heading', { name: 'Add a document' }).waitFor();
    for (const name of formButtons) await expect(legal.getByRole('button', { name, exact: true }).count()).resolves.toBe(0);
    await legal.close();

    const auditor = await signIn('auditor', 'audit-1');
    await auditor.goto(`${base}/compliance/${id}`);
    await auditor.getByRole('heading', { name: 'Information duties' }).waitFor();
    for (const name of [...formButtons, 'Record how people are informed'])
      await expect(auditor.getByRole('button', { name, exact: true }).count()).resolves.toBe(0);
    await expect(auditor.getByRole('heading', { name: 'Add a document' }).count()).resolves.toBe(0);
    await auditor.close();
  });
});
