/// <reference lib="dom" />
// Issue 23 item 4 in a real Chromium against the real API (on the suite's store): under a system's
// `flag` competence policy a review by someone without a current competence record is recorded
// with a flag (AI Act Art. 26(2)); the quality manager sees the count on the compliance dashboard's
// line, the flagged reviews on the system's file (reviewer, time, why) and each review behind its
// link; the reviews of a trained overseer are not listed; the screens in Dutch too.
import type { Page } from 'playwright-core';
import type { Role } from '@app/identity';
import { aiSystemBody, sha256Hex, type TestApp } from '../support/test-app';
import { type Browser, screenshot, seriousViolations, signInWithToken, startWebSuite, type WebSuite } from './browser';

jest.setTimeout(300_000);

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const today = () => new Date().toLocaleDateString('en-CA', { timeZone: 'Europe/Amsterdam' });

describe('Reviews flagged by the competence policy in Chromium: dashboard count, file list, the review; EN and NL', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let web: WebSuite | undefined;
  let flaggedSystem: string;
  let quietSystem: string;
  let flaggedReview: string;
  let trainedReview: string;
  const untranslated: string[] = [];

  beforeAll(async () => {
    web = await startWebSuite();
    ({ t, base, browser } = web);
    const admin = await t.token('admin', 'boss');
    const qm = await t.token('quality-manager', 'qm-1');
    const register = async (name: string) =>
      (
        await t.http
          .post('/api/v1/ai-systems')
          .set(auth(admin))
          .send(aiSystemBody({ name, oversightPersons: ['alice', 'bob'] }))
          .expect(201)
      ).body.aiSystemId as string;
    flaggedSystem = await register('ChestXR Triage');
    quietSystem = await register('SepsisWatch');
    await t.http
      .post(`/api/v1/ai-systems/${flaggedSystem}/competence-records`)
      .set(auth(qm))
      .send({ person: 'alice', course: 'ChestXR Triage: limits and override', completedOn: today() })
      .expect(200);
    await t.http
      .post(`/api/v1/ai-systems/${flaggedSystem}/competence-policy`)
      .set(auth(qm))
      .send({ policy: 'flag', reason: 'Pilot: flag, do not block' })
      .expect(200);
    const review = async (who: string) =>
      (
        await t.http
          .post('/api/v1/reviews')
          .set(auth(await t.token('clinician', who)))
          .send({
            aiSystemId: flaggedSystem,
            modelVersion: '2.3.1',
            outputReference: `pacs://studies/${who}/ai-report`,
            outputSha256: sha256Hex(`AI report read by ${who}`),
            patientId: 'NL-123 456 789',
            decision: 'accepted',
          })
          .expect(201)
      ).body.reviewId as string;
    flaggedReview = await review('bob');
    trainedReview = await review('alice');
    await t.catchUp();
  });

  afterAll(async () => {
    await web?.close();
  });

  afterEach(() => {
    expect(untranslated.splice(0)).toEqual([]);
  });

  const signIn = async (role: Role, sub: string): Promise<Page> => signInWithToken(browser, base, await t.token(role, sub), untranslated);

  it('counts the flagged review on the dashboard line, lists it on the file with who, when and why, and opens the review', async () => {
    const page = await signIn('quality-manager', 'qm-1');
    await page.getByRole('link', { name: 'Compliance' }).click();
    const line = page.locator(`#compliance-dashboard tr[data-system-id="${flaggedSystem}"]`);
    await line.getByRole('link', { name: '1 flagged' }).waitFor();
    expect(await line.locator('td[data-flagged]').getAttribute('data-flagged')).toBe('1');
    expect(await page.locator(`#compliance-dashboard tr[data-system-id="${quietSystem}"] td[data-flagged]`).getAttribute('data-flagged')).toBe('0');
    expect(await seriousViolations(page)).toEqual([]);

    await line.getByRole('link', { name: '1 flagged' }).click();
    await page.getByRole('heading', { level: 2, name: 'Reviews flagged by the competence policy' }).waitFor();
    const rows = page.locator('#compliance-flagged-reviews tbody tr');
    await rows.first().waitFor();
    expect(await rows.evaluateAll((trs) => trs.map((r) => (r as HTMLElement).dataset.reviewId))).toEqual([flaggedReview]);
    expect(await page.locator(`tr[data-review-id="${trainedReview}"]`).count()).toBe(0);
    const row = rows.first();
    await row.getByRole('cell', { name: 'bob', exact: true }).waitFor();
    await row.getByText('No current competence record for this system at the decision (AI Act Art. 26(2))').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'qm-flagged-reviews');

    await row.getByRole('link', { name: 'Open the review by bob' }).click();
    await page.getByRole('heading', { level: 1, name: 'Review' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/compliance/${flaggedSystem}/reviews/${flaggedReview}`);
    await page.locator('#review-flag').waitFor();
    await page.locator('#review-facts').getByText('bob (clinician)').waitFor();
    await page.locator('#review-history').getByText('AiOutputReviewed').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('link', { name: '← Back to the compliance file' }).click();
    await page.getByRole('heading', { level: 2, name: 'Reviews flagged by the competence policy' }).waitFor();
    await page.close();
  });

  it('shows the count, the list and the review in Dutch', async () => {
    const page = await signIn('quality-manager', 'qm-1');
    await page.getByRole('button', { name: 'Schakel naar Nederlands' }).click();
    await page.getByRole('link', { name: 'Naleving' }).click();
    await page.getByRole('columnheader', { name: 'Gemarkeerde beoordelingen' }).waitFor();
    await page.locator(`tr[data-system-id="${flaggedSystem}"]`).getByRole('link', { name: '1 gemarkeerd' }).click();
    await page.getByRole('heading', { level: 2, name: 'Beoordelingen gemarkeerd door het bekwaamheidsbeleid' }).waitFor();
    await page.getByRole('link', { name: 'Open de beoordeling door bob' }).click();
    await page.getByRole('heading', { level: 1, name: 'Beoordeling' }).waitFor();
    await page.getByText('Geen geldige bekwaamheidsregistratie voor dit systeem bij het besluit (AI-verordening art. 26 lid 2)').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'qm-flagged-review-nl');
    await page.close();
  });
});
