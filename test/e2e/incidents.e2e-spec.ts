import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PSEUDONYM_IN_TEXT } from '@app/identity';
import { NO_CRITERIA } from '@app/incidents';
import { IncidentReviewLinks } from '@app/oversight';
import { CLOCK, type Clock } from '@app/event-store';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp, rawBody } from '../support/test-app';
import { eventually } from '../reliability/support';

const SECRET = 'acme-webhook-secret-0123456789';
const NARRATIVE = 'AI missed a pneumothorax <script>alert(1)</script>; patient needed an emergency drain';

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The supplier's webhook: a real HTTP server that fails the first two attempts with 503. */
async function startSupplier(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(received.length <= 2 ? 503 : 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oversight/incidents`, received };
}

describe('Serious incidents (HTTP)', () => {
  let t: TestApp;
  let supplier: Awaited<ReturnType<typeof startSupplier>>;
  let clock: Clock;
  let qm: string;
  let alice: string;
  let legal: string;
  let systemId: string;
  let reviewId: string;
  let incidentId: string;
  const savedEnv = { ...process.env };
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    supplier = await startSupplier();
    Object.assign(process.env, {
      SUPPLIER_WEBHOOKS: JSON.stringify({ 'Acme Imaging B.V.': { url: supplier.url, secret: SECRET } }),
      INCIDENT_DELIVERY_BASE_MS: '50',
      INCIDENT_DELIVERY_POLL_MS: '25',
      PUBLIC_BASE_URL: 'https://registry.hospital.example',
      HOSPITAL_NAME: 'Test Hospital',
    });
    t = await startTestApp();
    clock = t.app.get<Clock>(CLOCK);
    const admin = await t.token('admin', 'admin-1');
    [qm, alice, legal] = await Promise.all([t.token('quality-manager', 'qm-1'), t.token('clinician', 'alice'), t.token('legal', 'lawyer-1')]);
    const system = await t.http
      .post('/api/v1/ai-systems')
      .set(auth(admin))
      .send(aiSystemBody({ mdrClass: 'none' }))
      .expect(201);
    systemId = system.body.aiSystemId;
    const review = await t.http
      .post('/api/v1/reviews')
      .set(auth(alice))
      .send({
        aiSystemId: systemId,
        modelVersion: '2.3.1',
        outputReference: 'pacs://studies/9/ai-report',
        outputSha256: sha256Hex('AI: no pneumothorax'),
        patientId: 'NL-999 888 777',
        decision: 'rejected',
        reason: 'Pneumothorax visible; AI missed it',
      })
      .expect(201);
    reviewId = review.body.reviewId;
  });

  afterAll(async () => {
    await t?.close();
    await new Promise((r) => supplier?.server.close(r));
    process.env = savedEnv;
  });

  const get = () => t.http.get(`/api/v1/incidents/${incidentId}`).set(auth(qm)).expect(200);

  it('lets a clinician report a suspected incident from a rejected review; the clock starts', async () => {
    const before = await t.eventCount();
    const res = await t.http
      .post('/api/v1/incidents')
      .set(auth(alice))
      .send({ aiSystemId: systemId, narrative: NARRATIVE, linkedReviewIds: [reviewId], occurredAt: '2020-01-01T08:00:00Z' })
      .expect(201);
    incidentId = res.body.incidentId;
    expect(res.headers.location).toBe(`/api/v1/incidents/${incidentId}`);
    const incidentEvents = (await t.store.readStream(`incident-${incidentId}`)).map((e) => e.type);
    // A high-risk system: the provider clock runs from awareness before anyone classifies (hospital policy, J12).
    expect(incidentEvents).toEqual(['incidents.IncidentDetected', 'incidents.AwarenessEstablished', 'incidents.DeadlinesComputed']);
    // The link is written back to the review's own stream, by the reporter, once.
    const links = await eventually(async () => {
      const found = (await t.store.readStream(`review-${reviewId}`)).filter((e) => e.type === 'oversight.ReviewLinkedToIncident');
      return found.length ? found : undefined;
    });
    expect(links.map((e) => [e.data.incidentId, e.metadata.actor])).toEqual([[incidentId, { subject: 'alice', role: 'clinician' }]]);
    expect(await t.eventCount()).toBe(before + 4);
    await t.catchUp();
    const review = await t.http.get(`/api/v1/reviews/${reviewId}`).set(auth(alice)).expect(200);
    expect(review.body.incidentIds).toEqual([incidentId]);
    // Handled again (a restart before its checkpoint moved): no second link.
    const detected = (await t.store.readStream(`incident-${incidentId}`)).slice(0, 1);
    await t.app.get(IncidentReviewLinks).handle(detected);
    expect(await t.eventCount()).toBe(before + 4);
    const view = (await get()).body;
    expect(view).toMatchObject({ status: 'open', serious: null, linkedReviewIds: [reviewId], narrative: { text: NARRATIVE, erased: false } });
    expect(view.deadlines).toMatchObject([{ ruleId: 'aiact.26-5.provider.on-awareness', recipient: 'provider', nature: 'hospital-policy' }]);
    expect(view.patientPseudonyms).toHaveLength(1);
    expect(JSON.stringify(await t.store.readAll(0, 1000))).not.toContain('pneumothorax <script>');
  });

  it('classifies it as serious and shows the deadlines with their legal rule', async () => {
    await t.http
      .post(`/api/v1/incidents/${incidentId}/classification`)
      .set(auth(alice))
      .send({ serious: true, criteria: criteria({ seriousHarmToHealth: true }), wkkgzCalamity: true })
      .expect(403);
    const res = await t.http
      .post(`/api/v1/incidents/${incidentId}/classification`)
      .set(auth(qm))
      .send({ serious: true, criteria: criteria({ seriousHarmToHealth: true }), wkkgzCalamity: true, rationale: 'Delayed treatment' })
      .expect(200);
    expect(res.headers.etag).toBe(`"${res.body.revision}"`);
    const view = (await get()).body;
    const awareAt = Date.parse(view.awareAt);
    // An Annex III high-risk system in 2026: the Art. 26(5) duties apply from 2 December 2027, kept until then as hospital policy (J9).
    expect(view.deadlines.map((d: { ruleId: string; rule: string; nature: string }) => [d.ruleId, d.rule, d.nature])).toEqual([
      ['aiact.26-5.provider.on-awareness', 'AI Act Art. 26(5)', 'hospital-policy'],
      ['aiact.26-5.msa', 'AI Act Art. 26(5)', 'hospital-policy'],
      ['aiact.26-5.provider', 'AI Act Art. 26(5)', 'hospital-policy'],
      // A possible calamity: the IGJ's 6-week triage window; the IGJ report waits for its establishment.
      ['igj.calamity.triage', 'IGJ guidance: calamity triage', 'regulator-policy'],
    ]);
    expect(Date.parse(view.deadlines[0].dueAt) - awareAt).toBe(24 * 3_600_000);
    expect(view.deadlines[2].from.trigger).toBe('identification');
    expect(Date.parse(view.deadlines[2].dueAt) - Date.parse(view.deadlines[2].from.at)).toBe(24 * 3_600_000);
  });

  it('records that the provider could not be reached: Art. 73 then runs for the hospital, 10 days for a death', async () => {
    // Art. 26(5): "If the deployer is not able to reach the provider, Article 73 shall apply mutatis mutandis"; Art. 73(4): 10 days.
    const url = `/api/v1/incidents/${incidentId}/provider-unreachable`;
    await t.http.post(url).set(auth(alice)).send({ reasons: 'Phone and e-mail unanswered' }).expect(403);
    const missing = await t.http.post(url).set(auth(qm)).send({}).expect(400);
    expect(missing.body.errors?.[0]?.field ?? missing.body.field).toBe('reasons');
    await t.http.post(url).set(auth(qm)).send({ reasons: 'Phone and e-mail unanswered for 6 hours' }).expect(200);
    await t.http
      .post(`/api/v1/incidents/${incidentId}/classification`)
      .set(auth(qm))
      .send({ serious: true, criteria: criteria({ seriousHarmToHealth: true, death: true }), wkkgzCalamity: true, rationale: 'Patient died' })
      .expect(200);
    const view = (await get()).body;
    const art73 = view.deadlines.find((d: { ruleId: string }) => d.ruleId.startsWith('aiact.73'));
    expect(art73).toMatchObject({ ruleId: 'aiact.73-4', rule: 'AI Act Art. 73(4)', recipient: 'market-surveillance-authority' });
    expect(Date.parse(art73.dueAt) - Date.parse(view.awareAt)).toBe(10 * 86_400_000);
  });

  it('puts it on the overdue board and in the metrics once the provider deadline passes', async () => {
    await t.catchUp();
    const board = await t.http.get('/api/v1/incidents?overdue=true').set(auth(legal)).expect(200);
    expect(board.body.items).toEqual([]);
    clock.advance(25 * 3_600_000);
    try {
      const overdue = await t.http.get('/api/v1/incidents?overdue=true').set(auth(legal)).expect(200);
      expect(overdue.body.items).toMatchObject([{ incidentId, overdue: true, nextDeadline: { recipient: 'provider', overdue: true } }]);
      const metrics = await t.http.get('/metrics').expect(200);
      expect(metrics.text).toMatch(/^oversight_incidents_overdue 1$/m);
    } finally {
      clock.reset();
    }
  });

  it('delivers the signed report to the supplier after two failed attempts, and takes the acknowledgement', async () => {
    const res = await t.http
      .post(`/api/v1/incidents/${incidentId}/notifications`)
      .set(auth(qm))
      .send({ recipient: 'provider', actionsTaken: 'Use of the system suspended pending review' })
      .expect(202);
    const { notificationId } = res.body;
    expect(res.headers.location).toBe(`/api/v1/incidents/${incidentId}/reports/${notificationId}`);

    const view = await eventually(async () => {
      const body = (await get()).body;
      return body.notifications[0]?.status === 'delivered' ? body : undefined;
    });
    expect(view.notifications[0]).toMatchObject({ notificationId, attempts: 3, recipient: 'provider' });
    expect(view.deadlines.find((d: { recipient: string }) => d.recipient === 'provider').metAt).toBe(view.notifications[0].deliveredAt);

    expect(supplier.received).toHaveLength(3);
    const body = supplier.received[2].body;
    for (const r of supplier.received) {
      expect(r.body.equals(body)).toBe(true);
      expect(r.headers['x-oversight-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`);
      expect(r.headers['x-oversight-delivery']).toBe(notificationId);
    }
    expect(supplier.received.map((r) => r.headers['x-oversight-attempt'])).toEqual(['1', '2', '3']);
    const report = JSON.parse(body.toString('utf8'));
    expect(report).toMatchObject({
      reportType: 'ai-act-art73-serious-incident',
      kind: 'initial',
      reporter: { role: 'deployer', organisation: 'Test Hospital' },
      aiSystem: { aiSystemId: systemId, provider: 'Acme Imaging B.V.' },
      incident: { incidentId, description: NARRATIVE },
      affected: { patients: 1, linkedReviews: 1 },
    });
    expect(body.toString()).not.toMatch(PSEUDONYM_IN_TEXT);

    const events = await t.store.readStream(`incident-${incidentId}`);
    const queued = events.find((e) => e.type === 'incidents.SupplierNotified')!;
    const delivered = events.find((e) => e.type === 'incidents.ReportDelivered')!;
    expect(queued.data.reportSha256).toBe(sha256Hex(body.toString('utf8')));
    expect(delivered.data).toMatchObject({ reportSha256: queued.data.reportSha256, attempt: 3, httpStatus: 204, channel: 'webhook' });

    const stored = await t.http
      .get(`/api/v1/incidents/${incidentId}/reports/${notificationId}`)
      .set(auth(legal))
      .buffer(true)
      .parse(rawBody as never)
      .expect(200);
    expect((stored.body as Buffer).equals(body)).toBe(true);
    const html = await t.http.get(`/api/v1/incidents/${incidentId}/reports/${notificationId}?as=html`).set(auth(legal)).expect(200);
    expect(html.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html.text).not.toContain('<script>');
    // NEN 7513: reading a sent report is an access to the incident's patient's data.
    const patient = (await get()).body.patientPseudonyms[0];
    const reads = (
      await t.http
        .get(`/api/v1/access-log?subject=${patient}&action=read-incident-report`)
        .set(auth(await t.token('auditor')))
        .expect(200)
    ).body.items;
    expect(reads.map((e: { resource: string }) => e.resource)).toEqual([
      `GET /api/v1/incidents/${incidentId}/reports/${notificationId}`,
      `GET /api/v1/incidents/${incidentId}/reports/${notificationId}`,
    ]);

    const before = await t.eventCount();
    const ackUrl = `/api/v1/incidents/${incidentId}/acknowledgements`;
    expect(report.acknowledge.url).toBe(`https://registry.hospital.example${ackUrl}`);
    const forged = await t.http
      .post(ackUrl)
      .send({ notificationId, token: 'f'.repeat(64) })
      .expect(403);
    expect(forged.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(await t.eventCount()).toBe(before);
    await t.http.post(ackUrl).send({ notificationId, token: report.acknowledge.token, supplierReference: 'ACME-2026-0042' }).expect(200);
    expect((await get()).body.notifications[0]).toMatchObject({ supplierReference: 'ACME-2026-0042' });
  });

  it('suspends use of the AI system from the incident; reviews of its output are then refused', async () => {
    const url = `/api/v1/incidents/${incidentId}/system-suspension`;
    const reason = "Serious incident: missed pneumothorax; suspended pending the supplier's analysis";
    await t.http.post(url).set(auth(alice)).send({ reason }).expect(403);
    const res = await t.http.post(url).set(auth(qm)).send({ reason }).expect(200);
    expect(res.headers.etag).toBe(`"${res.body.revision}"`);

    const refused = await t.http
      .post('/api/v1/reviews')
      .set(auth(alice))
      .send({
        aiSystemId: systemId,
        modelVersion: '2.3.1',
        outputReference: 'pacs://studies/10/ai-report',
        outputSha256: sha256Hex('AI: no fracture'),
        patientId: 'NL-999 888 776',
        decision: 'accepted',
      })
      .expect(409);
    expect(refused.body.code).toBe('ai-system-suspended');

    const systemEvents = await t.store.readStream(`ai-system-${systemId}`);
    const suspension = systemEvents[systemEvents.length - 1];
    expect(suspension).toMatchObject({
      type: 'ai-systems.AiSystemUseSuspended',
      data: { reason },
      metadata: { actor: { subject: 'qm-1', role: 'quality-manager' }, correlationId: `incident-${incidentId}` },
    });
    const view = (await get()).body;
    expect(view.suspensions).toEqual([
      {
        systemSuspendedAt: suspension.data.suspendedAt,
        alreadySuspended: false,
        suspendedAt: expect.any(String),
        suspendedBy: { subject: 'qm-1', role: 'quality-manager' },
      },
    ]);

    // The same suspension is linked once; nothing is written the second time.
    const before = await t.eventCount();
    const again = await t.http.post(url).set(auth(qm)).send({ reason: 'Again' }).expect(409);
    expect(again.body.code).toBe('suspension-already-linked');
    expect(await t.eventCount()).toBe(before);
  });

  it('records the authority and inspectorate reports, refuses to close before, and closes after', async () => {
    const closeEarly = await t.http.post(`/api/v1/incidents/${incidentId}/close`).set(auth(qm)).send({ conclusion: 'Done' }).expect(409);
    expect(closeEarly.body.code).toBe('obligations-open');
    await t.http
      .post(`/api/v1/incidents/${incidentId}/notifications`)
      .set(auth(qm))
      .send({ recipient: 'market-surveillance-authority', reference: 'RDI-2026-17', complete: true })
      .expect(201);
    await t.http.post(`/api/v1/incidents/${incidentId}/calamity-establishment`).set(auth(qm)).send({ reasons: 'Calamity committee: serious harm' }).expect(200);
    await t.http.post(`/api/v1/incidents/${incidentId}/notifications`).set(auth(qm)).send({ recipient: 'igj', reference: 'IGJ-55' }).expect(201);
    await t.http.post(`/api/v1/incidents/${incidentId}/notes`).set(auth(qm)).send({ note: 'Root cause: training data lacked supine films' }).expect(200);
    await t.http.post(`/api/v1/incidents/${incidentId}/close`).set(auth(qm)).send({ conclusion: 'Supplier released 2.3.2' }).expect(200);
    const view = (await get()).body;
    expect(view).toMatchObject({ status: 'closed', overdue: false, nextDeadline: null });
    await t.catchUp();
    const closed = await t.http.get('/api/v1/incidents?status=closed').set(auth(legal)).expect(200);
    expect(closed.body.items.map((i: { incidentId: string }) => i.incidentId)).toEqual([incidentId]);
    const systems = await t.http.get('/api/v1/incidents/systems').set(auth(legal)).expect(200);
    expect(systems.body.items).toEqual([{ aiSystemId: systemId, total: 1, open: 0, serious: 1, suspended: true }]);
  });

  it('shows the whole history in order, with business time and recorded time', async () => {
    const res = await t.http.get(`/api/v1/incidents/${incidentId}/history`).set(auth(legal)).expect(200);
    const items = res.body.items as Array<{
      type: string;
      position: number;
      recordedAt: string;
      occurredAt: string;
      actor: { role: string };
      data: Record<string, unknown>;
    }>;
    expect(items.map((i) => i.type.replace('incidents.', ''))).toEqual([
      'IncidentDetected',
      'AwarenessEstablished',
      'DeadlinesComputed',
      'IncidentClassified',
      'DeadlinesComputed',
      'ProviderUnreachable',
      'DeadlinesComputed',
      'IncidentClassified',
      'DeadlinesComputed',
      'SupplierNotified',
      'ReportDeliveryFailed',
      'ReportDeliveryFailed',
      'ReportDelivered',
      'SupplierAcknowledged',
      'SystemUseSuspended',
      'AuthorityNotified',
      'CalamityEstablished',
      'DeadlinesComputed',
      'AuthorityNotified',
      'InvestigationNoteAdded',
      'IncidentClosed',
    ]);
    const positions = items.map((i) => i.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    for (const i of items) expect(i.recordedAt && i.occurredAt).toBeTruthy();
    expect(items[0]).toMatchObject({ actor: { subject: 'alice', role: 'clinician' }, data: { narrative: { text: NARRATIVE } } });
    expect(items[10].data).toMatchObject({ httpStatus: 503, attempt: 1 });
    expect(items[13].actor).toEqual({ subject: 'supplier:Acme Imaging B.V.', role: 'supplier' });
    expect(items[14].data).toMatchObject({ aiSystemId: systemId, alreadySuspended: false, suspendedBy: { subject: 'qm-1' } });
    expect(items[9].data).not.toHaveProperty('report');
    // The unreachable provider's reasons are free text: shown decrypted to the lawyer, stored encrypted.
    expect(items[5].data).toMatchObject({ reasons: { text: 'Phone and e-mail unanswered for 6 hours' } });
  });

  it('records every read of the incident in the NEN 7513 access log, naming the patient', async () => {
    const view = (await t.http.get(`/api/v1/incidents/${incidentId}`).set(auth(legal)).expect(200)).body;
    const auditor = await t.token('auditor', 'audit-1');
    const log = (await t.http.get(`/api/v1/access-log?subject=${view.patientPseudonyms[0]}`).set(auth(auditor)).expect(200)).body;
    const reads = log.items.filter((e: { action: string }) => e.action.startsWith('read-incident'));
    expect(reads.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['read-incident', 'read-incident-history']));
    expect(reads.some((e: { actor: { subject: string } }) => e.actor.subject === 'lawyer-1')).toBe(true);
  });

  it('reopens a closed incident', async () => {
    await t.http.post(`/api/v1/incidents/${incidentId}/reopen`).set(auth(qm)).send({ reason: 'New information from the supplier' }).expect(200);
    expect((await get()).body.status).toBe('open');
  });

  it("counts the IGJ's 3 working days after establishment in Dutch working days: across Easter 2026, due at midnight in Amsterdam, the calendar on record", async () => {
    // IGJ: "Binnen 3 werkdagen nadat u heeft vastgesteld dat het om een calamiteit gaat"; Algemene termijnenwet art. 3: Good Friday (3 April) and Easter Monday (6 April) are no working days.
    const res = await t.http
      .post('/api/v1/incidents')
      .set(auth(qm))
      .send({
        aiSystemId: systemId,
        narrative: 'Wrong dose advice',
        occurredAt: '2026-04-01T06:00:00Z',
        awareAt: '2026-04-01T08:00:00Z',
        awarenessReason: 'Ward report',
      })
      .expect(201);
    const id = res.body.incidentId;
    await t.http
      .post(`/api/v1/incidents/${id}/classification`)
      .set(auth(qm))
      .send({ serious: true, criteria: criteria({ seriousHarmToHealth: true }), wkkgzCalamity: true, rationale: 'Calamity' })
      .expect(200);
    await t.http
      .post(`/api/v1/incidents/${id}/calamity-establishment`)
      .set(auth(qm))
      .send({ establishedAt: '2026-04-01T08:00:00Z', reasons: 'Calamity committee, same morning' })
      .expect(200);
    const view = (await t.http.get(`/api/v1/incidents/${id}`).set(auth(qm)).expect(200)).body;
    const igj = view.deadlines.find((d: { recipient: string }) => d.recipient === 'igj');
    expect(igj.dueAt).toBe('2026-04-08T21:59:59.999Z'); // Wednesday 8 April, 23:59:59.999 summer time
    expect(igj.basis).toMatch(/Dutch working days \(Europe\/Amsterdam; .*5 May a holiday; J4\)/);
    const computed = (await t.store.readStream(`incident-${id}`)).filter((e) => e.type === 'incidents.DeadlinesComputed');
    expect(computed.at(-1)!.data).toMatchObject({
      policy: {
        providerInformHours: 24,
        authorityInformHours: 24,
        igjWorkingDays: 3,
        liberationDayIsHoliday: true,
        aiActBeforeApplication: true,
        adoptedBy: null,
      },
      scope: { aiActRiskClass: 'high', mdrClass: 'none', inHouseDevice: false },
      rulebookVersion: expect.stringMatching(/^\d{4}-\d{2}-\d{2}\.\d+$/),
    });
  });

  describe('bad input writes nothing and answers problem+json', () => {
    const expectProblem = async (req: Promise<{ status: number; headers: Record<string, string>; body: { code: string } }>, status: number, code: string) => {
      const before = await t.eventCount();
      const res = await req;
      expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(await t.eventCount()).toBe(before);
    };

    it('refuses a classification without criteria', async () => {
      const url = `/api/v1/incidents/${incidentId}/classification`;
      await expectProblem(t.http.post(url).set(auth(qm)).send({ serious: true, wkkgzCalamity: false }), 400, 'validation-failed');
      await expectProblem(
        t.http
          .post(url)
          .set(auth(qm))
          .send({ serious: true, criteria: criteria({}), wkkgzCalamity: false, rationale: 'x' }),
        400,
        'criteria-required',
      );
    });

    it('refuses a notification dated before the incident was detected', async () => {
      await expectProblem(
        t.http.post(`/api/v1/incidents/${incidentId}/notifications`).set(auth(qm)).send({ recipient: 'igj', notifiedAt: '2020-01-01T00:00:00Z' }),
        422,
        'notified-before-detection',
      );
    });

    it('refuses writes to an unknown incident and hides it on read', async () => {
      const unknown = '01936f0e-8a4b-7c3d-9e2f-0123456789ab';
      await expectProblem(t.http.post(`/api/v1/incidents/${unknown}/notes`).set(auth(qm)).send({ note: 'x' }), 404, 'incident-not-found');
      await expectProblem(t.http.post(`/api/v1/incidents/${unknown}/notifications`).set(auth(qm)).send({ recipient: 'igj' }), 404, 'incident-not-found');
      await expectProblem(t.http.get(`/api/v1/incidents/${unknown}/history`).set(auth(qm)), 404, 'incident-not-found');
      await expectProblem(t.http.get('/api/v1/incidents/not-a-uuid').set(auth(qm)), 400, 'invalid-id');
    });

    it('refuses an incident on an unknown system, and a review another clinician recorded', async () => {
      const bob = await t.token('clinician', 'bob');
      await expectProblem(
        t.http.post('/api/v1/incidents').set(auth(qm)).send({ aiSystemId: '01936f0e-8a4b-7c3d-9e2f-0123456789ab', narrative: 'x' }),
        404,
        'ai-system-not-found',
      );
      await expectProblem(
        t.http
          .post('/api/v1/incidents')
          .set(auth(bob))
          .send({ aiSystemId: systemId, narrative: 'x', linkedReviewIds: [reviewId] }),
        403,
        'not-your-review',
      );
    });
  });
});

function criteria(set: Record<string, boolean>) {
  return { ...NO_CRITERIA, ...set };
}
