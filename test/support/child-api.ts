import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** Built by test/support/global-setup.js before the suites run. */
export const CLI = join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface ChildApi {
  proc: ChildProcess;
  url: string;
  output(): string;
}

/**
 * Starts `registry serve` and resolves once /health answers (or at once, with waitHealthy false).
 * The deadline is generous: on a loaded CI machine start-up (migrations, ledger key, projections) can take a minute.
 */
export async function startChildApi(env: Record<string, string>, waitHealthy = true, healthTimeoutMs = 120_000): Promise<ChildApi> {
  const port = await freePort();
  let out = '';
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', String(port)], {
    env: { ...process.env, ...env, LOG_LEVEL: 'warn', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  if (!waitHealthy) return { proc, url, output: () => out };
  const deadline = Date.now() + healthTimeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`API exited early (${proc.exitCode}):\n${out}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return { proc, url, output: () => out };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error(`API did not become healthy:\n${out}`);
}

export function waitForExit(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => (proc.exitCode !== null || proc.signalCode !== null ? resolve() : proc.once('exit', () => resolve())));
}

/** Kills a child API still running (a failed assertion must not leave one behind: Jest would never exit). */
export async function stopChildApi(child: ChildApi | undefined): Promise<void> {
  if (!child || child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGKILL');
  await waitForExit(child.proc);
}
