import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CLOCK, type Clock } from '@app/event-store';
import { RetentionPurger } from '@app/retention';
import { startS3Server, type TestS3Server } from '../support/s3-server';
import { aiSystemBody, rawBody, sha256Hex, startTestApp, type TestApp } from '../support/test-app';

const T0 = '2027-01-01T00:00:00.000Z';
const month = (n: number) => new Date(Date.UTC(2027, n, 1)).toISOString();

/** The API with BLOB_STORE=s3 against a real S3-protocol server: ingest, download, purge, crash-safe purge. */
describe('Log retention with the S3 blob store (HTTP)', () => {
  let s3: TestS3Server;
  let client: S3Client;
  let t: TestApp;
  let clock: Clock;
  let qm: string;
  let lawyer: string;
  const saved = { ...process.env };
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const objects = async () => ((await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }))).Contents ?? []).map((o) => o.Key!);

  beforeAll(async () => {
    s3 = await startS3Server();
    Object.assign(process.env, s3.env, { S3_PREFIX: 'registry/' });
    client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true });
    t = await startTestApp();
    clock = t.app.get<Clock>(CLOCK);
    clock.travelTo(T0);
    [qm, lawyer] = await Promise.all([t.token('quality-manager', 'qm-1'), t.token('legal', 'lena')]);
  });
  afterAll(async () => {
    await t?.close();
    client?.destroy();
    await s3?.close();
    process.env = saved;
  });

  async function systemPurgedAfterSixMonths(): Promise<string> {
    const admin = await t.token('admin');
    const system = (await t.http.post('/api/v1/ai-systems').set(auth(admin)).send(aiSystemBody()).expect(201)).body.aiSystemId;
    await t.http
      .post('/api/v1/retention-policies')
      .set(auth(qm))
      .send({ aiSystemId: system, minimumMonths: 6, maximumMonths: 6, legalBasis: 'test' })
      .expect(201);
    return system;
  }
  const upload = (system: string, body: string) =>
    t.http
      .post(`/api/v1/log-artefacts?system=${system}&from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z`)
      .set({ ...auth(qm), 'Content-Type': 'application/x-ndjson', 'X-Content-SHA256': sha256Hex(body) })
      .send(Buffer.from(body));

  it('reports the S3 store in /health', async () => {
    const health = await t.http.get('/health').expect(200);
    expect(health.body.info.blobs).toEqual({ status: 'up', store: 's3' });
  });

  it('keeps uploads in the bucket, once, serves them back and purges them', async () => {
    const system = await systemPurgedAfterSixMonths();
    const body = '{"ts":"2026-12-01T10:00:00Z","event":"inference","score":0.42}\n'.repeat(2000);
    const sha = sha256Hex(body);
    const first = await upload(system, body).expect(201);
    expect(first.body).toMatchObject({ sha256: sha, sizeBytes: body.length, duplicate: false });
    expect(await upload(system, body).expect(200)).toMatchObject({ body: { artefactId: first.body.artefactId, duplicate: true } });
    expect(await objects()).toEqual([`registry/sha256/${sha}`]);
    expect(existsSync(join(t.storage.config.dataDir, 'blobs'))).toBe(false);

    const download = await t.http
      .get(`/api/v1/log-artefacts/${first.body.artefactId}/content`)
      .set(auth(lawyer))
      .buffer(true)
      .parse(rawBody as never)
      .expect(200);
    expect((download.body as Buffer).toString()).toBe(body);

    clock.travelTo(month(7));
    await t.catchUp();
    const report = (await t.http.post('/api/v1/retention/purge-runs').set(auth(qm)).send({ dryRun: false }).expect(200)).body;
    expect(report.purged.map((p: { artefactId: string }) => p.artefactId)).toEqual([first.body.artefactId]);
    expect(await objects()).toEqual([]);
    await t.http.get(`/api/v1/log-artefacts/${first.body.artefactId}/content`).set(auth(lawyer)).expect(410);
    clock.travelTo(T0);
  });

  it('keeps the blob when S3 is down after the tombstone, and the next run deletes it', async () => {
    const system = await systemPurgedAfterSixMonths();
    const { body } = await upload(system, 'kept until the bucket answers again\n').expect(201);
    clock.travelTo(month(7));
    await t.catchUp();
    const purger = t.app.get(RetentionPurger);
    const actor = { subject: 'qm-1', role: 'quality-manager' as const };
    await expect(purger.run({ dryRun: false, actor, afterTombstones: () => s3.stop() })).rejects.toThrow();
    await s3.start();
    expect(await objects()).toEqual([`registry/sha256/${body.sha256}`]);
    expect((await t.http.get(`/api/v1/log-artefacts/${body.artefactId}`).set(auth(qm)).expect(200)).body.history.at(-1).type).toBe(
      'retention.LogArtefactPurged',
    );
    expect((await t.http.get('/health').expect(200)).body.info.blobs.status).toBe('up');

    const again = await purger.run({ dryRun: false, actor });
    expect({ reconciled: again.reconciled, purged: again.purged.length }).toEqual({ reconciled: 1, purged: 0 });
    expect(await objects()).toEqual([]);
    clock.travelTo(T0);
  });

  it('answers 503 blob-store-unavailable (and /health 503) while the bucket cannot be reached, and records nothing', async () => {
    const system = await systemPurgedAfterSixMonths();
    const stored = await upload(system, 'stored before the outage\n').expect(201);
    await s3.stop();
    try {
      const health = await t.http.get('/health').expect(503);
      expect(health.body.checks.blobs).toMatchObject({ status: 'down', store: 's3' });
      const before = await t.eventCount();
      const refused = await upload(system, 'sent during the outage\n').expect(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.body).toMatchObject({ code: 'blob-store-unavailable', title: 'Service unavailable' });
      expect(await t.eventCount()).toBe(before);
      const download = await t.http.get(`/api/v1/log-artefacts/${stored.body.artefactId}/content`).set(auth(lawyer)).expect(503);
      expect(download.body.code).toBe('blob-store-unavailable');
    } finally {
      await s3.start();
    }
    await upload(system, 'sent during the outage\n').expect(201);
  });
});
