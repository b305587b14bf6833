import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChildApi, startChildApi, stopChildApi } from './support/child-api';

/**
 * docs/walkthrough.md as written: every `bash` block after the one that starts the server runs, in
 * order, in one shell in the repository folder (as the page asks), against a real `registry serve`
 * on a fresh data folder; only the server's address is changed. Every answer the page shows as a
 * `json` block must appear in what the commands printed (`…` stands for a value that differs per
 * run), and so must the sentences the page says the tools print.
 */
const ROOT = join(__dirname, '..');
const PAGE = readFileSync(join(ROOT, 'docs', 'walkthrough.md'), 'utf8');

function blocks(lang: string): string[] {
  return [...PAGE.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```$', 'gm'))].map((m) => m[1]);
}

/** A shown answer as a pattern: literal, except `…`, which stands for any text within one JSON string. */
function shownAnswer(json: string): RegExp {
  const literal = json.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(literal.replace(/…/g, '[^"]*'));
}

function runBash(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn('bash', ['-c', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('docs/walkthrough.md runs as written', () => {
  let api: ChildApi | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'walkthrough-'));

  afterAll(async () => {
    await stopChildApi(api);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every command answers as the page says', async () => {
    const env = { ...process.env, DATA_DIR: dataDir, STORAGE: 'sqlite', DATABASE_URL: '' };
    api = await startChildApi(env);
    const commands = blocks('bash');
    const start = commands.findIndex((b) => b.trim() === 'npm start');
    expect(start).toBeGreaterThanOrEqual(0);
    const steps = commands.slice(start + 1);
    expect(steps.length).toBeGreaterThan(20);
    const script = ['set -eo pipefail', ...steps].join('\n').replaceAll('http://127.0.0.1:3000', api.url);
    expect(script).not.toContain('127.0.0.1:3000');

    const { code, out, err } = await runBash(script, env);
    expect({ code, err: code === 0 ? '' : err }).toEqual({ code: 0, err: '' });

    const shown = blocks('json').filter((b) => b.trim().startsWith('{"'));
    expect(shown.length).toBeGreaterThanOrEqual(3);
    for (const answer of shown) expect(out).toMatch(shownAnswer(answer));

    // What the page says the tools print.
    expect(out).toContain('"replayed":true');
    expect(out).toMatch(/^403$/m);
    expect(out).toMatch(/^OK: \d+ events proven in the signed tree of size \d+/m);
    // The tree head and the signed bundle statement (VERIFY.md B.14).
    expect(out.match(/Signature Verified Successfully/g)?.length).toBeGreaterThanOrEqual(2);
    // The key pinned: by verify-bundle, and with stock tools against the published JWKS.
    expect(out).toMatch(/^Signature checked with a pinned key \(--trusted-key\/--trusted-keys\)$/m);
    expect(out).toMatch(/^bundle key is a published key$/m);
    expect(out).toMatch(/data\/events\.jsonl: OK/);
    expect(out).toContain('OK: every event matches what was sealed and every signed root');
    expect(out).toContain('"status":"done"');
    expect(out).toContain('"overdue":true');
  }, 300_000);
});
