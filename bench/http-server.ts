/**
 * The real application on a fresh embedded SQLite store, for the HTTP benchmark. Started as a
 * child process (so autocannon in the parent does not share its event loop); sends
 * `{ url, token, aiSystemId, feedToken }` over IPC once it listens, and exits on SIGTERM.
 */
import type { INestApplication } from '@nestjs/common';
import { createApp } from '@app/api';
import { issueLocalToken, KEY_MATERIAL, type KeyMaterial } from '@app/identity';
import { newTestStorage } from '../test/support/test-storage';

async function main() {
  const storage = newTestStorage('sqlite');
  process.env.DATA_DIR = storage.config.dataDir;
  // One token drives the whole load: the per-user write limit is not what the benchmark measures.
  process.env.WRITES_PER_MINUTE ??= '0';
  const app: INestApplication = await createApp(storage.config);
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as import('node:http').Server).address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  const keys = app.get<KeyMaterial>(KEY_MATERIAL);
  const admin = await issueLocalToken(keys.tokenSigning, { sub: 'admin-1', role: 'admin' });
  const token = await issueLocalToken(keys.tokenSigning, { sub: 'clinician-1', role: 'clinician' });
  const res = await fetch(`${url}/api/v1/ai-systems`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    body: JSON.stringify({
      name: 'ChestXR Triage',
      supplier: { name: 'Acme Imaging B.V.', incidentContactEmail: 'vigilance@acme.example' },
      version: '2.3.1',
      intendedPurpose: 'Flags suspected pneumothorax on chest X-rays for radiologist review',
      aiActRiskClass: 'high',
      mdrClass: 'IIa',
      inHouseDevice: false,
      ifuVersion: 'IFU-2.3',
      // clinician-1 oversees it, so the worklist benchmark has a list (bench/scenarios/worklist.ts).
      oversightPersons: ['dr. A. de Vries', 'clinician-1'],
    }),
  });
  if (res.status !== 201) throw new Error(`Registering the AI system failed: ${res.status} ${await res.text()}`);
  const { aiSystemId } = (await res.json()) as { aiSystemId: string };
  // The AI-output feed's machine client, bound to that system (bench/scenarios/feed.ts).
  const feedToken = await issueLocalToken(keys.tokenSigning, { sub: 'pacs-bridge', role: 'ai-system', aiSystem: aiSystemId });
  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    const events = await fetch(`${url}/metrics`).then(
      () => undefined,
      () => undefined,
    );
    void events;
    const rss = Math.round(process.resourceUsage().maxRSS / 1024);
    await app.close();
    await storage.cleanup();
    process.send?.({ stopped: true, peakRssMb: rss });
    process.exit(0);
  };
  process.on('message', (m: { stop?: boolean; cpu?: boolean }) => {
    if (m?.stop) void stop();
    // The server's CPU so far (all threads), for bench/profile-feed.ts.
    if (m?.cpu) process.send!({ cpu: process.cpuUsage() });
  });
  process.send!({ url, token, aiSystemId, feedToken });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
