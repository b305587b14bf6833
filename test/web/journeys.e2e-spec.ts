/// <reference lib="dom" />
// The web app's four journeys (clinician, quality manager, lawyer, auditor) in a real Chromium,
// against the real API (in this process, on the suite's store: embedded SQLite in `npm test`).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import type { Role } from '@app/identity';
import { aiSystemBody, sha256Hex, type TestApp } from '../support/test-app';
import { type Browser, screenshot, seriousViolations, signInWithToken, startWebSuite, type WebSuite } from './browser';

jest.setTimeout(180_000);

const SECRET = 'acme-webhook-secret-0123456789';
const HOUR = 3600_000;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const criteria = (over: Record<string, boolean> = {}) => ({
  death: false,
  seriousHarmToHealth: false,
  criticalInfrastructureDisruption: false,
  fundamentalRightsInfringement: false,
  widespreadInfringement: false,
  propertyOrEnvironmentHarm: false,
  seriousPublicHealthThreat: false,
  ...over,
});

/** The supplier's webhook: a real HTTP server that accepts every report. */
async function startSupplier(): Promise<{ server: Server; url: string; received: IncomingHttpHeaders[] }> {
  const received: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(req.headers);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/vigilance`, received };
}

describe('Web app journeys in Chromium', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let web: WebSuite | undefined;
  let supplier: Awaited<ReturnType<typeof startSupplier>>;
  let chest: string;
  let sepsis: string;
  const tokens: Partial<Record<string, string>> = {};
  const token = async (role: Role, sub: string) => (tokens[sub] ??= await t.token(role, sub));

  beforeAll(async () => {
    supplier = await startSupplier();
    web = await startWebSuite({
      SUPPLIER_WEBHOOKS: JSON.stringify({ 'Acme Imaging B.V.': { url: supplier.url, secret: SECRET } }),
      INCIDENT_DELIVERY_BASE_MS: '50',
      INCIDENT_DELIVERY_POLL_MS: '50',
    });
    ({ t, base, browser } = web);
    const admin = await token('admin', 'boss');
    chest = (await t.http.post('/api/v1/ai-systems').set(auth(admin)).send(aiSystemBody()).expect(201)).body.aiSystemId;
    sepsis = (
      await t.http
        .post('/api/v1/ai-systems')
        .set(auth(admin))
        .send(
          aiSystemBody({
            name: 'Sepsis Early Warning',
            supplier: { name: 'Vitalis Analytics', incidentContactEmail: 'safety@vitalis.example' },
            version: '4.0.2',
            mdrClass: 'IIb',
          }),
        )
        .expect(201)
    ).body.aiSystemId;
    // Earlier reviews by another clinician, so the override-rate chart has months to show.
    const bob = await token('clinician', 'bob');
    for (const [system, decision, decidedAt] of [
      [chest, 'accepted', '2026-09-03T10:00:00Z'],
      [chest, 'rejected', '2026-10-07T10:00:00Z'],
      [chest, 'accepted', '2026-10-08T10:00:00Z'],
      [chest, 'modified', '2026-10-12T10:00:00Z'],
      [chest, 'accepted', '2026-10-14T10:00:00Z'],
      [sepsis, 'accepted', '2026-10-15T10:00:00Z'],
      [sepsis, 'modified', '2026-10-09T10:00:00Z'],
    ] as const) {
      await t.http
        .post('/api/v1/reviews')
        .set(auth(bob))
        .send({
          aiSystemId: system,
          modelVersion: system === chest ? '2.3.1' : '4.0.2',
          outputReference: `pacs://seed/${decidedAt}`,
          outputSha256: sha256Hex(decidedAt),
          patientId: 'NL-555 444 333',
          decision,
          reason: decision === 'accepted' ? undefined : 'Not what the images show',
          decidedAt,
        })
        .expect(201);
    }
    // Two months of the system's own logs, for the retention-volume chart.
    const qm = await token('quality-manager', 'quinn');
    await t.http
      .post('/api/v1/retention-policies')
      .set(auth(qm))
      .send({ aiSystemId: chest, minimumMonths: 6, maximumMonths: null, legalBasis: 'AI Act Art. 26(6)' })
      .expect(201);
    for (const [from, to, lines] of [
      ['2026-09-01T00:00:00Z', '2026-10-01T00:00:00Z', 40],
      ['2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z', 90],
    ] as const) {
      await t.http
        .post(`/api/v1/log-artefacts?system=${chest}&from=${from}&to=${to}`)
        .set({ ...auth(qm), 'Content-Type': 'application/x-ndjson' })
        .send(Buffer.from(Array.from({ length: lines }, (_, i) => JSON.stringify({ at: from, inference: i, score: 0.5 })).join('\n')))
        .expect(201);
    }
  });

  afterAll(async () => {
    await web?.close();
    await new Promise((r) => supplier?.server.close(r));
  });

  /** A new tab signs in by pasting a token, as the login page tells a user to. */
  /** Texts a screen asked for in a language that has none (the app says each on the console). */
  const untranslated: string[] = [];
  afterEach(() => {
    const found = untranslated.splice(0);
    expect(found).toEqual([]);
  });

  const signIn = async (role: Role, sub: string): Promise<Page> => signInWithToken(browser, base, await token(role, sub), untranslated);

  async function expectAccessible(page: Page) {
    expect(await seriousViolations(page)).toEqual([]);
  }

  const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

  it('serves the app at / and for deep links, and the login page says how to mint a token', async () => {
    const page = await browser.context.newPage();
    const answer = await page.goto(`${base}/incidents/some-deep-link`);
    expect(answer?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign in');
    await expect(page.locator('pre.command').textContent()).resolves.toContain('registry -- token --role');
    // API paths are still the API's: unknown ones answer problem+json, not the app.
    const api = await page.request.get(`${base}/api/v1/no-such-route`);
    expect(api.status()).toBe(404);
    expect(api.headers()['content-type']).not.toContain('text/html');
    await expectAccessible(page);
    await screenshot(page, 'login');
    await page.close();
  });

  it('clinician: logs a review with the keyboard alone and sees it in their recent reviews', async () => {
    const page = await signIn('clinician', 'alice');
    // The worklist opens first (test/web/worklist.e2e-spec.ts); the manual form is one link away.
    await page.getByRole('link', { name: 'Reviews' }).click();
    await page.getByRole('heading', { level: 1, name: 'Review an AI output' }).waitFor();
    await page.locator('#aiSystemId option', { hasText: 'ChestXR Triage' }).waitFor({ state: 'attached' });
    const before = await t.eventCount();
    const digest = sha256Hex('AI report: no pneumothorax');
    const started = Date.now();

    // The heading has focus when the screen opens; from there it is Tab, type, Tab, ... Enter.
    expect(await focusedId(page)).toBe('page-title');
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('aiSystemId');
    await page.keyboard.press('ArrowDown'); // first system: ChestXR Triage
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('patientId');
    await page.keyboard.type('NL-123 456 789');
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('outputReference');
    // A scanned code carries the reference and the digest of the output the clinician saw.
    await page.keyboard.type(`pacs://studies/1.2.840.113619.2.55.3/ai-report#sha256=${digest}`);
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('outputSha256');
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('decision');
    await page.keyboard.press('ArrowDown'); // accepted
    await page.keyboard.press('ArrowDown'); // modified
    await page.keyboard.press('ArrowDown'); // rejected
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('reason');
    await page.keyboard.type('Pneumothorax on the right; the AI missed it.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');

    await page.getByRole('status').filter({ hasText: 'Review recorded.' }).waitFor();
    const row = page.locator('#recent-reviews tbody tr', { hasText: 'pacs://studies/1.2.840.113619.2.55.3/ai-report' });
    await row.waitFor();
    process.stdout.write(`clinician review journey (keyboard to list): ${Date.now() - started} ms\n`);
    await expect(row.textContent()).resolves.toContain('rejected');
    await expect(row.textContent()).resolves.toContain('Pneumothorax on the right');
    expect(await t.eventCount()).toBe(before + 1);
    const reviewId = await row.getAttribute('data-review-id');
    const stored = await t.http
      .get(`/api/v1/reviews/${reviewId}`)
      .set(auth(await token('clinician', 'alice')))
      .expect(200);
    expect(stored.body).toMatchObject({ aiSystemId: chest, modelVersion: '2.3.1', outputSha256: digest, decision: 'rejected' });
    // The form is ready for the next one; the system stays chosen.
    expect(await page.locator('#aiSystemId').inputValue()).toBe(chest);
    await expectAccessible(page);
    await screenshot(page, 'clinician-reviews');
    await page.close();
  });

  it('bad input: the form shows the API problem message at the field and nothing is written', async () => {
    const page = await signIn('clinician', 'alice');
    // The worklist opens first (test/web/worklist.e2e-spec.ts); the manual form is one link away.
    await page.getByRole('link', { name: 'Reviews' }).click();
    await page.locator('#aiSystemId option', { hasText: 'ChestXR Triage' }).waitFor({ state: 'attached' });
    await page.getByLabel('AI system').selectOption(chest);
    await page.getByLabel('Patient id').fill('NL-123 456 789');
    await page.getByLabel('Output reference').fill('pacs://studies/typo');
    await page.getByLabel('Output digest (SHA-256)').fill('not-a-digest');
    await page.getByLabel('Decision').selectOption('accepted');
    await t.catchUp();
    const before = await t.eventCount();
    const reviewsBefore = (
      await t.http
        .get('/api/v1/reviews')
        .set(auth(await token('clinician', 'alice')))
        .expect(200)
    ).body.items.length;
    await page.getByRole('button', { name: 'Record review' }).click();

    const message = page.locator('#outputSha256-error');
    await message.waitFor();
    // The text is the API's own problem+json field message, not one the browser made up.
    const problem = await t.http
      .post('/api/v1/reviews')
      .set(auth(await token('clinician', 'alice')))
      .send({ aiSystemId: chest, modelVersion: '2.3.1', outputReference: 'x', outputSha256: 'not-a-digest', patientId: 'NL-1', decision: 'accepted' })
      .expect(400);
    const apiMessage = problem.body.errors.find((e: { field: string }) => e.field === 'outputSha256').message;
    expect(await message.textContent()).toBe(apiMessage);
    expect(await page.getByLabel('Output digest (SHA-256)').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('alert').textContent()).toContain(apiMessage);
    await t.catchUp();
    expect(await t.eventCount()).toBe(before);
    expect(
      (
        await t.http
          .get('/api/v1/reviews')
          .set(auth(await token('clinician', 'alice')))
          .expect(200)
      ).body.items,
    ).toHaveLength(reviewsBefore);
    await expectAccessible(page);
    await screenshot(page, 'bad-input');
    await page.close();
  });

  it('quality manager: board by next deadline with red and amber clocks; classifies, reports to the supplier, sees delivery', async () => {
    const qm = await token('quality-manager', 'quinn');
    const report = async (awareMsAgo: number, narrative: string) =>
      (
        await t.http
          .post('/api/v1/incidents')
          .set(auth(qm))
          .send({ aiSystemId: chest, narrative, awareAt: new Date(Date.now() - awareMsAgo).toISOString(), awarenessReason: 'Entered after the handover' })
          .expect(201)
      ).body.incidentId as string;
    const classify = (id: string) =>
      t.http
        .post(`/api/v1/incidents/${id}/classification`)
        .set(auth(qm))
        .send({ serious: true, criteria: criteria({ seriousHarmToHealth: true }), wkkgzCalamity: false })
        .expect(200);
    // Reported in the opposite order of their deadlines, so the board's order is the API's sort.
    const fresh = await report(10 * 60_000, 'Drain placed late after a missed pneumothorax');
    const amber = await report(14 * HOUR, 'Wrong side flagged on a chest X-ray');
    await classify(amber);
    const red = await report(3 * 24 * HOUR, 'Sepsis alert suppressed for a night');
    await classify(red);
    await t.catchUp();

    const page = await signIn('quality-manager', 'quinn');
    const rows = page.locator('#incident-board tbody tr');
    await rows.first().waitFor();
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-incident-id')))).toEqual([red, amber, fresh]);
    // The fresh, unclassified incident already has the provider clock from awareness (hospital policy, J12): 24 h, amber.
    expect(await page.locator('#incident-board [data-clock]').evaluateAll((cs) => cs.map((c) => c.getAttribute('data-clock')))).toEqual([
      'red',
      'amber',
      'amber',
    ]);
    await expect(rows.nth(0).textContent()).resolves.toMatch(/overdue by 2 d/);
    await expect(rows.nth(1).textContent()).resolves.toMatch(/due in (9|10) h/);
    // Red and amber differ in more than colour: the computed colours differ too.
    const colours = await page.locator('#incident-board [data-clock]').evaluateAll((cs) => cs.slice(0, 2).map((c) => getComputedStyle(c).backgroundColor));
    expect(new Set(colours).size).toBe(2);
    await expectAccessible(page);
    await screenshot(page, 'quality-manager-incident-board');

    await rows.nth(2).getByRole('link', { name: /Open/ }).click();
    await page.getByRole('heading', { level: 1, name: /Incident: ChestXR Triage/ }).waitFor();
    await expect(page.locator('dl.facts').textContent()).resolves.toContain('Drain placed late');
    await page.getByLabel('This is a serious incident').check();
    await page.getByLabel('Serious harm to health').check();
    await page.getByLabel('Calamity under the Wkkgz').check();
    await page.getByRole('button', { name: 'Save classification' }).click();
    await page.getByRole('status').filter({ hasText: 'Classification saved' }).waitFor();
    await page.locator('#deadlines tr[data-rule="aiact.26-5.provider"]').waitFor();
    // Each deadline says what it rests on: the AI Act's Art. 26(5) for this class IIa device applies from 2 August 2028.
    await expect(page.locator('#deadlines tr[data-rule="aiact.26-5.provider"]').textContent()).resolves.toContain('hospital policy');
    // A possible calamity: the IGJ triage window (the IGJ report waits for the establishment).
    await page.locator('#deadlines tr[data-recipient="calamity-decision"]').waitFor();

    await page.locator('#recipient').selectOption('provider');
    // The report as it would go out, before sending (nothing written).
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect(page.locator('#report-preview').textContent()).resolves.toContain('ai-act-art73-serious-incident');
    await page.getByRole('button', { name: 'Send report' }).click();
    await page.locator('#notifications [data-delivery="delivered"]').waitFor({ timeout: 60_000 });
    expect(supplier.received).toHaveLength(1);
    const view = (await t.http.get(`/api/v1/incidents/${fresh}`).set(auth(qm)).expect(200)).body;
    expect(view.classification).toMatchObject({ serious: true, wkkgzCalamity: true });
    expect(view.notifications).toMatchObject([{ recipient: 'provider', status: 'delivered' }]);
    expect(supplier.received[0]['x-oversight-delivery']).toBe(view.notifications[0].notificationId);
    // Delivered to the provider: its deadline shows as met.
    await page.locator('#deadlines tr[data-rule="aiact.26-5.provider"] [data-clock="met"]').waitFor();
    await page.locator('#deadlines tr[data-rule="aiact.26-5.provider.on-awareness"] [data-clock="met"]').waitFor();
    // A report made elsewhere (the IGJ's portal) is recorded with its reference and time.
    await page.locator('#record-recipient').selectOption('igj');
    await page.getByLabel("Recipient's reference").fill('IGJ-2026-0099');
    await page.getByRole('button', { name: 'Record report' }).click();
    await page.getByRole('status').filter({ hasText: 'Report recorded.' }).waitFor();
    const recorded = (await t.http.get(`/api/v1/incidents/${fresh}`).set(auth(qm)).expect(200)).body.notifications;
    expect(recorded).toMatchObject([{ recipient: 'provider' }, { recipient: 'igj', channel: 'recorded', status: 'recorded', reference: 'IGJ-2026-0099' }]);
    await page.locator('#notifications [data-delivery="recorded"]').waitFor();
    await expectAccessible(page);
    await screenshot(page, 'quality-manager-incident');
    await page.close();
  });

  it('quality manager: records a supplier field safety notice through the form and finds it among the open notices', async () => {
    const page = await signIn('quality-manager', 'quinn');
    await page.getByRole('link', { name: 'Supplier notices' }).click();
    await page.locator('#notice-system').selectOption(chest);
    await page.getByLabel("Supplier's reference").fill('FSN-2026-017');
    await page.getByLabel('Subject').fill('Missed pneumothorax on portable X-rays');
    await page.getByLabel('2.3.1').check();
    await page.getByLabel('Our own deadline for acting').fill(new Date(Date.now() + 3 * 24 * HOUR).toISOString().slice(0, 10));
    await page.getByRole('button', { name: 'Record notice' }).click();
    await page.getByRole('status').filter({ hasText: 'Notice recorded.' }).waitFor();
    await expect(page.locator('#supplier-notices tbody tr').first().textContent()).resolves.toContain('FSN-2026-017');
    await expectAccessible(page);
    await page.close();
  });

  it('any employee: reports a near miss in three fields and follows it under My reports; the quality manager finds it in the triage queue', async () => {
    const page = await signIn('admin', 'ivo-it');
    await page.getByRole('link', { name: 'Report an incident' }).click();
    await page.getByRole('heading', { level: 1, name: 'Report an incident' }).waitFor();
    await page.locator('#report-system').selectOption(chest);
    await page.locator('#report-narrative').fill("Chest X-ray worklist showed yesterday's AI flags after the night update");
    await page.getByLabel(/A near miss/).check();
    await page.getByRole('button', { name: 'Report', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Reported.' }).waitFor();
    const mine = page.locator('#my-reports tbody tr');
    await mine.first().waitFor();
    await expect(mine.first().textContent()).resolves.toMatch(/near miss.*awaiting triage/);
    await expectAccessible(page);
    await screenshot(page, 'staff-report-incident');
    await page.close();
    await t.catchUp();
    const qm = await signIn('quality-manager', 'quinn');
    const queued = qm.locator('#triage-queue tbody tr').filter({ hasText: 'near miss' });
    await queued.first().waitFor();
    await qm.close();
  });

  it('lawyer: opens a disclosure request, sets its scope, previews the timeline, exports and downloads the bundle', async () => {
    const page = await signIn('legal', 'lena');
    await page.getByRole('heading', { level: 1, name: 'Disclosure requests' }).waitFor();
    await page.getByLabel('Claim reference').fill('C/13/2026/0042');
    await page.getByLabel('Requested by').selectOption('court');
    await page.getByLabel('Name of the requester').fill('Rechtbank Amsterdam');
    await page.getByLabel('Due date').fill('2026-12-31');
    await page.getByLabel('Sepsis Early Warning (Vitalis Analytics)').check();
    await page.getByRole('button', { name: 'Register request' }).click();
    await page.getByRole('heading', { level: 1, name: 'Disclosure request C/13/2026/0042' }).waitFor();
    const requestId = page.url().split('/').pop()!;

    await page.getByLabel('ChestXR Triage (Acme Imaging B.V.)').check();
    await page.getByLabel('Sepsis Early Warning (Vitalis Analytics)').uncheck();
    await page.getByLabel('From', { exact: true }).fill('2026-10-01');
    await page.getByLabel('Why the scope changes').fill('The claim concerns the chest X-ray triage only');
    await page.getByRole('button', { name: 'Save scope' }).click();
    await page.getByRole('status').filter({ hasText: 'Scope saved.' }).waitFor();
    const lena = await token('legal', 'lena');
    const stored = (await t.http.get(`/api/v1/disclosure-requests/${requestId}`).set(auth(lena)).expect(200)).body;
    expect(stored.scope).toMatchObject({ aiSystemIds: [chest], from: '2026-10-01T00:00:00.000Z' });

    await page.getByRole('button', { name: 'Preview timeline' }).click();
    const timeline = page.locator('#timeline tbody tr');
    await timeline.first().waitFor();
    const texts = await timeline.allTextContents();
    expect(texts.some((x) => x.includes('AI output reviewed'))).toBe(true);
    // The window starts on 1 October: the September review is not in it.
    expect(texts.some((x) => x.includes('3 Sept 2026') || x.includes('3 Sep 2026'))).toBe(false);
    await expectAccessible(page);
    await screenshot(page, 'legal-disclosure');

    await page.getByRole('button', { name: 'Export evidence bundle' }).click();
    await page.locator('#export-progress').waitFor();
    await page.locator('#export-progress[data-status="done"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('#export-progress').evaluate((p: HTMLProgressElement) => p.value)).toBe(100);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download bundle' }).click()]);
    const file = await download.path();
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 2).toString()).toBe('PK');
    const recorded = (await t.http.get(`/api/v1/disclosure-requests/${requestId}`).set(auth(lena)).expect(200)).body.bundles;
    expect(recorded).toHaveLength(1);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(recorded[0].bundleSha256);
    await expect(page.locator('#bundle-ready').textContent()).resolves.toContain(recorded[0].bundleSha256);
    await screenshot(page, 'legal-bundle-export');
    await page.close();
  });

  it('auditor: browses the event log and sees the ledger verified; the UI speaks Dutch on request; charts', async () => {
    await t.catchUp();
    const head = await t.eventCount();
    expect(head).toBeGreaterThan(25); // more than one page of the log
    const page = await signIn('auditor', 'otto');
    await page.getByRole('heading', { level: 1, name: 'Event log and ledger' }).waitFor();
    const status = page.locator('#ledger-status');
    await status.waitFor();
    expect(await status.getAttribute('data-ok')).toBe('true');
    await expect(status.textContent()).resolves.toMatch(/Verified: all \d+ events match/);
    // The NEN 7513 access log is checked too: the readers of the journeys above are in it.
    const accessLog = page.locator('#access-log-status');
    await accessLog.waitFor();
    expect(await accessLog.getAttribute('data-ok')).toBe('true');
    const entries = Number((await accessLog.textContent())!.match(/Verified: all (\d+) entries chain correctly/)![1]);
    expect(entries).toBeGreaterThan(0);
    await expect(page.locator('#access-log-anchors').textContent()).resolves.toContain('No hash of the access log is anchored');
    const rows = page.locator('#event-log tbody tr');
    await rows.first().waitFor();
    const positions = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-position'))));
    expect(positions).toHaveLength(Math.min(25, head));
    expect(positions[0]).toBeGreaterThanOrEqual(head);
    expect([...positions].sort((a, b) => b - a)).toEqual(positions);
    await page.getByRole('button', { name: /Older events/ }).click();
    await page.locator(`#event-log tbody tr[data-position="${positions[positions.length - 1] - 1}"]`).waitFor();
    await page.locator('#event-log tbody tr summary').first().click();
    await expect(page.locator('#event-log pre.json').first().isVisible()).resolves.toBe(true);
    await expectAccessible(page);
    await screenshot(page, 'auditor-event-log');

    await page.getByRole('button', { name: 'Schakel naar Nederlands' }).click();
    await page.getByRole('heading', { level: 1, name: 'Gebeurtenissenlog en grootboek' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('nl');
    await expect(page.locator('#ledger-status').textContent()).resolves.toMatch(/Gecontroleerd/);
    await expect(page.locator('#access-log-status').textContent()).resolves.toMatch(/Gecontroleerd: alle \d+ regels/);
    await page.getByRole('button', { name: 'Switch to English' }).click();

    await page.getByRole('link', { name: 'Insights' }).click();
    await page.getByRole('heading', { level: 1, name: 'Insights' }).waitFor();
    await page.locator(`#overrides-${chest} svg rect`).first().waitFor();
    expect(await page.locator(`#overrides-${chest} svg rect`).count()).toBe(3); // September, October, November
    await page.locator('#incidents-per-system svg rect').first().waitFor();
    await page.locator('#retention-volume svg rect').first().waitFor();
    expect(await page.locator('#retention-volume svg rect').count()).toBe(2); // September, October
    await expectAccessible(page);
    await screenshot(page, 'insights');
    await page.close();
  });

  it('every screen of every role in Dutch: no text left untranslated, no raw code shown', async () => {
    const roles: [Role, string][] = [
      ['clinician', 'alice'],
      ['quality-manager', 'quinn'],
      ['legal', 'lena'],
      ['auditor', 'otto'],
      ['admin', 'boss'],
    ];
    for (const [role, sub] of roles) {
      const page = await signIn(role, sub);
      // The main menu, by its name in either language (a screen may have a pager nav of its own).
      const menu = page.getByRole('navigation', { name: /^(Main|Hoofdmenu)$/ });
      await menu.waitFor();
      if ((await page.evaluate(() => document.documentElement.lang)) !== 'nl') await page.getByRole('button', { name: 'Schakel naar Nederlands' }).click();
      await page.getByRole('button', { name: 'Switch to English' }).waitFor();
      const links = menu.getByRole('link');
      const count = await links.count();
      expect(count).toBeGreaterThan(0);
      for (let i = 0; i < count; i++) {
        await links.nth(i).click();
        await page.getByRole('heading', { level: 1 }).waitFor();
        await page.waitForLoadState('networkidle');
      }
      if (role === 'legal') {
        // Issue 24: a native date input shows the browser's own language; the app repeats the date in Dutch.
        await menu.getByRole('link', { name: 'Openbaarmaking' }).click();
        await page.getByLabel(/^Uiterste datum/).fill('2026-12-06');
        await expect(page.locator('#dueAt-echo').textContent()).resolves.toBe('zondag 6 december 2026');
      }
      // The language is kept for the next sign-in (whose page then asks for the token in Dutch).
      await page.getByRole('button', { name: 'Switch to English' }).click();
      await page.close();
    }
  });
});
