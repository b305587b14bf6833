import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApp } from '@app/api';
import { EVENT_STORE, type EventStore, SqlDatabase } from '@app/event-store';
import { issueLocalToken, KEY_MATERIAL, type KeyMaterial, loadKeyMaterial, masterKeyIdOf } from '@app/identity';
import { CLI } from '../support/child-api';
import { aiSystemBody, sha256Hex } from '../support/test-app';
import { newTestStorage, type TestStorage } from '../support/test-storage';

const run = promisify(execFile);

/** `registry keys rotate-master`: data keys re-wrapped under a new master key, no event re-encrypted. */
describe('master key rotation (CLI)', () => {
  let storage: TestStorage;
  let app: INestApplication | undefined;
  const start = async () => {
    app = await createApp(storage.config);
    const keys = app.get<KeyMaterial>(KEY_MATERIAL);
    return { http: request(app.getHttpServer()), token: (role: 'admin' | 'clinician', sub: string) => issueLocalToken(keys.tokenSigning, { role, sub }) };
  };

  beforeAll(() => {
    storage = newTestStorage();
    process.env.DATA_DIR = storage.config.dataDir;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.cleanup();
  });

  it('re-wraps every data key, replaces keys/master.key, records the rotation, and old text stays readable', async () => {
    let s = await start();
    const admin = { Authorization: `Bearer ${await s.token('admin', 'admin-1')}` };
    const alice = { Authorization: `Bearer ${await s.token('clinician', 'alice')}` };
    const systemId = (await s.http.post('/api/v1/ai-systems').set(admin).send(aiSystemBody()).expect(201)).body.aiSystemId;
    const body = {
      aiSystemId: systemId,
      modelVersion: '2.3.1',
      outputReference: 'pacs://1',
      outputSha256: sha256Hex('x'),
      decision: 'rejected',
      reason: 'Missed it',
    };
    const reviewId = (
      await s.http
        .post('/api/v1/reviews')
        .set(alice)
        .send({ ...body, patientId: 'NL-KEY-1' })
        .expect(201)
    ).body.reviewId;
    await s.http
      .post('/api/v1/reviews')
      .set(alice)
      .send({ ...body, patientId: 'NL-KEY-2' })
      .expect(201);
    const oldId = app!.get<KeyMaterial>(KEY_MATERIAL).masterKey.id;
    const eventsBefore = JSON.stringify(await app!.get<EventStore>(EVENT_STORE).readAll(0, 100));
    await app!.close();
    app = undefined;

    const newKey = randomBytes(32);
    const keyFile = join(storage.config.dataDir, 'new-master.key');
    writeFileSync(keyFile, newKey.toString('base64'), { mode: 0o600 });
    const { stdout } = await run(process.execPath, [CLI, 'keys', 'rotate-master', '--new-key-file', keyFile], {
      env: { ...process.env, ...storage.env, LOG_LEVEL: 'warn' },
    });
    expect(stdout).toContain(`Re-wrapped 2 data keys from ${oldId} to ${masterKeyIdOf(newKey)}`);
    expect(loadKeyMaterial(storage.config).masterKey.key.equals(newKey)).toBe(true);

    s = await start();
    const rows = await app!.get(SqlDatabase).query<{ wrapping_key_id: string }>('SELECT wrapping_key_id FROM subject_keys');
    expect(rows.map((r) => r.wrapping_key_id)).toEqual([masterKeyIdOf(newKey), masterKeyIdOf(newKey)]);
    const got = await s.http
      .get(`/api/v1/reviews/${reviewId}`)
      .set({ Authorization: `Bearer ${await s.token('clinician', 'alice')}` })
      .expect(200);
    expect(got.body.reason).toEqual({ text: 'Missed it', erased: false });
    const events = await app!.get<EventStore>(EVENT_STORE).readAll(0, 100);
    expect(JSON.stringify(events.slice(0, -1))).toBe(eventsBefore);
    expect(events[events.length - 1]).toMatchObject({ type: 'identity.MasterKeyRotated', data: { from: oldId, to: masterKeyIdOf(newKey), rewrapped: 2 } });

    // Rotating to the key in use is refused.
    await expect(
      run(process.execPath, [CLI, 'keys', 'rotate-master', '--new-key-file', keyFile], { env: { ...process.env, ...storage.env } }),
    ).rejects.toMatchObject({ code: 1 });
  });
});
