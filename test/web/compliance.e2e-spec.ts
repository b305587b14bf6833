/// <reference lib="dom" />
// Issue 23 item 7 in a real Chromium against the real API (on the suite's store): the compliance
// dashboard shows an overdue DPIA (GDPR Art. 35(11)) in English and Dutch; the file of the system
// shows classification, assessments with review dates, competence and documents; a quality manager
// uploads, downloads and withdraws a document; the file as of a date downloads as a bundle that
// verifies and as a PDF; an auditor reads but does not file.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { verifyBundle } from '@app/evidence';
import type { Role } from '@app/identity';
import { aiSystemBody, type TestApp } from '../support/test-app';
import { type Browser, screenshot, seriousViolations, signInWithToken, startWebSuite, type WebSuite } from './browser';

jest.setTimeout(300_000);

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Europe/Amsterdam' });

describe('Compliance dashboard and file in Chromium (issue 23 item 7), English and Dutch', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let web: WebSuite | undefined;
  let chest: string;
  const untranslated: string[] = [];

  beforeAll(async () => {
    web = await startWebSuite();
    ({ t, base, browser } = web);
    const [admin, qm] = await Promise.all([t.token('admin', 'boss'), t.token('quality-manager', 'qm-1')]);
    chest = (await t.http.post('/api/v1/ai-systems').set(auth(admin)).send(aiSystemBody()).expect(201)).body.aiSystemId;
    await t.http
      .post('/api/v1/ai-systems')
      .set(auth(admin))
      .send(aiSystemBody({ name: 'Sepsis Alert' }))
      .expect(201);
    await t.http
      .post(`/api/v1/ai-systems/${chest}/classification`)
      .set(auth(qm))
      .send({
        role: 'deployer',
        aiActRiskClass: 'high',
        legalGround: 'art-6-1',
        legalGroundPoint: 'Annex I Section A point 11 (MDR), class IIa',
        mdrClass: 'IIa',
        inHouseDevice: false,
        rationale: 'Software medical device class IIa with a notified body',
      })
      .expect(200);
    await t.http
      .post(`/api/v1/ai-systems/${chest}/assessments`)
      .set(auth(qm))
      .send({
        kind: 'dpia',
        status: 'approved',
        outcome: 'Acceptable',
        approver: 'Data protection officer',
        assessedOn: daysAgo(400),
        nextReviewOn: daysAgo(3),
      })
      .expect(200);
    await t.catchUp();
  });

  afterAll(async () => {
    await web?.close();
  });

  afterEach(() => {
    expect(untranslated.splice(0)).toEqual([]);
  });

  const signIn = async (role: Role, sub: string): Promise<Page> => signInWithToken(browser, base, await t.token(role, sub), untranslated);

  it('the dashboard shows the overdue DPIA first, in English and in Dutch', async () => {
    const page = await signIn('quality-manager', 'qm-1');
    await page.getByRole('link', { name: 'Compliance' }).click();
    await page.getByRole('heading', { name: 'Compliance files' }).waitFor();
    const row = page.locator(`#compliance-dashboard tr[data-system-id="${chest}"]`);
    await expect(row.getAttribute('data-status')).resolves.toBe('overdue');
    await expect(row.textContent()).resolves.toContain(`Data protection impact assessment (GDPR Art. 35): review was due on ${daysAgo(3)}`);
    await expect(row.locator('.badge').textContent()).resolves.toBe('overdue');
    // Overdue first: read at a glance.
    await expect(page.locator('#compliance-dashboard tbody tr').first().getAttribute('data-system-id')).resolves.toBe(chest);
    await expect(page.locator('#compliance-dashboard tr:has-text("Sepsis Alert") .badge').textContent()).resolves.toBe('incomplete');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'quality-manager-compliance-dashboard');

    await page.getByRole('button', { name: 'Schakel naar Nederlands' }).click();
    await page.getByRole('heading', { name: 'Nalevingsdossiers' }).waitFor();
    await expect(row.locator('.badge').textContent()).resolves.toBe('te laat');
    await expect(page.getByRole('columnheader', { name: 'Te laat' }).count()).resolves.toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Switch to English' }).click();
    await page.close();
  });

  it('the file: classification, assessments with review dates, competence; a document uploaded, downloaded, withdrawn; the file as of a date downloaded and verified', async () => {
    const page = await signIn('quality-manager', 'qm-1');
    await page.goto(`${base}/compliance/${chest}`);
    await page.getByRole('heading', { name: 'Compliance file' }).waitFor();
    await expect(page.locator('dl.facts').textContent()).resolves.toContain('high risk');
    const dpia = page.locator('#compliance-assessments tr[data-kind="dpia"]');
    await expect(dpia.getAttribute('data-overdue')).resolves.toBe('true');
    await expect(page.locator('#compliance-missing').textContent()).resolves.toContain('Competence not checked');

    // Upload an instructions for use for the version in use.
    await page.getByLabel('Kind').selectOption('instructions-for-use');
    await page.getByLabel('Title').fill('IFU ChestXR 2.3');
    await page.getByLabel('Model version').fill('2.3.1');
    await page
      .getByLabel('File (PDF, PNG or JPEG)')
      .setInputFiles({ name: 'ifu.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\n% IFU 2.3\n%%EOF\n') });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByText('Document stored and recorded.').waitFor();
    const doc = page.locator('#compliance-documents tbody tr').first();
    await expect(doc.getAttribute('data-status')).resolves.toBe('valid');
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download: IFU ChestXR 2.3' }).click()]);
    expect(readFileSync(await file.path()).toString()).toContain('IFU 2.3');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'quality-manager-compliance-file');

    // In force on a chosen day: yesterday it was not yet (valid from today).
    await page.getByLabel('In force on').fill(daysAgo(1));
    await page.locator('section[aria-labelledby="documents-title"]').getByText('Nothing yet.').waitFor();
    await expect(page.locator('#compliance-documents').count()).resolves.toBe(0);
    // Empty again: every document with its status today.
    await page.getByLabel('In force on').fill('');
    await page.locator('#compliance-documents tbody tr').first().waitFor();

    // The file as of today: a bundle that verifies, and its PDF.
    const [bundle] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the provable bundle' }).click()]);
    const bundlePath = await bundle.path();
    const verdict = await verifyBundle(bundlePath);
    expect(verdict.problems).toEqual([]);
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download PDF' }).click()]);
    expect(
      readFileSync(await pdf.path())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');

    // Withdrawn from today: no longer in force.
    await page.getByRole('button', { name: 'Withdraw: IFU ChestXR 2.3' }).click();
    await page.getByLabel('Reason').fill('Uploaded in error');
    await page.getByRole('button', { name: 'Withdraw', exact: true }).click();
    await page.getByText('Document withdrawn.').waitFor();
    await expect(doc.getAttribute('data-status')).resolves.toBe('withdrawn');

    // In Dutch.
    await page.getByRole('button', { name: 'Schakel naar Nederlands' }).click();
    await page.getByRole('heading', { name: 'Nalevingsdossier' }).waitFor();
    await expect(page.locator('dl.facts').textContent()).resolves.toContain('hoog risico');
    await expect(doc.textContent()).resolves.toContain('ingetrokken');
    await page.getByRole('button', { name: 'Bewijsbare bundel downloaden' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Switch to English' }).click();
    await page.close();
  });

  it('an auditor reads the file but gets no upload form; a clinician has no compliance screen', async () => {
    const page = await signIn('auditor', 'audit-1');
    await page.getByRole('link', { name: 'Compliance' }).click();
    await page.locator(`#compliance-dashboard tr[data-system-id="${chest}"] a`).click();
    await page.getByRole('heading', { name: 'Documents' }).waitFor();
    await expect(page.getByRole('heading', { name: 'Add a document' }).count()).resolves.toBe(0);
    await page.close();
    const clinician = await signIn('clinician', 'alice');
    await clinician.getByRole('link', { name: 'Worklist' }).waitFor();
    await expect(clinician.getByRole('link', { name: 'Compliance' }).count()).resolves.toBe(0);
    await clinician.close();
  });
});
