import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NO_CRITERIA } from '@app/incidents';
import { eventually } from '../reliability/support';
import { aiSystemBody, startTestApp, type TestApp } from '../support/test-app';

const SECRET = 'resend-webhook-secret-0123456789';

/**
 * Before sending, the quality manager reads the report as it would go out (nothing written); a
 * report the worker gave up on is sent again on request: the same bytes, one more attempt.
 */
describe('Report preview and re-send (HTTP)', () => {
  let t: TestApp;
  let server: Server;
  let up = false;
  const bodies: Buffer[] = [];
  const savedEnv = { ...process.env };
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks));
        res.writeHead(up ? 204 : 503).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    Object.assign(process.env, {
      SUPPLIER_WEBHOOKS: JSON.stringify({ 'Acme Imaging B.V.': { url, secret: SECRET } }),
      INCIDENT_DELIVERY_BASE_MS: '20',
      INCIDENT_DELIVERY_POLL_MS: '20',
      INCIDENT_DELIVERY_MAX_ATTEMPTS: '2',
    });
    t = await startTestApp();
  });

  afterAll(async () => {
    await t?.close();
    await new Promise((r) => server?.close(r));
    process.env = savedEnv;
  });

  it('previews without writing, gives up after the attempts, and sends the same bytes again on request', async () => {
    const qm = await t.token('quality-manager', 'qm-1');
    const systemId = (
      await t.http
        .post('/api/v1/ai-systems')
        .set(auth(await t.token('admin')))
        .send(aiSystemBody())
        .expect(201)
    ).body.aiSystemId;
    const id = (
      await t.http
        .post('/api/v1/incidents')
        .set(auth(qm))
        .send({ aiSystemId: systemId, narrative: 'Triage score wrong for a child', patientIds: ['NL-55'] })
        .expect(201)
    ).body.incidentId;
    await t.http
      .post(`/api/v1/incidents/${id}/classification`)
      .set(auth(qm))
      .send({ serious: true, criteria: { ...NO_CRITERIA, seriousHarmToHealth: true }, wkkgzCalamity: false })
      .expect(200);

    const before = await t.eventCount();
    const preview = (await t.http.get(`/api/v1/incidents/${id}/report-preview?recipient=provider&actionsTaken=Suspended`).set(auth(qm)).expect(200)).body;
    expect(preview).toMatchObject({
      reportType: 'ai-act-art73-serious-incident',
      notificationId: 'preview',
      incident: { description: 'Triage score wrong for a child' },
    });
    const html = await t.http.get(`/api/v1/incidents/${id}/report-preview?recipient=manufacturer&as=html`).set(auth(qm)).expect(200);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    await t.http
      .get(`/api/v1/incidents/${id}/report-preview`)
      .set(auth(await t.token('legal')))
      .expect(403);
    expect((await t.http.get(`/api/v1/incidents/${id}/report-preview?recipient=igj`).set(auth(qm)).expect(400)).body.errors[0].field).toBe('recipient');
    await t.catchUp();
    // Nothing written but the NEN 7513 access-log entry: reading the preview reads the patient's data.
    const written = (await t.store.readAll(before, 100)).map((e) => e.type);
    expect(written.every((type) => type.startsWith('identity.'))).toBe(true);

    const sent = await t.http.post(`/api/v1/incidents/${id}/notifications`).set(auth(qm)).send({ recipient: 'provider' }).expect(202);
    const nid = sent.body.notificationId as string;
    const view = () =>
      t.http
        .get(`/api/v1/incidents/${id}`)
        .set(auth(qm))
        .expect(200)
        .then((r) => r.body as { notifications: Array<{ status: string; attempts: number }> });
    await eventually(async () => ((await view()).notifications[0].status === 'gave-up' ? true : undefined));
    expect(bodies).toHaveLength(2);

    // Re-send is for a report the worker gave up on, and only by the quality manager.
    await t.http
      .post(`/api/v1/incidents/${id}/notifications/${nid}/resend`)
      .set(auth(await t.token('clinician')))
      .expect(403);
    up = true;
    await t.http.post(`/api/v1/incidents/${id}/notifications/${nid}/resend`).set(auth(qm)).expect(200);
    const delivered = await eventually(async () => {
      const n = (await view()).notifications[0];
      return n.status === 'delivered' ? n : undefined;
    });
    expect(delivered.attempts).toBe(3);
    expect(bodies).toHaveLength(3);
    expect(bodies[2].equals(bodies[0])).toBe(true);
    const again = await t.http.post(`/api/v1/incidents/${id}/notifications/${nid}/resend`).set(auth(qm)).expect(409);
    expect(again.body.code).toBe('report-not-given-up');
    const events = (await t.store.readStream(`incident-${id}`)).map((e) => e.type);
    expect(events.filter((e) => e === 'incidents.ReportResendRequested')).toHaveLength(1);
  });
});
