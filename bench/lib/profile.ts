import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/**
 * `BENCH_PROFILE=<file.cpuprofile>`: a V8 CPU profile of the measured phase only (not the seeding
 * before it), for Chrome DevTools or speedscope.
 */
export async function profileIf(file: string | undefined): Promise<() => Promise<void>> {
  if (!file) return () => Promise.resolve();
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  // A .heapprofile file: where the measured phase allocates (sampled, garbage included), not where it spends CPU.
  if (file.endsWith('.heapprofile')) {
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    return async () => {
      const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: object };
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    };
  }
  await post('Profiler.enable');
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: object };
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}
