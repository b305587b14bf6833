/// <reference lib="dom" />
// SMART App Launch 2.x in a real Chromium, EHR launch and standalone launch: the test EHR
// (oidc-provider as its authorization server, a minimal FHIR R4 endpoint) launches the web app with
// a patient in context, or the user starts from the app and picks the patient at the EHR; the app
// (fhirclient) goes through the real authorization server and comes back signed in.
import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { freePort } from '../support/child-api';
import { startSmartEhr, type SmartEhr } from '../support/smart-ehr';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp } from '../support/test-app';
import { type Browser, buildWebApp, launchBrowser, requireChromium, screenshot, seriousViolations } from './browser';

jest.setTimeout(180_000);

const CLIENT_ID = 'oversight-registry-web';
const AUDIENCE = 'oversight-registry';
const PATIENT_ID = 'mrn-8731200';
const PATIENT = {
  resourceType: 'Patient',
  id: PATIENT_ID,
  name: [{ use: 'official', family: 'van den Berg', given: ['Maria'] }],
  birthDate: '1957-03-14',
};
const OTHER_PATIENT = { resourceType: 'Patient', id: 'mrn-4410922', name: [{ family: 'de Boer', given: ['Jan'] }], birthDate: '1980-11-02' };
/** What the feed sent before the launch, by patient id as the EHR knows it. */
const OUTPUTS = {
  [PATIENT_ID]: ['pacs://studies/vdberg-1/ai-report', 'pacs://studies/vdberg-2/ai-report'],
  [OTHER_PATIENT.id]: ['pacs://studies/deboer-1/ai-report'],
};
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('SMART launch in Chromium (EHR and standalone)', () => {
  let t: TestApp;
  let ehr: SmartEhr;
  let base: string;
  let browser: Browser;
  let webDir: string;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    requireChromium();
    webDir = buildWebApp();
    // The EHR registers the app's redirect URI before the registry starts, so the port is chosen first.
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    ehr = await startSmartEhr({
      clientId: CLIENT_ID,
      redirectUri: `${base}/smart/callback`,
      audience: AUDIENCE,
      rolesClaim: 'roles',
      users: {
        eva: { name: 'Dr. Eva de Vries', roles: ['ehr-physician'] },
        // A user of the EHR with no role in the registry.
        noor: { name: 'Noor Bakker', roles: ['ehr-ward-clerk'] },
      },
      patients: [PATIENT, OTHER_PATIENT],
    });
    Object.assign(process.env, {
      WEB_DIR: webDir,
      OIDC_ISSUER: ehr.issuer,
      OIDC_AUDIENCE: AUDIENCE,
      OIDC_ROLE_MAP: JSON.stringify({ 'ehr-physician': 'clinician' }),
      SMART_FHIR_ISSUERS: ehr.fhirBase,
      SMART_CLIENT_ID: CLIENT_ID,
    });
    t = await startTestApp();
    await t.app.listen(port, '127.0.0.1');
    // Before the launch, the AI system's feed posts outputs for the launch patient and another one;
    // the EHR's user eva is an oversight person of that system.
    const system = (
      await t.http
        .post('/api/v1/ai-systems')
        .set(auth(await t.token('admin', 'boss')))
        .send(aiSystemBody({ oversightPersons: ['eva'] }))
        .expect(201)
    ).body.aiSystemId as string;
    const outputs = Object.entries(OUTPUTS).flatMap(([patientId, references]) =>
      references.map((outputReference, i) => ({
        aiSystemId: system,
        modelVersion: '2.3.1',
        outputReference,
        outputSha256: sha256Hex(outputReference),
        patientId,
        producedAt: new Date(Date.now() - (i + 1) * 60_000).toISOString(),
        urgency: 'urgent',
        summary: 'Suspected pneumothorax',
      })),
    );
    await t.http
      .post('/api/v1/ai-outputs')
      .set(auth(await t.token('ai-system', 'pacs-bridge', system)))
      .send({ outputs })
      .expect(200);
    await t.catchUp();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await ehr?.close();
    if (webDir) rmSync(webDir, { recursive: true, force: true });
    process.env = savedEnv;
  });

  /** A new tab that remembers every origin it sent a request to. */
  async function newPage(): Promise<{ page: Page; origins: Set<string> }> {
    const page = await browser.context.newPage();
    page.setDefaultTimeout(30_000);
    const origins = new Set<string>();
    page.on('request', (r) => origins.add(new URL(r.url()).origin));
    return { page, origins };
  }

  const launchUrl = (iss: string, launch: string) => `${base}/smart/launch?iss=${encodeURIComponent(iss)}&launch=${launch}`;
  /** The output references the worklist lists, once its rows are there. */
  const listed = async (page: Page) => {
    await page.locator('#worklist tbody tr').first().waitFor();
    return (await page.locator('#worklist tbody tr .mono').allTextContents()).sort();
  };
  const sessionToken = (page: Page) =>
    page.evaluate(() => (JSON.parse(sessionStorage.getItem('oversight-registry.session') ?? 'null') as { token: string } | null)?.token ?? null);

  it('opens from the EHR on the worklist filtered to the patient in context, signed in as a clinician with the EHR token', async () => {
    const launch = await ehr.newLaunch(PATIENT_ID, 'eva');
    const { page, origins } = await newPage();
    await page.goto(launchUrl(ehr.fhirBase, launch));

    // Through the EHR's authorization server and back: the worklist, with the launch patient in the banner.
    await page.waitForURL(`${base}/worklist`);
    const banner = page.getByRole('region', { name: 'Patient in context' });
    await expect(banner.textContent()).resolves.toContain('Patient in context: Maria van den Berg, born 14 Mar 1957');
    await expect(page.locator('header.top .who').textContent()).resolves.toContain('Signed in as Dr. Eva de Vries (clinician)');
    expect([...origins].sort()).toEqual([base, ehr.issuer].sort());
    await expect(banner.textContent()).resolves.toContain('The worklist shows only this patient’s outputs.');

    // Without typing an id, the worklist lists the launch patient's outputs and not the other patient's.
    expect(await listed(page)).toEqual([...OUTPUTS[PATIENT_ID]].sort());

    // The session is the EHR's access token (a JWT of its authorization server), and the API takes it as a clinician's.
    const token = await sessionToken(page);
    expect(token).toEqual(expect.any(String));
    const claims = JSON.parse(Buffer.from(token!.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: ehr.issuer, aud: AUDIENCE, sub: 'eva', roles: ['ehr-physician'] });
    await t.http.get('/api/v1/worklist').set('Authorization', `Bearer ${token}`).expect(200);
    // The role is clinician and nothing more: a quality manager's route is refused.
    await t.http.get('/api/v1/ai-systems/00000000-0000-4000-8000-000000000001/coverage').set('Authorization', `Bearer ${token}`).expect(403);

    // The patient id lives in memory only: neither storage nor the address holds it.
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }) + location.href);
    expect(stored).not.toContain(PATIENT_ID);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'clinician-ehr-launch');

    // One key accepts the focused output; the review is saved with the EHR's user as the reviewer.
    await page.waitForFunction(() => !!(document.activeElement as HTMLElement | null)?.dataset.outputId);
    const accepted = await page.evaluate(() => document.activeElement?.querySelector('.mono')?.textContent ?? '');
    expect(OUTPUTS[PATIENT_ID]).toContain(accepted);
    await page.keyboard.press('a');
    await page
      .getByRole('status')
      .filter({ hasText: `Saved: accepted, ${accepted}. 1 waiting.` })
      .waitFor();
    await t.catchUp();
    const reviews = (
      await t.http
        .get('/api/v1/reviews?limit=100')
        .set(auth(await t.token('quality-manager', 'quinn')))
        .expect(200)
    ).body.items;
    expect(reviews).toEqual([expect.objectContaining({ outputReference: accepted, reviewerSubject: 'eva', reviewerRole: 'clinician', decision: 'accepted' })]);

    // Clearing the patient shows every patient's outputs still waiting.
    await page.getByRole('button', { name: 'Clear patient' }).click();
    await expect(banner.count()).resolves.toBe(0);
    await page.locator('#worklist tbody tr').nth(1).waitFor();
    expect(await listed(page)).toEqual([...OUTPUTS[PATIENT_ID].filter((r) => r !== accepted), ...OUTPUTS[OTHER_PATIENT.id]].sort());

    // The EHR moves to another patient's chart and launches again: the context follows.
    await page.goto(launchUrl(ehr.fhirBase, await ehr.newLaunch(OTHER_PATIENT.id, 'eva')));
    await page.waitForURL(`${base}/worklist`);
    await expect(banner.textContent()).resolves.toContain('Patient in context: Jan de Boer, born 2 Nov 1980');
    expect(await listed(page)).toEqual(OUTPUTS[OTHER_PATIENT.id]);
    await page.close();
  });

  it('refuses a callback that no launch in this tab started (forged state)', async () => {
    const { page } = await newPage();
    await page.goto(`${base}/smart/callback?code=stolen-code&state=forged-state`);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Sign-in failed');
    expect(await sessionToken(page)).toBeNull();
    await page.close();
  });

  it("refuses an EHR user whose token carries none of the registry's roles", async () => {
    // Another browser: the EHR's sign-in cookie of the first user must not carry over.
    const other = await launchBrowser();
    try {
      const page = await other.context.newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(launchUrl(ehr.fhirBase, await ehr.newLaunch(PATIENT_ID, 'noor')));
      await expect(page.getByRole('alert').textContent()).resolves.toContain('This token carries none of the registry roles.');
      expect(await sessionToken(page)).toBeNull();
      await expect(page.getByRole('region', { name: 'Patient in context' }).count()).resolves.toBe(0);
    } finally {
      await other.close();
    }
  });

  it('refuses a launch from a FHIR server not on the allow-list, without any redirect', async () => {
    for (const iss of [`${ehr.issuer}/other-fhir`, `${ehr.fhirBase}.attacker.example`, 'https://ehr.attacker.example/fhir']) {
      const { page, origins } = await newPage();
      const url = launchUrl(iss, await ehr.newLaunch(PATIENT_ID, 'eva'));
      const answer = await page.goto(url);
      // The page may talk to the registry and its identity provider (the EHR here), to nothing else.
      expect(answer?.headers()['content-security-policy']).toContain(`connect-src 'self' ${ehr.issuer};`);
      await expect(page.getByRole('alert').textContent()).resolves.toContain(`This launch was refused: ${iss} is not a FHIR server this registry trusts`);
      await page.waitForTimeout(500);
      expect(page.url()).toBe(url);
      expect([...origins]).toEqual([base]);
      expect(await sessionToken(page)).toBeNull();
      expect(await seriousViolations(page)).toEqual([]);
      await page.close();
    }
  });

  it('standalone: from the login page through the EHR’s sign-in and patient picker to the worklist filtered to the patient picked', async () => {
    // A fresh browser: nobody is signed in at the EHR, as when a clinician opens the registry first.
    const other = await launchBrowser();
    try {
      const page = await other.context.newPage();
      page.setDefaultTimeout(30_000);
      const authorizations: URL[] = [];
      page.on('request', (r) => {
        if (r.url().startsWith(`${ehr.issuer}/auth?`)) authorizations.push(new URL(r.url()));
      });
      await page.goto(`${base}/`);
      await page.getByRole('button', { name: 'Sign in with the EHR' }).click();

      // At the EHR: its sign-in, then its patient picker (no launch context came from a chart).
      await page.getByRole('heading', { name: 'Sign in to the EHR' }).waitFor();
      await page.getByRole('button', { name: 'Dr. Eva de Vries' }).click();
      await page.getByRole('heading', { name: 'Choose a patient' }).waitFor();
      await page.getByRole('button', { name: 'Jan de Boer' }).click();

      // The authorization request: the allow-listed FHIR server as aud, launch/patient asked for, no launch.
      expect(authorizations).toHaveLength(1);
      const asked = authorizations[0].searchParams;
      expect(asked.get('aud')).toBe(ehr.fhirBase);
      expect(asked.has('launch')).toBe(false);
      expect(asked.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['launch/patient', 'openid', 'fhirUser', 'patient/Patient.rs']));
      expect(asked.get('scope')!.split(' ')).not.toContain('launch');
      expect(asked.get('code_challenge_method')).toBe('S256');
      expect(asked.get('redirect_uri')).toBe(`${base}/smart/callback`);

      // Back in the registry exactly as after an EHR launch: the worklist, filtered to the patient picked.
      await page.waitForURL(`${base}/worklist`);
      const banner = page.getByRole('region', { name: 'Patient in context' });
      await expect(banner.textContent()).resolves.toContain('Patient in context: Jan de Boer, born 2 Nov 1980');
      await expect(page.locator('header.top .who').textContent()).resolves.toContain('Signed in as Dr. Eva de Vries (clinician)');
      expect(await listed(page)).toEqual(OUTPUTS[OTHER_PATIENT.id]);
      const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }) + location.href);
      expect(stored).not.toContain(OTHER_PATIENT.id);
      const token = await sessionToken(page);
      await t.http.get('/api/v1/worklist').set('Authorization', `Bearer ${token}`).expect(200);
      expect(await seriousViolations(page)).toEqual([]);
      await page.close();
    } finally {
      await other.close();
    }
  });

  it('standalone: an iss not on the allow-list is refused before any redirect, as in an EHR launch', async () => {
    for (const iss of [`${ehr.fhirBase}/`.replace('/fhir/', '/fhir2'), `${ehr.fhirBase}.attacker.example`, 'https://ehr.attacker.example/fhir']) {
      const { page, origins } = await newPage();
      const url = `${base}/smart/launch?iss=${encodeURIComponent(iss)}`;
      await page.goto(url);
      await expect(page.getByRole('alert').textContent()).resolves.toContain(`This launch was refused: ${iss} is not a FHIR server this registry trusts`);
      await page.waitForTimeout(500);
      expect(page.url()).toBe(url);
      expect([...origins]).toEqual([base]);
      expect(await sessionToken(page)).toBeNull();
      await page.close();
    }
  });

  it('still signs in standalone with a token when SMART is set up', async () => {
    const { page } = await newPage();
    await page.goto(`${base}/`);
    await page.getByLabel('Access token').fill(await t.token('clinician', 'alice'));
    await page.getByRole('button', { name: 'Sign in with token' }).click();
    // A clinician's first screen is the worklist, for every patient: no patient in context.
    await page.getByRole('heading', { level: 1, name: 'Outputs awaiting my review' }).waitFor();
    await expect(page.getByRole('region', { name: 'Patient in context' }).count()).resolves.toBe(0);
    await page.close();
  });
});
