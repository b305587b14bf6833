import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { createApp } from '@app/api';
import { ProjectionRegistry, SqlDatabase, Workers } from '@app/event-store';
import { issueLocalToken, loadKeyMaterial, type Role } from '@app/identity';
import { CLI } from '../support/child-api';
import { snapshotReadModels } from '../support/read-models';
import type { TestStorage } from '../support/test-storage';

/**
 * `npm test` / `npm run test:pg` run the short profile (seconds per suite);
 * `npm run test:reliability` sets RELIABILITY_PROFILE=long (minutes, more clients, more runs).
 */
export const LONG = process.env.RELIABILITY_PROFILE === 'long';
export const pick = <T>(short: T, long: T): T => (LONG ? long : short);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls (bounded) until `check` returns a value; the assertion is on the value, never on time. */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`${what} not reached in ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** A bearer token the child API (same data dir, same keys) accepts. */
export function tokenFor(storage: Pick<TestStorage, 'config'>, role: Role, sub = `${role}-1`): Promise<string> {
  return issueLocalToken(loadKeyMaterial(storage.config).tokenSigning, { sub, role });
}

const run = promisify(execFile);

/** Runs the `registry` CLI against the store; resolves with exit code and output (never throws). */
export async function registry(storage: Pick<TestStorage, 'env'>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, ...storage.env, LOG_LEVEL: 'warn' } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/**
 * Opens the whole application on the store without following the log, catches every projection
 * up, snapshots every read model, rebuilds each from position 0 and snapshots again.
 */
export async function readModelsAndRebuild(
  storage: Pick<TestStorage, 'config'>,
): Promise<{ live: Record<string, unknown[]>; rebuilt: Record<string, unknown[]> }> {
  const saved = Workers.autoStart;
  Workers.autoStart = false;
  const app = await createApp(storage.config);
  try {
    const runner = app.get(ProjectionRegistry).runner;
    const ds = app.get(SqlDatabase).dataSource;
    await runner.catchUp();
    const live = await snapshotReadModels(ds, runner);
    for (const p of runner.projections) await runner.rebuild(p.name);
    return { live, rebuilt: await snapshotReadModels(ds, runner) };
  } finally {
    await app.close();
    Workers.autoStart = saved;
  }
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function reviewBody(aiSystemId: string, n: number, overrides: Record<string, unknown> = {}) {
  return {
    aiSystemId,
    modelVersion: '2.3.1',
    outputReference: `pacs://studies/${n}/ai-report`,
    outputSha256: sha256(`output-${n}`),
    patientId: `NL-${100000 + (n % 50)}`,
    decision: (['accepted', 'modified', 'rejected', 'escalated'] as const)[n % 4],
    reason: `Second reading ${n}`,
    ...overrides,
  };
}
