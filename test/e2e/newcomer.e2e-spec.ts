import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from '../support/import-graph';
import { startChildApi, stopChildApi, type ChildApi } from '../support/child-api';
import { newTestStorage, type TestStorage } from '../support/test-storage';

const sh = promisify(execFile);

/** A newcomer's first minutes: start the server, copy the token command it prints, use the token. */
describe('newcomer: the start banner', () => {
  let storage: TestStorage;
  let api: ChildApi | undefined;

  beforeAll(async () => {
    storage = newTestStorage();
    api = await startChildApi(storage.env);
  }, 150_000);
  afterAll(async () => {
    await stopChildApi(api);
    await storage?.cleanup();
  });

  it('prints a token command that, run as printed in another terminal, gets a token this server accepts', async () => {
    const banner = api!.output();
    const line = /Get a token[^\n]*\n\s+(.+)\n/.exec(banner)?.[1];
    expect(line).toMatch(/npm run --silent registry -- token --role clinician --sub alice$/);
    // Another terminal: none of this server's storage or key settings, in the repository folder.
    const terminal = { ...process.env };
    for (const name of ['DATA_DIR', 'DATABASE_URL', 'DATABASE_SCHEMA', 'STORAGE', 'SQLITE_FILE', 'TOKEN_SIGNING_KEY_FILE']) delete terminal[name];
    const { stdout } = await sh('/bin/sh', ['-c', line!], { cwd: ROOT, env: terminal });
    const res = await fetch(`${api!.url}/api/v1/reviews`, { headers: { authorization: `Bearer ${stdout.trim()}` } });
    expect(res.status).toBe(200);
  }, 60_000);
});
