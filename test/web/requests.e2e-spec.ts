/// <reference lib="dom" />
// Issue 23 item 5 in a real Chromium against the real API (on the suite's store): legal counsel sees
// explanation and access requests with their deadlines, the overdue one first; records one received;
// opens one and extends it within the first month (GDPR Art. 12(3)), answers the overdue one (late),
// refuses one with its ground (a refusal without one is named at the field and writes nothing) and
// records another withdrawn, each with an Idempotency-Key and If-Match; a change made meanwhile is
// refused (409) and the request read again; the screens in Dutch; an auditor reads without the forms.
import type { Page } from 'playwright-core';
import type { Role } from '@app/identity';
import { aiSystemBody, type TestApp } from '../support/test-app';
import { type Browser, screenshot, seriousViolations, signInWithToken, startWebSuite, type WebSuite } from './browser';

jest.setTimeout(300_000);

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();

describe('Requests screens in Chromium: deadlines, overdue first, receive; one request with extend / answer / refuse / withdraw; EN and NL', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let web: WebSuite | undefined;
  let overdueId: string;
  let freshId: string;
  let refuseId: string;
  let withdrawId: string;
  let conflictId: string;
  const untranslated: string[] = [];

  beforeAll(async () => {
    web = await startWebSuite();
    ({ t, base, browser } = web);
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
    refuseId = await receive(daysAgo(5));
    withdrawId = await receive(daysAgo(6));
    conflictId = await receive(daysAgo(7));
    await t.catchUp();
  });

  afterAll(async () => {
    await web?.close();
  });

  afterEach(() => {
    expect(untranslated.splice(0)).toEqual([]);
  });

  const signIn = async (role: Role, sub: string): Promise<Page> => signInWithToken(browser, base, await t.token(role, sub), untranslated);

  const rowIds = (page: Page) => page.locator('#subject-requests tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.requestId));

  /** Every change the page sends to a request, with its Idempotency-Key and If-Match. */
  const recordWrites = (page: Page) => {
    const writes: Array<{ path: string; key: string | undefined; ifMatch: string | undefined }> = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && /\/api\/v1\/compliance\/subject-requests\/[^/]+\//.test(r.url())) {
        const h = r.headers();
        writes.push({ path: new URL(r.url()).pathname, key: h['idempotency-key'], ifMatch: h['if-match'] });
      }
    });
    return writes;
  };
  const read = async (id: string) => (await t.http.get(`/api/v1/compliance/subject-requests/${id}`).set(auth(await t.token('legal')))).body;
  const openRequest = async (page: Page, id: string) => {
    await page.getByRole('link', { name: 'Requests', exact: true }).click();
    await page.locator(`tr[data-request-id="${id}"]`).getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: 'Request' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/requests/${id}`);
  };

  it('lists the overdue request first, and records one received through the form', async () => {
    const page = await signIn('legal', 'lawyer-1');
    await page.getByRole('link', { name: 'Requests' }).click();
    await page.getByRole('heading', { level: 1, name: 'Explanation and access requests' }).waitFor();
    // The heading comes before the list's answer: wait for the rows, then read their order.
    await page.locator(`tr[data-request-id="${overdueId}"]`).waitFor();
    expect((await rowIds(page))[0]).toEqual(overdueId);
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
    expect(await page.locator('#subject-requests tbody tr').count()).toBe(6);
    await page.close();
  });

  it('shows one request and extends, answers, refuses and withdraws through its forms, each with a key and the revision read', async () => {
    const page = await signIn('legal', 'lawyer-1');
    const writes = recordWrites(page);

    // Extended within the first month: its deadline moves; the page shows the extension and the new deadline.
    const before = (await read(freshId)).deadline.dueAt as string;
    await openRequest(page, freshId);
    await page.locator('#request-facts').getByText('What was asked').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.locator('#extend-months').selectOption('2');
    await page.getByLabel('Reasons, as told to the patient').fill('Records in three archives');
    await page.getByRole('button', { name: 'Extend', exact: true }).click();
    await page.getByText('Deadline extended.').waitFor();
    const after = await read(freshId);
    expect(after.deadline.months).toBe(3);
    expect(Date.parse(after.deadline.dueAt)).toBeGreaterThan(Date.parse(before));
    await page.locator('#request-extensions').getByText('Records in three archives').waitFor();
    await page.locator('#request-facts').getByText('First deadline').waitFor();
    await page.locator('#request-history').getByText('extended').waitFor();
    await screenshot(page, 'legal-request-extended');

    // Answered: the overdue one, recorded as late; the forms go once it is closed.
    await openRequest(page, overdueId);
    expect(await page.locator('#request-facts').getAttribute('data-overdue')).toBe('true');
    await page.locator('#answer-text').fill('Copy of your records sent by post');
    await page.getByRole('button', { name: 'Record answer' }).click();
    await page.getByText('Answer recorded.').waitFor();
    await page.locator('#request-outcome').getByText('Copy of your records sent by post').waitFor();
    await page.locator('#request-status').getByText('Answered (late)').waitFor();
    expect(await page.getByRole('button', { name: 'Record answer' }).count()).toBe(0);
    expect((await read(overdueId)).outcome).toMatchObject({ type: 'answered', late: true });

    // Refused: without a ground the API's refusal is named at the field and nothing is written; then with one.
    await openRequest(page, refuseId);
    const events = await t.eventCount();
    await page.getByLabel('Explanation, as given to the patient').fill('This is the fourth identical request this month.');
    await page.getByRole('button', { name: 'Refuse', exact: true }).click();
    await page.locator('#refuse-ground-error').waitFor();
    expect(await page.locator('#refuse-ground').getAttribute('aria-invalid')).toBe('true');
    expect(await t.eventCount()).toBe(events);
    await page.locator('#refuse-ground').selectOption('excessive');
    await page.getByRole('button', { name: 'Refuse', exact: true }).click();
    await page.getByText('Refusal recorded.').waitFor();
    await page.locator('#request-outcome').getByText('Excessive, in particular repetitive (GDPR Art. 12(5))').waitFor();
    expect((await read(refuseId)).outcome).toMatchObject({ type: 'refused', ground: 'excessive' });

    // Withdrawn by the requester.
    await openRequest(page, withdrawId);
    await page.getByRole('button', { name: 'Record withdrawal' }).click();
    await page.getByText('Withdrawal recorded.').waitFor();
    expect((await read(withdrawId)).status).toBe('withdrawn');

    expect(writes.map((w) => w.path.split('/').pop())).toEqual(['extension', 'answer', 'refusal', 'refusal', 'withdrawal']);
    expect(writes.every((w) => w.key && /^[0-9a-f-]{36}$/.test(w.key))).toBe(true);
    expect(new Set(writes.map((w) => w.key)).size).toBe(writes.length);
    expect(writes.map((w) => w.ifMatch)).toEqual(['"0"', '"0"', '"0"', '"0"', '"0"']);
    await page.close();
  });

  it('a change made meanwhile is refused (409): the message says so and the request is read again', async () => {
    const page = await signIn('legal', 'lawyer-1');
    await openRequest(page, conflictId);
    // Someone else extends it while the page is open.
    await t.http
      .post(`/api/v1/compliance/subject-requests/${conflictId}/extension`)
      .set(auth(await t.token('legal', 'lawyer-2')))
      .send({ months: 1, reasons: 'Archive closed for a week' })
      .expect(200);
    await page.locator('#answer-text').fill('Answer written on the old page');
    await page.getByRole('button', { name: 'Record answer' }).click();
    await page.getByText('Someone else changed this in the meantime. The page has been reloaded; check and try again.').waitFor();
    await page.locator('#request-extensions').getByText('Archive closed for a week').waitFor();
    expect((await read(conflictId)).status).toBe('open');
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
    // The refused request in Dutch: its ground and explanation, and no forms for an auditor.
    await page.locator(`tr[data-request-id="${refuseId}"]`).getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: 'Verzoek' }).waitFor();
    await page.locator('#request-outcome').getByText('Buitensporig, met name door herhaling (AVG art. 12 lid 5)').waitFor();
    await page.locator('#request-history').getByText('geweigerd').waitFor();
    expect(await page.locator('form').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'auditor-request-refused-nl');
    await page.close();
  });
});
