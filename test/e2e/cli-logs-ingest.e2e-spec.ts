import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI } from '../support/child-api';
import { aiSystemBody, startTestApp } from '../support/test-app';
import type { TestStorage } from '../support/test-storage';

const run = promisify(execFile);

/**
 * `registry logs ingest`: a log file of several chunks goes into the blob store exactly as it is
 * (the bytes counted on the way for the progress bar are the bytes stored), and the same content
 * again is recorded once.
 */
describe('registry logs ingest', () => {
  let storage: TestStorage;
  let system: string;
  const folder = mkdtempSync(join(tmpdir(), 'ingest-'));

  beforeAll(async () => {
    const t = await startTestApp();
    storage = t.storage;
    system = (
      await t.http
        .post('/api/v1/ai-systems')
        .set('Authorization', `Bearer ${await t.token('admin')}`)
        .send(aiSystemBody())
        .expect(201)
    ).body.aiSystemId;
    await t.app.close();
  }, 60_000);
  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    await storage?.cleanup();
  });

  it('stores the file byte for byte under its SHA-256 and records it once', async () => {
    // ~1.5 MB of lines: many read chunks of the file stream.
    const lines = Array.from({ length: 12_000 }, (_, i) =>
      JSON.stringify({ at: '2026-11-01T00:00:00Z', inference: i, noise: randomBytes(48).toString('hex') }),
    );
    const file = join(folder, 'inference.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const bytes = readFileSync(file);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const env = { ...process.env, ...storage.env, LOG_LEVEL: 'warn' };
    const args = [CLI, 'logs', 'ingest', file, '--system', system, '--from', '2026-11-01T00:00:00Z', '--to', '2026-11-02T00:00:00Z'];

    const first = await run(process.execPath, args, { env });
    expect(first.stdout).toMatch(new RegExp(`^Recorded [0-9a-f-]{36}  sha256 ${sha}  ${bytes.length} bytes$`, 'm'));
    const stored = readFileSync(join(storage.config.dataDir, 'blobs', 'sha256', sha.slice(0, 2), sha.slice(2, 4), sha));
    expect(stored.equals(bytes)).toBe(true);

    const again = await run(process.execPath, args, { env });
    expect(again.stdout).toMatch(new RegExp(`^Already recorded [0-9a-f-]{36}  sha256 ${sha}`, 'm'));
  }, 120_000);
});
