/**
 * The bundle verify job's measured process (bench/scenarios/evidence.ts, bundleVerifyJob): loads
 * only the offline verifier's light entry (@app/evidence/verify), as `registry verify-bundle`
 * does, so its peak RSS is the verifier's and not the benchmark's (ADR 0049). Prints one
 * `@@RESULT <json>` line. `BENCH_PROFILE=<file.cpuprofile>`: a V8 CPU profile of the verify.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { verifyBundle } from '@app/evidence/verify';

async function main(file: string): Promise<void> {
  const session = process.env.BENCH_PROFILE ? new Session() : null;
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session!.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  if (session) {
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.start');
  }
  const t = performance.now();
  const cpu = process.cpuUsage();
  const v = await verifyBundle(file);
  const used = process.cpuUsage(cpu);
  const verifySeconds = (performance.now() - t) / 1000;
  if (session) {
    const { profile } = (await post('Profiler.stop')) as { profile: object };
    writeFileSync(process.env.BENCH_PROFILE!, JSON.stringify(profile));
  }
  const result = { verifySeconds, verifyCpuSeconds: (used.user + used.system) / 1e6, ok: v.ok, events: v.events, problems: v.problems.slice(0, 3) };
  process.stdout.write(`@@RESULT ${JSON.stringify(result)}\n`);
}

void main(process.argv[2]);
