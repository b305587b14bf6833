import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { SqlDatabase, SqlEventStore } from '@app/event-store';
import { artefactIdFor, LogFolder, LogIngestService } from '@app/retention';
import { CLI, waitForExit } from '../support/child-api';
import { aiSystemBody, startTestApp, type TestApp } from '../support/test-app';
import { openTestDataSource, type TestStorage } from '../support/test-storage';

const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const actor = { subject: 'cli:ops', role: 'admin' };

/** The watched inbox folder for AI-system logs, with real files. */
describe('Log ingest from a watched folder', () => {
  let t: TestApp;
  let system: string;
  let inbox: string;
  let now: number;
  let folder: LogFolder;
  const recorded = async (content: string) => t.store.readStream(`log-${artefactIdFor(sha256(content))}`);

  beforeAll(async () => {
    t = await startTestApp();
    const admin = await t.token('admin');
    system = (await t.http.post('/api/v1/ai-systems').set('Authorization', `Bearer ${admin}`).send(aiSystemBody()).expect(201)).body.aiSystemId;
  });
  afterAll(async () => t?.close());

  beforeEach(async () => {
    inbox = mkdtempSync(join(tmpdir(), 'inbox-'));
    now = 1_000_000;
    folder = new LogFolder(t.app.get(LogIngestService), { dir: inbox, aiSystemId: system, stableMs: 2000, now: () => now }, actor);
    await folder.prepare();
  });
  afterEach(() => rmSync(inbox, { recursive: true, force: true }));

  it('takes a file only once it stopped changing, records it once and moves it to done/', async () => {
    const file = join(inbox, 'triage-2027-01-05.ndjson');
    const writer = await open(file, 'w');
    await writer.write('{"n":1}\n');
    expect((await folder.scan()).waiting).toEqual(['triage-2027-01-05.ndjson']);
    now += 5000;
    await writer.write('{"n":2}\n'); // still being written: the clock starts again
    expect((await folder.scan()).waiting).toEqual(['triage-2027-01-05.ndjson']);
    now += 1000;
    expect((await folder.scan()).ingested).toEqual([]);
    await writer.close();
    now += 2000;
    const scan = await folder.scan();
    const content = '{"n":1}\n{"n":2}\n';
    expect(scan.ingested).toEqual([
      { file: 'triage-2027-01-05.ndjson', artefactId: artefactIdFor(sha256(content)), sha256: sha256(content), duplicate: false },
    ]);
    expect(existsSync(file)).toBe(false);
    expect(readFileSync(join(inbox, 'done', 'triage-2027-01-05.ndjson'), 'utf8')).toBe(content);
    const [event] = await recorded(content);
    expect(event).toMatchObject({
      type: 'retention.LogArtefactRecorded',
      data: {
        aiSystemId: system,
        sizeBytes: content.length,
        source: { channel: 'folder', contentType: 'application/x-ndjson', filename: 'triage-2027-01-05.ndjson' },
      },
      metadata: { actor },
    });
    now += 10_000;
    expect(await folder.scan()).toEqual({ ingested: [], failed: [], waiting: [] });
    expect(await recorded(content)).toHaveLength(1);
  });

  it('leaves files named as in progress alone until they are renamed', async () => {
    writeFileSync(join(inbox, 'export.ndjson.part'), '{"partial":true}\n');
    writeFileSync(join(inbox, '.hidden.ndjson'), '{"hidden":true}\n');
    await folder.scan();
    now += 60_000;
    expect(await folder.scan()).toEqual({ ingested: [], failed: [], waiting: [] });
    renameSync(join(inbox, 'export.ndjson.part'), join(inbox, 'export.ndjson'));
    await folder.scan();
    now += 2000;
    expect((await folder.scan()).ingested.map((i) => i.file)).toEqual(['export.ndjson']);
    expect(readdirSync(inbox).sort()).toEqual(['.hidden.ndjson', 'done', 'failed']);
  });

  it('moves a file whose move a crash prevented without recording it twice', async () => {
    const content = '{"recorded":"before the crash"}\n';
    // The first attempt recorded the content and died before the rename.
    await t.app.get(LogIngestService).ingest(
      Readable.from([Buffer.from(content)]),
      {
        aiSystemId: system,
        periodFrom: '2027-01-01T00:00:00.000Z',
        periodTo: '2027-01-02T00:00:00.000Z',
        source: { channel: 'folder', contentType: 'application/x-ndjson', filename: 'again.ndjson' },
      },
      actor,
    );
    const events = await t.eventCount();
    writeFileSync(join(inbox, 'again.ndjson'), content);
    await folder.scan();
    now += 2000;
    expect((await folder.scan()).ingested).toEqual([expect.objectContaining({ file: 'again.ndjson', duplicate: true })]);
    expect(await t.eventCount()).toBe(events);
    expect(existsSync(join(inbox, 'done', 'again.ndjson'))).toBe(true);
  });

  it('sets refused content aside in failed/ with the reason, writing nothing', async () => {
    const events = await t.eventCount();
    writeFileSync(join(inbox, 'empty.ndjson'), '');
    await folder.scan();
    now += 2000;
    expect((await folder.scan()).failed).toEqual([{ file: 'empty.ndjson', code: 'empty-upload' }]);
    expect(JSON.parse(readFileSync(join(inbox, 'failed', 'empty.ndjson.error.json'), 'utf8'))).toMatchObject({ code: 'empty-upload' });
    expect(existsSync(join(inbox, 'failed', 'empty.ndjson'))).toBe(true);
    expect(await t.eventCount()).toBe(events);
  });

  it('keeps both files when a name comes back with other content', async () => {
    for (const content of ['{"day":1}\n', '{"day":2}\n']) {
      writeFileSync(join(inbox, 'daily.ndjson'), content);
      await folder.scan();
      now += 2000;
      expect((await folder.scan()).ingested).toHaveLength(1);
    }
    expect(readdirSync(join(inbox, 'done')).sort()).toEqual([`daily.${sha256('{"day":2}\n').slice(0, 12)}.ndjson`, 'daily.ndjson'].sort());
  });

  it('refuses to watch for an AI system that is not registered', async () => {
    const other = new LogFolder(t.app.get(LogIngestService), { dir: inbox, aiSystemId: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', stableMs: 0 }, actor);
    await expect(other.prepare()).rejects.toMatchObject({ code: 'ai-system-not-found' });
  });
});

/** `registry logs watch` as a process, killed with SIGKILL while it works and started again. */
describe('registry logs watch (child process)', () => {
  const FILES = 40;
  let storage: TestStorage;
  let ds: DataSource;
  let system: string;
  let inbox: string;
  const contents = Array.from({ length: FILES }, (_, i) => `{"n":${i},"line":"${'y'.repeat(2000)}"}\n`);

  beforeAll(async () => {
    const t = await startTestApp();
    storage = t.storage;
    const admin = await t.token('admin');
    system = (await t.http.post('/api/v1/ai-systems').set('Authorization', `Bearer ${admin}`).send(aiSystemBody()).expect(201)).body.aiSystemId;
    await t.app.close();
    ds = await openTestDataSource(storage);
    inbox = mkdtempSync(join(tmpdir(), 'inbox-cli-'));
  }, 60_000);
  afterAll(async () => {
    rmSync(inbox, { recursive: true, force: true });
    await ds?.destroy();
    await storage?.cleanup();
  });

  const watcher = (): ChildProcess =>
    spawn(process.execPath, [CLI, 'logs', 'watch', inbox, '--system', system, '--stable-ms', '300', '--interval-ms', '50'], {
      env: { ...process.env, ...storage.env, LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
  const done = () => (existsSync(join(inbox, 'done')) ? readdirSync(join(inbox, 'done')).length : 0);
  const until = async (ok: () => boolean, ms: number) => {
    for (const end = Date.now() + ms; !ok() && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
  };

  it('ingests every dropped file exactly once across kill -9 and restart', async () => {
    let child = watcher();
    // Writers drop files the safe way (written as .part, renamed when complete) or write them in place at once.
    for (let i = 0; i < FILES; i++) {
      const name = join(inbox, `log-${i}.ndjson`);
      if (i % 2) writeFileSync(name, contents[i]);
      else {
        writeFileSync(`${name}.part`, contents[i]);
        renameSync(`${name}.part`, name);
      }
    }
    await until(() => done() >= 5, 60_000);
    child.kill('SIGKILL');
    await waitForExit(child);
    expect(done()).toBeGreaterThanOrEqual(5);
    expect(done()).toBeLessThan(FILES);

    child = watcher();
    await until(() => done() === FILES, 60_000);
    child.kill('SIGTERM');
    await waitForExit(child);
    expect(child.exitCode).toBe(0);

    expect(readdirSync(inbox).sort()).toEqual(['done', 'failed']);
    const store = new SqlEventStore(new SqlDatabase(ds));
    for (const content of contents) {
      const events = await store.readStream(`log-${artefactIdFor(sha256(content))}`);
      expect(events.map((e) => e.type)).toEqual(['retention.LogArtefactRecorded']);
      expect(events[0].data).toMatchObject({ sizeBytes: Buffer.byteLength(content), source: { channel: 'folder' } });
    }
    const all = await ds.query(`SELECT COUNT(*) AS n FROM events WHERE type = 'retention.LogArtefactRecorded'`);
    expect(Number(all[0].n)).toBe(FILES);
  }, 150_000);
});
