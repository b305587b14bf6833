/**
 * The bundle verify job's measured process (bench/scenarios/evidence.ts, bundleVerifyJob): loads
 * only the offline verifier's light entry (@app/evidence/verify), as `registry verify-bundle`
 * does, so its peak RSS is the verifier's and not the benchmark's (ADR 0049). Prints one
 * `@@RESULT <json>` line. `BENCH_PROFILE=<file.cpuprofile>` (or `.heapprofile`): a V8 profile of the verify.
 */
import { performance } from 'node:perf_hooks';
import { verifyBundle } from '@app/evidence/verify';
import { profileIf } from './lib/profile';

async function main(file: string): Promise<void> {
  const profile = await profileIf(process.env.BENCH_PROFILE);
  const t = performance.now();
  const cpu = process.cpuUsage();
  const v = await verifyBundle(file);
  const used = process.cpuUsage(cpu);
  const verifySeconds = (performance.now() - t) / 1000;
  await profile();
  const result = { verifySeconds, verifyCpuSeconds: (used.user + used.system) / 1e6, ok: v.ok, events: v.events, problems: v.problems.slice(0, 3) };
  process.stdout.write(`@@RESULT ${JSON.stringify(result)}\n`);
}

void main(process.argv[2]);
