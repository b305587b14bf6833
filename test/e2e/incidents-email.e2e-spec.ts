import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerEnvelope } from 'smtp-server';
import { PSEUDONYM_IN_TEXT } from '@app/identity';
import { NO_CRITERIA } from '@app/incidents';
import { aiSystemBody, sha256Hex, startTestApp, type TestApp, rawBody } from '../support/test-app';
import { eventually } from '../reliability/support';

const SECRET = 'mailer-shared-secret-0123456789';
const SUPPLIER = 'Mailer Imaging B.V.';
const SUPPLIER_EMAIL = 'vigilance@mailer.example';
const NARRATIVE = 'AI triage missed a fracture; the patient was sent home and returned in pain';

interface Received {
  raw: string;
  envelope: SMTPServerEnvelope;
}

/**
 * The supplier's mail server: a real SMTP server (smtp-server) on a free local port that wants
 * a login, refuses the first message after DATA (451) and accepts the next.
 */
async function startMailServer(): Promise<{ server: SMTPServer; port: number; received: Received[]; attempts: () => number }> {
  const received: Received[] = [];
  let attempts = 0;
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === 'registry' && auth.password === 'p@ss:word') callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        attempts += 1;
        if (attempts === 1) {
          callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }));
          return;
        }
        received.push({ raw: Buffer.concat(chunks).toString('utf8'), envelope: session.envelope });
        callback(null, 'Queued as TEST-1');
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
  return { server, port, received, attempts: () => attempts };
}

/** A header of the message (unfolded). */
function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  return new RegExp(`^${name}: *(.*)$`, 'im').exec(head)?.[1]?.trim();
}

/** The bytes of a base64 attachment in a multipart message, by file name. */
function attachment(raw: string, filename: string): { bytes: Buffer; headers: string } {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(raw)?.[1];
  if (!boundary) throw new Error('not a multipart message');
  const part = raw.split(`--${boundary}`).find((p) => new RegExp(`filename="?${filename.replace('.', '\\.')}"?`).test(p));
  if (!part) throw new Error(`no attachment ${filename}`);
  const [headers, ...body] = part.replace(/^\r?\n/, '').split(/\r?\n\r?\n/);
  expect(headers).toMatch(/Content-Transfer-Encoding: base64/i);
  return { bytes: Buffer.from(body.join('').replace(/\s+/g, ''), 'base64'), headers };
}

describe('Serious incidents: email delivery and linking an existing suspension (HTTP, SMTP)', () => {
  let t: TestApp;
  let mail: Awaited<ReturnType<typeof startMailServer>>;
  let qm: string;
  let systemId: string;
  let incidentId: string;
  const savedEnv = { ...process.env };
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    mail = await startMailServer();
    Object.assign(process.env, {
      SUPPLIER_WEBHOOKS: JSON.stringify({ [SUPPLIER]: { email: SUPPLIER_EMAIL, secret: SECRET } }),
      SMTP_URL: `smtp://registry:${encodeURIComponent('p@ss:word')}@127.0.0.1:${mail.port}`,
      SMTP_FROM: '"Oversight registry" <registry@hospital.example>',
      INCIDENT_DELIVERY_BASE_MS: '50',
      INCIDENT_DELIVERY_POLL_MS: '25',
      HOSPITAL_NAME: 'Test Hospital',
    });
    t = await startTestApp();
    const admin = await t.token('admin', 'admin-1');
    qm = await t.token('quality-manager', 'qm-1');
    const system = await t.http
      .post('/api/v1/ai-systems')
      .set(auth(admin))
      .send(aiSystemBody({ name: 'FractureFinder', supplier: { name: SUPPLIER, incidentContactEmail: SUPPLIER_EMAIL }, mdrClass: 'none' }))
      .expect(201);
    systemId = system.body.aiSystemId;
    const incident = await t.http
      .post('/api/v1/incidents')
      .set(auth(qm))
      .send({ aiSystemId: systemId, narrative: NARRATIVE, patientIds: ['NL-123 456 789'] })
      .expect(201);
    incidentId = incident.body.incidentId;
    await t.http
      .post(`/api/v1/incidents/${incidentId}/classification`)
      .set(auth(qm))
      .send({ serious: true, criteria: { ...NO_CRITERIA, seriousHarmToHealth: true }, wkkgzCalamity: false })
      .expect(200);
  });

  afterAll(async () => {
    await t?.close();
    await new Promise<void>((r) => (mail ? mail.server.close(() => r()) : r()));
    process.env = savedEnv;
  });

  const get = () => t.http.get(`/api/v1/incidents/${incidentId}`).set(auth(qm)).expect(200);

  it('mails the exact report bytes as report.json after a refused first attempt, and records both with the channel', async () => {
    const res = await t.http.post(`/api/v1/incidents/${incidentId}/notifications`).set(auth(qm)).send({ recipient: 'provider' }).expect(202);
    const { notificationId } = res.body;
    expect(res.body.channel).toBe('email');

    const view = await eventually(async () => {
      const body = (await get()).body;
      return body.notifications[0]?.status === 'delivered' ? body : undefined;
    });
    expect(view.notifications[0]).toMatchObject({ notificationId, channel: 'email', destination: `mailto:${SUPPLIER_EMAIL}`, attempts: 2 });
    expect(view.deadlines.find((d: { recipient: string }) => d.recipient === 'provider').metAt).toBe(view.notifications[0].deliveredAt);
    expect(mail.attempts()).toBe(2);
    expect(mail.received).toHaveLength(1);

    const events = await t.store.readStream(`incident-${incidentId}`);
    const queued = events.find((e) => e.type === 'incidents.SupplierNotified')!;
    const failed = events.find((e) => e.type === 'incidents.ReportDeliveryFailed')!;
    const delivered = events.find((e) => e.type === 'incidents.ReportDelivered')!;
    expect(queued.data).toMatchObject({ channel: 'email', destination: `mailto:${SUPPLIER_EMAIL}` });
    expect(failed.data).toMatchObject({ channel: 'email', attempt: 1, httpStatus: null, destination: `mailto:${SUPPLIER_EMAIL}` });
    expect(failed.data.error).toMatch(/451/);
    expect(failed.data.nextAttemptAt).toEqual(expect.any(String));
    expect(delivered.data).toMatchObject({ channel: 'email', attempt: 2, httpStatus: null, reportSha256: queued.data.reportSha256 });
    expect(delivered.data.smtpResponse).toMatch(/^250 /);

    const [{ raw, envelope }] = mail.received;
    expect(envelope.mailFrom).toMatchObject({ address: 'registry@hospital.example' });
    expect(envelope.rcptTo.map((r) => r.address)).toEqual([SUPPLIER_EMAIL]);
    const { bytes, headers } = attachment(raw, 'report.json');
    expect(headers).toMatch(/Content-Type: application\/json/i);
    expect(sha256Hex(bytes.toString('utf8'))).toBe(queued.data.reportSha256);
    expect(header(raw, 'X-Oversight-Report-SHA256')).toBe(queued.data.reportSha256);
    expect(header(raw, 'X-Oversight-Signature')).toBe(`sha256=${createHmac('sha256', SECRET).update(bytes).digest('hex')}`);
    expect(header(raw, 'X-Oversight-Delivery')).toBe(notificationId);
    expect(header(raw, 'X-Oversight-Attempt')).toBe('2');
    expect(header(raw, 'Message-ID')).toBe(`<${notificationId}@hospital.example>`);
    expect(header(raw, 'Subject')).toContain('FractureFinder');
    // Health data only in the attachment; no pseudonyms anywhere.
    expect(raw).not.toContain('fracture; the patient');
    expect(raw).not.toMatch(PSEUDONYM_IN_TEXT);

    const stored = await t.http
      .get(`/api/v1/incidents/${incidentId}/reports/${notificationId}`)
      .set(auth(qm))
      .buffer(true)
      .parse(rawBody as never)
      .expect(200);
    expect((stored.body as Buffer).equals(bytes)).toBe(true);

    const report = JSON.parse(bytes.toString('utf8'));
    expect(report).toMatchObject({ incident: { incidentId, description: NARRATIVE }, aiSystem: { provider: SUPPLIER } });
    await t.http
      .post(`/api/v1/incidents/${incidentId}/acknowledgements`)
      .send({ notificationId, token: report.acknowledge.token, supplierReference: 'MAILER-9' })
      .expect(200);
    expect((await get()).body.notifications[0]).toMatchObject({ supplierReference: 'MAILER-9' });
  });

  it('refuses a webhook to a supplier that has only an email address, and email to an authority, writing nothing', async () => {
    const before = await t.eventCount();
    const url = `/api/v1/incidents/${incidentId}/notifications`;
    const webhook = await t.http.post(url).set(auth(qm)).send({ recipient: 'provider', channel: 'webhook' }).expect(422);
    expect(webhook.body.code).toBe('no-supplier-endpoint');
    const authority = await t.http.post(url).set(auth(qm)).send({ recipient: 'igj', channel: 'email' }).expect(422);
    expect(authority.body.code).toBe('channel-not-supported');
    expect(authority.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(await t.eventCount()).toBe(before);
  });

  it('links a suspension someone else already made, with alreadySuspended, once', async () => {
    await t.http.post(`/api/v1/ai-systems/${systemId}/suspension`).set(auth(qm)).send({ reason: 'Supplier field safety notice' }).expect(200);
    const systemEvents = await t.store.readStream(`ai-system-${systemId}`);
    const before = systemEvents.length;
    const url = `/api/v1/incidents/${incidentId}/system-suspension`;
    await t.http.post(url).set(auth(qm)).send({ reason: 'Also this incident' }).expect(200);
    expect(await t.store.readStream(`ai-system-${systemId}`)).toHaveLength(before); // no second suspension
    const view = (await get()).body;
    expect(view.suspensions).toMatchObject([{ alreadySuspended: true, systemSuspendedAt: systemEvents[before - 1].data.suspendedAt }]);
    const again = await t.http.post(url).set(auth(qm)).send({ reason: 'Again' }).expect(409);
    expect(again.body.code).toBe('suspension-already-linked');
  });
});
