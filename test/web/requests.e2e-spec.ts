/// <reference lib="dom" />
// Issue 23 item 5 in a real Chromium against the real API (on the suite's store): legal counsel sees
// explanation and access requests with their deadlines, the overdue one first; records one received,
// extends another within the first month (GDPR Art. 12(3)) and answers the overdue one; the screen
// in Dutch; an auditor reads without the forms.
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import type { Role } from '@app/identity';
import { aiSystemBody, startTestApp, type TestApp } from '../support/test-app';
import { type Browser, buildWebApp, launchBrowser, requireChromium, screenshot, seriousViolations, signInWithToken } from './browser';

jest.setTimeout(300_000);

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();

describe('Requests screen in Chromium: deadlines, overdue first, receive / extend / answer, EN and NL', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let webDir: string;
  let overdueId: string;
  let freshId: string;
  const untranslated: string[] = [];
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    requireChromium();
    webDir = buildWebApp();
    process.env.WEB_DIR = webDir;
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const admin = await t.token('admin', 'boss');
    const legal = await t.token('legal', 'lawyer-1');
    await t.http
      .post('/api/v1/ai-systems')
      .set(auth(admin))
      .send(aiSystemBody({ name: 'TriageAI' }))
      .expect(201);
    const receive = async (receivedAt: string) =>
      (
        await t.http
          .post('/api/v1/compliance/subject-requests')
          .set(auth(legal))
          .send({ kind: 'access', patientId: `NL-WEB-${receivedAt}`, channel: 'letter', receivedAt })
          .expect(201)
      ).body.requestId as string;
    freshId = await receive(daysAgo(3));
    overdueId = await receive(daysAgo(45));
    await t.catchUp();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (webDir) rmSync(webDir, { recursive: true, force: true });
    process.env = savedEnv;
  });

  afterEach(() => {
    expect(untranslated.splice(0)).toEqual([]);
  });

  const signIn = async (role: Role, sub: string): Promise<Page> => signInWithToken(browser, base, await t.token(role, sub), untranslated);

  const rowIds = (page: Page) => page.locator('#subject-requests tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.requestId));

  it('lists the overdue request first, and records, extends and answers through the forms', async () => {
    const page = await signIn('legal', 'lawyer-1');
    await page.getByRole('link', { name: 'Requests' }).click();
    await page.getByRole('heading', { level: 1, name: 'Explanation and access requests' }).waitFor();
    expect((await rowIds(page)).slice(0, 2)).toEqual([overdueId, freshId]);
    expect(await page.locator(`tr[data-request-id="${overdueId}"]`).getAttribute('data-overdue')).toBe('true');
    await page.locator(`tr[data-request-id="${overdueId}"] [data-clock="red"]`).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'legal-requests');

    // Received: an explanation request about TriageAI.
    await page.getByLabel('Kind').selectOption('explanation');
    await page.getByLabel('Patient id (pseudonymised on arrival)').fill('NL-WEB-NEW');
    await page.getByLabel('AI system (required for an explanation)').selectOption({ label: 'TriageAI' });
    await page.getByLabel('How it came in (no personal data)').fill('patient portal');
    await page.getByLabel('What was asked').fill('Why was I triaged yellow?');
    await page.getByRole('button', { name: 'Record request' }).click();
    await page.getByText('Request recorded.').waitFor();
    expect(await page.locator('#subject-requests tbody tr').count()).toBe(3);

    // Extended within the first month: its deadline moves.
    const before = (await t.http.get(`/api/v1/compliance/subject-requests/${freshId}`).set(auth(await t.token('legal')))).body.deadline.dueAt as string;
    await page.locator('#extend-request').selectOption(freshId);
    await page.locator('#extend-months').selectOption('2');
    await page.getByLabel('Reasons, as told to the patient').fill('Records in three archives');
    await page.getByRole('button', { name: 'Extend', exact: true }).click();
    await page.getByText('Deadline extended.').waitFor();
    const after = (await t.http.get(`/api/v1/compliance/subject-requests/${freshId}`).set(auth(await t.token('legal')))).body;
    expect(after.deadline.months).toBe(3);
    expect(Date.parse(after.deadline.dueAt)).toBeGreaterThan(Date.parse(before));

    // Answered: the overdue one, recorded as late.
    await page.locator('#answer-request').selectOption(overdueId);
    await page.locator('#answer-text').fill('Copy of your records sent by post');
    await page.getByRole('button', { name: 'Record answer' }).click();
    await page.getByText('Answer recorded.').waitFor();
    await page.locator(`tr[data-request-id="${overdueId}"]`).getByText('Answered').waitFor();
    expect(await page.locator(`tr[data-request-id="${overdueId}"]`).getAttribute('data-overdue')).toBe('false');
    await page.close();
  });

  it('shows the screen in Dutch, and an auditor reads without the forms', async () => {
    const page = await signIn('auditor', 'auditor-1');
    await page.getByRole('link', { name: 'Requests' }).click();
    await page.getByRole('heading', { level: 1, name: 'Explanation and access requests' }).waitFor();
    expect(await page.getByRole('button', { name: 'Record request' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Schakel naar Nederlands' }).click();
    await page.getByRole('heading', { level: 1, name: 'Verzoeken om uitleg en inzage' }).waitFor();
    await page.getByRole('cell', { name: 'Inzage (AVG art. 15)' }).first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'auditor-requests-nl');
    await page.close();
  });
});
